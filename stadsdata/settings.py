"""Configuration: every setting has a laptop default and an environment variable STADSDATA_<NAME>
(e.g. STADSDATA_DATABASE, STADSDATA_PORT). CLI flags override the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from limits import RateLimitItem, parse
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def parse_rate(text: str | None) -> RateLimitItem | None:
    """A rate limit setting: '600/minute', '20 per second', … ; '' or 'none' turns the limit off.
    ValueError otherwise."""
    if text is None or text.strip().lower() in ("", "none", "off"):
        return None
    return parse(text)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STADSDATA_", extra="ignore")

    database: str = Field(
        "stadsdata.db",
        description="SQLite file path (or sqlite:///path), or a postgresql://user@host/db URL",
        validation_alias=AliasChoices("database", "STADSDATA_DATABASE", "STADSDATA_DATABASE_URL"),
    )
    migrate: bool = Field(True, description="upgrade the database schema when the server starts")
    statement_timeout_ms: int = Field(30_000, ge=1, description="PostgreSQL: longest a query may run (503 after)")
    count_mode: Literal["exact", "estimate"] = Field(
        "estimate",
        description="$count of a filtered collection: 'exact' always counts; 'estimate' counts up to "
        "count_limit rows and beyond that gives PostgreSQL's planner estimate (SQLite always counts)",
    )
    count_limit: int = Field(100_000, ge=1, description="rows counted exactly in count mode 'estimate'")
    access_mode: Literal["enforced", "open"] = Field(
        "enforced",
        description="'enforced': datasets, access levels and credentials decide who reads and writes what; "
        "'open': everything is public and anyone may write (for experiments only)",
    )
    default_access_level: Literal["public", "restricted", "non-public"] = Field(
        "public", description="access level of Datastreams that belong to no dataset"
    )
    oidc_issuer: str | None = Field(None, description="OpenID Connect issuer whose bearer tokens are accepted")
    oidc_audience: str = Field("stadsdata", description="the audience (client id) tokens must be for")
    oidc_jwks_url: str | None = Field(None, description="the issuer's JWKS URL (default: from its discovery document)")
    oidc_party_claim: str = Field("stadsdata_party", description="token claim naming the caller's party")
    oidc_admin_role: str = Field("stadsdata-admin", description="role (in 'roles' or realm_access.roles) that makes an admin")
    oidc_writer_role: str = Field("stadsdata-writer", description="role that may add Observations to its party's datasets")
    pseudonym_key: SecretStr | None = Field(
        None, description="secret for the keyed hash that replaces personal fields at ingest (default on SQLite: a key file beside the database)"
    )
    pseudonym_key_file: str | None = Field(None, description="file holding that secret (instead of pseudonym_key)")
    mqtt_embedded: bool = Field(True, description="start the embedded MQTT broker with `serve` (unless mqtt_url is set)")
    mqtt_port: int = Field(1883, ge=1, le=65535, description="port of the embedded MQTT broker")
    mqtt_max_payload_bytes: int = Field(
        256 * 1024, ge=1024, description="largest SensorThings MQTT payload stored; a larger one is quarantined (its start kept)"
    )
    mqtt_alternative_port: int | None = Field(
        None, ge=1, le=65535, description="port to use when mqtt_port is taken (else: run without the embedded broker)"
    )
    faces: str = Field(
        "all", description="the faces to serve: 'all', or names separated by commas (sensorthings, management, ocpi, web, installed ones)"
    )
    example_sources: bool = Field(
        False, description="also offer the example source kinds for developers (their webhooks and `stadsdata ingest --source`)"
    )
    sources_run: bool = Field(
        True, description="run the configured sources (connectors) in `serve`; off when `stadsdata ingest --sources` workers run them"
    )
    sources_parallel: int = Field(4, ge=1, le=64, description="sources one process runs at the same time")
    files_dir: str | None = Field(
        None, description="where files uploaded for file sources are kept (default: 'stadsdata-files' beside the SQLite file, or in the working folder)"
    )
    sources_lease_s: float = Field(
        300.0, ge=5, description="seconds a process holds a source it runs without a checkpoint; a dead process's source is taken over after this"
    )
    mqtt_url: str | None = Field(
        None, description="external broker (mqtt://host:1883): no embedded broker; `stadsdata ingest` workers read from it"
    )
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=1, le=65535)
    public_base_url: str | None = Field(
        None, description="external URL of the server (e.g. https://data.example.nl/stadsdata) for links"
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1", description="peers whose X-Forwarded-Proto/Host/Prefix headers are trusted ('*' for all)"
    )
    default_top: int = Field(100, ge=1, description="page size when a request gives no $top")
    max_top: int = Field(10_000, ge=1, description="largest page size; larger $top values are capped")
    max_batch_requests: int = Field(1000, ge=1, description="most sub-requests in one $batch")
    max_expand_depth: int = Field(16, ge=1, le=100, description="deepest nesting of `$expand` inside an `$expand`")
    max_filter_depth: int = Field(200, ge=2, le=1000, description="most levels of a `$filter`/`$orderby` expression")
    max_filter_nodes: int = Field(2000, ge=2, description="most parts (operators, functions, paths, literals) of one expression")
    download_chunk_rows: int = Field(
        10_000, ge=1, le=1_000_000, description="observations a download reads (and audits) per chunk, each in a short transaction of its own"
    )
    download_max_rows: int = Field(
        1_000_000, ge=1, description="most observations in a download in a format its readers load whole (GeoJSON); more: 400"
    )
    log_level: str = Field("info", description="uvicorn log level")
    sta_inline: bool = Field(
        True, description="SQLite: answer a SensorThings GET of one entity or POST of one Observation on the event loop (no thread hop)"
    )
    access_log: bool = Field(
        False, description="a log line per HTTP request (uvicorn's access log); off: /metrics counts every answer, at no cost per request"
    )
    basemap: str = Field(
        "osm",
        description="background of the web UI's maps: 'osm' (OpenStreetMap), 'pdok' (PDOK BRT-Achtergrondkaart), "
        "'none' (no tiles: the demo city's own background, else a plain one), or a tile URL template https://…/{z}/{x}/{y}.png",
    )
    basemap_attribution: str | None = Field(None, description="attribution shown with a basemap given as a URL template")
    alert_mqtt_host: str = Field("127.0.0.1", description="MQTT broker that alert rules with params.mqtt publish to")
    alert_mqtt_port: int | None = Field(None, ge=1, le=65535, description="its port (default: mqtt_port, the embedded broker)")
    alert_mqtt_topic_prefix: str = Field("stadsdata/alerts", min_length=1, description="alerts go to <prefix>/<rule id>")
    alert_smtp_host: str = Field("", description="SMTP server for alert rules with params.email (empty: no e-mail)")
    alert_smtp_port: int = Field(25, ge=1, le=65535, description="its port")
    alert_smtp_from: str = Field("stadsdata@localhost", description="the From address of alert e-mails")
    alert_smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    notify_private_networks: bool = Field(
        False, description="let alert webhooks and NGSI-LD notifications go to loopback, private and link-local addresses"
    )
    alert_stale_every_s: float = Field(60.0, ge=1, le=86400, description="how often the 'stale' alert rules are checked (seconds)")
    alert_smtp_user: str = Field("", description="user name to log in to the SMTP server with (empty: no login)")
    alert_smtp_password: SecretStr | None = Field(None, description="its password (set it in the environment, never in a file in the repo)")
    aggregate_max_buckets: int = Field(100_000, ge=10, le=10_000_000,
                                       description="most buckets (× streams) one aggregate request may ask for (`/api/v1/aggregates`)")  # fmt: skip
    catalog_areas: str = Field(
        "", description="a GeoJSON FeatureCollection file of the named areas the catalog's area facet counts by (each Feature with "
        "a `name`), e.g. the municipality's districts; empty: none (the demo: its districts)",
    )
    waste_streets: str = Field(
        "", description="the street graph of the waste route (`/api/v1/waste/routes`): a GeoJSON file of LineStrings with a "
        "`name` and a depot Point (`docs/analytics.md`); empty: the demo city's streets where the demo city runs, else none",
    )
    waste_solver_s: float = Field(1.0, gt=0, le=60, description="seconds the routing solver (OR-Tools) may improve a waste route")
    demo: bool = Field(False, description="`serve`: fill an empty database with the demo city and keep it live with the simulator")
    demo_days: int = Field(30, ge=1, le=366, description="days of history the demo city starts with")
    demo_interval_s: float = Field(5.0, gt=0, description="seconds between the demo simulator's rounds of readings")
    default_language: Literal["nl", "en"] = Field("nl", description="language of the web UI unless the visitor picks another")
    # -- limits and security (docs/operations.md "Limits") -----------------------------------
    max_body_bytes: int = Field(32 * 1024 * 1024, ge=1024, description="largest request body; larger ones get 413")
    max_requests_in_flight: int = Field(
        64, ge=1, description="requests one process answers at once; more get 503 with Retry-After (load shedding)"
    )
    rate_limit_anonymous: str = Field(
        "1200/minute", description="requests per client address without credentials ('none' turns it off); past it 429"
    )
    rate_limit_authenticated: str = Field(
        "12000/minute", description="requests per credential (and per address with credentials); 'none' turns it off"
    )
    cors_allow_origins: str = Field(
        "", description="comma-separated origins other sites' browsers may call the APIs from (empty: none; '*': any)"
    )

    @field_validator("rate_limit_anonymous", "rate_limit_authenticated")
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_rate(value)  # ValueError names the setting through pydantic
        return value

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_allow_origins.split(",") if o.strip()]

    @property
    def is_postgres(self) -> bool:
        return self.database.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))

    @property
    def uploads_dir(self) -> str:
        """The folder of uploaded files (`files_dir`, else beside the SQLite file or in the working folder)."""
        if self.files_dir:
            return self.files_dir
        if self.is_postgres:
            return "stadsdata-files"
        return str(Path(self.sqlite_path).resolve().parent / "stadsdata-files")

    @property
    def sqlite_path(self) -> str:
        value = self.database
        if value.startswith("sqlite:///"):
            return value[len("sqlite:///") :]
        if "://" in value:
            raise ValueError(f"unsupported database URL '{value.split('://')[0]}://…': use a file path or postgresql://")
        return value
