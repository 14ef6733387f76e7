"""Table layout shared by both backends (SQLAlchemy Core), and how each navigation property of
the SensorThings model maps onto it.

Geometry is stored as the GeoJSON the client sent plus a bounding box (min/max columns); each
backend adds its own spatial index (SQLite: an R*Tree virtual table; PostgreSQL: PostGIS).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    text,
)

from stadsdata.store.types import JsonText, UtcTimestamp

metadata = MetaData()

# SQLite only turns an INTEGER PRIMARY KEY into the rowid alias (and AUTOINCREMENT) when the
# type is exactly INTEGER; BigInteger elsewhere.
IdType = BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column:
    return Column("id", IdType, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Column:
    return Column(name, IdType, ForeignKey(f"{target}.id", ondelete=ondelete), nullable=nullable, index=True)


def _bbox() -> list[Column]:
    return [Column(n, Float) for n in ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")]


def _dataset_fk() -> Column:
    """The dataset a stream belongs to (access control); NULL: the deployment's default level."""
    return Column("dataset_id", IdType, ForeignKey("datasets.id", ondelete="SET NULL"), index=True)


def _stream_extent() -> list[Column]:
    """Per-stream time-series summary, kept current in the same transaction as inserts."""
    return [
        Column("phenomenon_time_start", UtcTimestamp),
        Column("phenomenon_time_end", UtcTimestamp),
        Column("result_time_start", UtcTimestamp),
        Column("result_time_end", UtcTimestamp),
        Column("observation_count", BigInteger, nullable=False, server_default="0"),
        Column("latest_observation_id", BigInteger),
        Column("latest_phenomenon_time", UtcTimestamp),
        *[Column("area_" + n, Float) for n in ("minx", "miny", "maxx", "maxy")],
    ]


# -- parties, identities and datasets (access control, store/sql/access/) ------------------

parties = Table(
    "parties",
    metadata,
    _id(),
    Column("name", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("parent_id", IdType, ForeignKey("parties.id", ondelete="SET NULL"), index=True),  # department -> organisation
    Column("created_at", UtcTimestamp, nullable=False),
    Column("uri", Text),  # its identity as a publisher, e.g. a TOOI identifier (migration 0012)
    Column("contact_email", Text),
    sqlite_autoincrement=True,
)
users = Table(
    "users",
    metadata,
    _id(),
    Column("username", Text, nullable=False, unique=True),
    Column("password_hash", Text),
    _fk("party_id", "parties", nullable=True, ondelete="SET NULL"),
    Column("is_admin", Boolean, nullable=False, server_default=text("false")),
    Column("can_write", Boolean, nullable=False, server_default=text("true")),  # steward of its party, or read-only
    Column("disabled", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UtcTimestamp, nullable=False),
    sqlite_autoincrement=True,
)
api_keys = Table(
    "api_keys",
    metadata,
    _id(),
    Column("prefix", Text, nullable=False, unique=True),
    Column("key_hash", Text, nullable=False),
    Column("name", Text, nullable=False),
    _fk("party_id", "parties", nullable=True, ondelete="CASCADE"),
    Column("is_admin", Boolean, nullable=False, server_default=text("false")),
    Column("can_write", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("expires_at", UtcTimestamp),
    Column("revoked_at", UtcTimestamp),
    sqlite_autoincrement=True,
)
datasets = Table(
    "datasets",
    metadata,
    _id(),
    Column("name", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("access_level", Text, nullable=False),
    _fk("owner_party_id", "parties", nullable=True, ondelete="SET NULL"),
    Column("created_at", UtcTimestamp, nullable=False),
    # Paths in an Observation ('result', 'result.cardId', 'parameters.owner') replaced by a keyed
    # hash before storage (access/pseudonyms.py).
    Column("personal_fields", JsonText),
    # DCAT-AP-NL metadata beyond title and description (stadsdata/catalog/metadata.py), and
    # whether the owner keeps the dataset out of the catalog listing (migration 0012).
    Column("metadata", JsonText),
    Column("unlisted", Boolean, nullable=False, server_default=text("false")),
    Column("modified_at", UtcTimestamp),
    sqlite_autoincrement=True,
)
# A party's right to use a dataset. For now a plain grant (read, optionally within a time
# window); the ODRL work of the access issue turns these into Agreements with constraints.
dataset_grants = Table(
    "dataset_grants",
    metadata,
    _id(),
    _fk("dataset_id", "datasets"),
    _fk("party_id", "parties"),
    Column("valid_from", UtcTimestamp),
    Column("valid_until", UtcTimestamp),
    Column("revoked_at", UtcTimestamp),
    Column("created_at", UtcTimestamp, nullable=False),
    sqlite_autoincrement=True,
)

# A resident's consent that a party may read the resident's dataset (W3C DPV statuses: given,
# withdrawn; expired = past expires_at). For resident-owned datasets grants do not count.
consents = Table(
    "consents",
    metadata,
    _id(),
    _fk("dataset_id", "datasets"),
    _fk("party_id", "parties"),
    Column("purpose", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("given_at", UtcTimestamp, nullable=False),
    Column("expires_at", UtcTimestamp),
    Column("withdrawn_at", UtcTimestamp),
    sqlite_autoincrement=True,
)

# ODRL 2.2 policies as JSON-LD (access/odrl.py): an owner's Offer on a dataset, and the
# Agreements made from it for one party each.
offers = Table(
    "offers",
    metadata,
    _id(),
    _fk("dataset_id", "datasets"),
    Column("uid", Text, nullable=False, unique=True),
    Column("policy", JsonText, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("auto_accept", Boolean, nullable=False, server_default=text("false")),  # requests become Agreements at once
    Column("withdrawn_at", UtcTimestamp),  # no new requests; Agreements made from it stay
    sqlite_autoincrement=True,
)
agreements = Table(
    "agreements",
    metadata,
    _id(),
    _fk("dataset_id", "datasets"),
    _fk("party_id", "parties"),
    Column("offer_id", IdType, ForeignKey("offers.id", ondelete="SET NULL")),
    Column("uid", Text, nullable=False, unique=True),
    Column("policy", JsonText, nullable=False),
    Column("status", Text, nullable=False),  # 'active' or 'ended'
    Column("created_at", UtcTimestamp, nullable=False),
    Column("ended_at", UtcTimestamp),
    sqlite_autoincrement=True,
)

# One row: a number raised by every change to the tables above (store/sql/access/changes.py), so that a
# server reuses the access snapshot it read before until something changed (also in another
# server process on the same database).
access_changes = Table(
    "access_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

# A party's request for an Agreement on an Offer (status: pending, approved, rejected, withdrawn).
access_requests = Table(
    "access_requests",
    metadata,
    _id(),
    _fk("offer_id", "offers"),
    _fk("dataset_id", "datasets"),
    _fk("party_id", "parties"),
    Column("requested_by", Text, nullable=False),  # the caller's subject
    Column("purpose", Text, nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("decided_at", UtcTimestamp),
    Column("decided_by", Text),
    Column("reason", Text),
    Column("agreement_id", IdType, ForeignKey("agreements.id", ondelete="SET NULL")),
    sqlite_autoincrement=True,
)

# Append-only: every read of records of a restricted or non-public dataset (access/audit.py).
audit_events = Table(
    "audit_events",
    metadata,
    _id(),
    Column("time", UtcTimestamp, nullable=False),
    Column("subject", Text, nullable=False),  # 'user:<name>' or 'key:<prefix>'
    Column("party_id", IdType),  # not a foreign key: the log outlives what it mentions
    Column("dataset_id", IdType, nullable=False),
    Column("basis", Text, nullable=False),  # what allowed it: 'owner', 'grant', 'admin'
    Column("grant_id", IdType),
    Column("action", Text, nullable=False),
    Column("records", Integer, nullable=False),
    Column("request", Text, nullable=False),
    Index("ix_audit_events_dataset_time", "dataset_id", "time"),
    Index("ix_audit_events_grant", "grant_id"),  # usage per agreement (migration 0005)
    Index("ix_audit_events_party_time", "party_id", "time"),  # what a party read (migration 0006)
    sqlite_autoincrement=True,
)

# -- ingestion (stadsdata/ingest/) -----------------------------------------------------------
# What could not be stored (malformed, unmappable, refused), with the raw payload, until it is
# replayed (after the mapping was fixed) or discarded. Nothing is dropped silently.
QUARANTINE_STATUSES = ("held", "replayed", "discarded")
quarantine = Table(
    "quarantine",
    metadata,
    _id(),
    Column("source", Text, nullable=False),  # e.g. 'mqtt', 'mqtt-embedded', 'lorawan-tts', 'http-push:<name>'
    Column("topic", Text, nullable=False),  # MQTT topic or request path
    Column("payload", Text, nullable=False),  # as received (bytes that are not UTF-8: base64, see `encoding`)
    Column("encoding", Text, nullable=False, server_default="utf-8"),
    Column("subject", Text),  # who sent it, when known
    Column("received_at", UtcTimestamp, nullable=False),
    Column("reason", Text, nullable=False),
    Column("field", Text),
    Column("status", Text, nullable=False, server_default="held"),
    Column("decided_at", UtcTimestamp),
    Column("decided_by", Text),
    Index("ix_quarantine_status", "status", "id"),
    sqlite_autoincrement=True,
)
# LoRaWAN devices known to the platform: a device of a network server maps to a Thing, and each
# field of its decoded payload to a Datastream ({"temperature": 31, …}). Unknown devices and
# unmapped fields are quarantined (ingest/lorawan.py).
lorawan_devices = Table(
    "lorawan_devices",
    metadata,
    _id(),
    Column("network", Text, nullable=False),  # 'tts' or 'chirpstack'
    Column("device", Text, nullable=False),  # TTS '<application>/<device id>'; ChirpStack: DevEUI
    Column("thing_id", IdType, ForeignKey("things.id", ondelete="SET NULL")),
    Column("fields", JsonText, nullable=False),  # decoded field -> Datastream id
    Column("created_at", UtcTimestamp, nullable=False),
    Index("ux_lorawan_devices_device", "network", "device", unique=True),
    sqlite_autoincrement=True,
)

# HTTP push sources (e.g. a garage operator's occupancy every minute): a declarative mapping from
# the JSON a source posts to Datastreams (ingest/http_push.py).
push_sources = Table(
    "push_sources",
    metadata,
    _id(),
    Column("name", Text, nullable=False, unique=True),
    Column("mapping", JsonText, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    sqlite_autoincrement=True,
)

# Sources the platform fetches from by itself (stadsdata/sources/: a remote SensorThings server,
# a web API, …): one row per configured source with its kind's config (secrets only as
# references to the environment or a file), its schedule, its incremental state (`cursor`) and
# the lease that lets one process at a time run it (`lease_until` in the past: free).
SOURCE_STATES = ("active", "paused")
sources = Table(
    "sources",
    metadata,
    _id(),
    Column("name", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("title", Text, nullable=False, server_default=""),
    Column("config", JsonText, nullable=False),
    Column("schedule", JsonText, nullable=False),  # {"every": seconds} or {"cron": "*/5 * * * *"}
    Column("state", Text, nullable=False, server_default="active"),
    Column("dataset_id", IdType, ForeignKey("datasets.id", ondelete="SET NULL")),  # where its streams go
    Column("cursor", JsonText),  # the kind's incremental state, saved after each stored page
    Column("resync_from", UtcTimestamp),  # the next run copies again from this time
    Column("run_requested", Boolean, nullable=False, server_default=text("false")),
    Column("next_run_at", UtcTimestamp, nullable=False),
    Column("lease_owner", Text),
    Column("lease_until", UtcTimestamp, nullable=False),
    Column("failures", Integer, nullable=False, server_default="0"),  # runs failed in a row (back-off)
    Column("last_run_id", IdType),
    Column("last_success_at", UtcTimestamp),
    Column("last_error", Text),
    Column("newest_item_at", UtcTimestamp),  # the newest time among the items it brought (lag)
    Column("created_at", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    Index("ix_sources_due", "state", "next_run_at"),
    sqlite_autoincrement=True,
)
# One row per run of a source: when, what it read, stored, found stored before, quarantined.
source_runs = Table(
    "source_runs",
    metadata,
    _id(),
    Column("source_id", IdType, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("owner", Text, nullable=False),  # the process that ran it
    Column("started_at", UtcTimestamp, nullable=False),
    Column("finished_at", UtcTimestamp),
    Column("status", Text, nullable=False),  # running, succeeded, partial (some items quarantined), failed, stopped
    Column("items_read", Integer, nullable=False, server_default="0"),
    Column("items_stored", Integer, nullable=False, server_default="0"),
    Column("items_duplicate", Integer, nullable=False, server_default="0"),
    Column("items_quarantined", Integer, nullable=False, server_default="0"),
    Column("entities_created", Integer, nullable=False, server_default="0"),
    Column("requests", Integer, nullable=False, server_default="0"),
    Column("error", Text),
    Index("ix_source_runs_source", "source_id", "id"),
    sqlite_autoincrement=True,
)
# The entities a source mirrors (a remote Thing, a station, a parking facility): its key at the
# source -> the local entity, with a digest of what was last written (changed: updated).
source_entities = Table(
    "source_entities",
    metadata,
    _id(),
    Column("source_id", IdType, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("entity", Text, nullable=False),  # 'Thing', 'Datastream', …
    Column("remote_key", Text, nullable=False),
    Column("local_id", IdType, nullable=False),
    Column("digest", Text, nullable=False),
    Column("run_id", IdType),  # the run that last wrote it
    Index("ux_source_entities_key", "source_id", "entity", "remote_key", unique=True),
    sqlite_autoincrement=True,
)

# -- OCPI 2.2.1 receiver (api/ocpi/) --------------------------------------------------------------
# The CPOs registered for OCPI (api/ocpi/): their party, the hashes of the registration token A
# (pending) and of the token C they call with (registered), and what their credentials said.
ocpi_parties = Table(
    "ocpi_parties",
    metadata,
    _id(),
    Column("name", Text, nullable=False, unique=True),
    Column("country_code", Text, nullable=False),
    Column("party_id", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),  # pending, registered, unregistered
    Column("dataset_id", IdType, ForeignKey("datasets.id", ondelete="SET NULL")),  # where its streams go
    Column("token_a_hash", Text),  # SHA-256 of the one-time registration token
    Column("token_c_hash", Text),  # SHA-256 of the token it calls with
    Column("token_b", Text),  # the CPO's token for calling it back (sent back to it: not hashed)
    Column("versions_url", Text),
    Column("version", Text),
    Column("roles", JsonText),  # the CredentialsRoles of its credentials
    Column("created_at", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    Column("registered_at", UtcTimestamp),
    Index("ux_ocpi_parties_party", "country_code", "party_id", unique=True),
    Index("ux_ocpi_parties_token_a", "token_a_hash", unique=True),
    Index("ux_ocpi_parties_token_c", "token_c_hash", unique=True),
    sqlite_autoincrement=True,
)
# What each CPO pushed: its Locations, Sessions, CDRs, Tariffs (as last received; personal members
# pseudonymised), and the local entities they map to (Thing, Datastreams, Sensor, ObservedProperties).
ocpi_objects = Table(
    "ocpi_objects",
    metadata,
    _id(),
    Column("registration_id", IdType, ForeignKey("ocpi_parties.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),  # location, stream, entity, session, cdr, tariff
    Column("object_key", Text, nullable=False),  # 'NL-EXA/LOC1', 'NL-EXA/LOC1/3256/status', …
    Column("local_id", IdType),
    Column("document", JsonText),
    Column("last_updated", UtcTimestamp),
    Column("status", Text, nullable=False, server_default="active"),  # active, deleted (tariffs)
    Column("created_at", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    Index("ux_ocpi_objects_key", "registration_id", "kind", "object_key", unique=True),
    sqlite_autoincrement=True,
)

# -- the sensor register (stadsdata/catalog/register/, migration 0013) -----------------------
# A device in public space as its owner registers it and the municipality reviews it: who owns it
# (a party: the legal entity) and whom to ask, what kind of device, where (a GeoJSON point or
# area, with its bounding box), why and on what legal ground, whether it processes personal data,
# whether the entry and its data are public/open, when it is active, and the review.
register_devices = Table(
    "register_devices",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("type", Text, nullable=False),  # a code of catalog/register/vocabulary.py: 'air-quality', 'camera', …
    _fk("owner_party_id", "parties"),
    Column("contact_name", Text),
    Column("contact_email", Text),
    Column("contact_phone", Text),
    Column("geometry", JsonText, nullable=False),  # GeoJSON Point, Polygon or MultiPolygon, WGS84
    *_bbox(),
    Column("location_description", Text, nullable=False, server_default=""),
    Column("mobile", Boolean, nullable=False, server_default=text("false")),  # moves within its area
    Column("themes", JsonText, nullable=False),  # theme codes (catalog/vocabularies.py)
    Column("purpose", Text, nullable=False),
    Column("legal_ground", Text),
    Column("legal_ground_url", Text),
    Column("privacy_statement_url", Text),
    Column("personal_data", Boolean, nullable=False),
    Column("is_public", Boolean, nullable=False, server_default=text("true")),
    Column("is_open_data", Boolean, nullable=False, server_default=text("false")),
    Column("active_from", Text),  # ISO dates 'YYYY-MM-DD'
    Column("active_until", Text),
    Column("thing_id", IdType, ForeignKey("things.id", ondelete="SET NULL")),  # the device as a SensorThings Thing
    Column("status", Text, nullable=False),  # submitted, approved, rejected
    Column("review_note", Text),
    Column("reviewed_by", Text),
    Column("reviewed_at", UtcTimestamp),
    Column("created_by", Text),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("updated_by", Text),
    Column("updated_at", UtcTimestamp, nullable=False),
    sqlite_autoincrement=True,
)
# The sensors in a registered device: the instrument, what it observes, and the Datastreams it
# produces (ids of SensorThings Datastreams, as a JSON list).
register_sensors = Table(
    "register_sensors",
    metadata,
    _id(),
    _fk("device_id", "register_devices"),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("type", Text),  # the technical kind, e.g. 'optical particle counter'
    Column("manufacturer", Text),
    Column("supplier", Text),
    Column("documentation_url", Text),
    Column("observes", JsonText, nullable=False),  # what it measures: names, e.g. ["PM10", "PM2.5"]
    Column("datastream_ids", JsonText, nullable=False),
    sqlite_autoincrement=True,
)

# Alert rules (`stadsdata/analytics/alerts/`): a condition over Datastreams (one stream, an
# ObservedProperty or a dataset), owned by a party; `state` is the evaluator's per-stream state
# (JSON, so that it survives a restart).
alert_rules = Table(
    "alert_rules",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    _fk("owner_party_id", "parties"),
    Column("kind", Text, nullable=False),  # 'threshold' (the only kind evaluated so far)
    Column("datastream_id", IdType),
    Column("observed_property_id", IdType),
    Column("dataset_id", IdType),
    Column("params", JsonText, nullable=False),
    Column("state", JsonText, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    sqlite_autoincrement=True,
)

# Each firing of an alert rule: open -> acknowledged -> resolved (by whom, when).
alerts = Table(
    "alerts",
    metadata,
    _id(),
    _fk("rule_id", "alert_rules"),
    Column("datastream_id", IdType, nullable=False, index=True),
    Column("state", Text, nullable=False),
    Column("phenomenon_time", UtcTimestamp, nullable=False),
    Column("value", Float),
    Column("late", Boolean, nullable=False),
    Column("message", Text, nullable=False),
    Column("opened_at", UtcTimestamp, nullable=False),
    Column("acknowledged_by", Text),
    Column("acknowledged_at", UtcTimestamp),
    Column("resolved_by", Text),
    Column("resolved_at", UtcTimestamp),
    Column("delivery", JsonText),  # per channel: attempts, last attempt, error, next try, delivered at
    sqlite_autoincrement=True,
)

# NGSI-LD subscriptions (`stadsdata/api/ngsild/subscriptions/`): the subscription as its owner
# sent it (`body`, validated), its owner (notifications are rendered with the owner's read scope
# at notification time), and what the notifier did.
ngsild_subscriptions = Table(
    "ngsild_subscriptions",
    metadata,
    _id(),
    Column("subscription_id", Text, nullable=False, unique=True, index=True),  # urn:ngsi-ld:Subscription:…
    Column("owner_subject", Text),  # 'key:<prefix>', 'user:<name>', 'oidc:<sub>'; NULL: anonymous
    _fk("owner_party_id", "parties", nullable=True),
    Column("owner_admin", Boolean, nullable=False),
    Column("body", JsonText, nullable=False),
    Column("active", Boolean, nullable=False),  # isActive
    Column("expires_at", UtcTimestamp),
    Column("times_sent", BigInteger, nullable=False),
    Column("times_failed", BigInteger, nullable=False),
    Column("last_notification", UtcTimestamp),
    Column("last_success", UtcTimestamp),
    Column("last_failure", UtcTimestamp),
    Column("last_error", Text),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("modified_at", UtcTimestamp, nullable=False),
    sqlite_autoincrement=True,
)

# One row per source message already stored (its idempotency key), so that a redelivery (MQTT
# QoS 1 after a lost acknowledgement) does not store it twice.
ingest_keys = Table(
    "ingest_keys",
    metadata,
    Column("key", Text, primary_key=True),
    Column("stored_at", UtcTimestamp, nullable=False),
)

# Hourly rollups of each Datastream's numeric results (count, sum, min, max, sum of squares per UTC hour), kept
# in the transaction that writes the observations (`store/sql/rollups.py`): charts of long ranges
# read these, not the raw rows.
observation_rollups = Table(
    "observation_rollups",
    metadata,
    Column("datastream_id", IdType, ForeignKey("datastreams.id", ondelete="CASCADE"), primary_key=True),
    Column("bucket_start", UtcTimestamp, primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("sum", Float, nullable=False),
    Column("min", Float, nullable=False),
    Column("max", Float, nullable=False),
    Column("sum_squares", Float, nullable=False, server_default="0"),  # of the results: the standard deviation of whole hours
)

# Dashboards of the web UI: JSON documents (tiles, charts, map panels) that admins edit.
dashboards = Table(
    "dashboards",
    metadata,
    _id(),
    Column("slug", Text, nullable=False, unique=True),
    Column("document", JsonText, nullable=False),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("updated_at", UtcTimestamp, nullable=False),
    sqlite_autoincrement=True,
)

# Browser sessions of the web UI (a signed-in user): the token's hash, never the token.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UtcTimestamp, nullable=False),
    Column("expires_at", UtcTimestamp, nullable=False),
)

things = Table(
    "things",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("properties", JsonText),
    sqlite_autoincrement=True,
)
locations = Table(
    "locations",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("encoding_type", Text, nullable=False),
    Column("location", JsonText, nullable=False),
    Column("properties", JsonText),
    *_bbox(),
    sqlite_autoincrement=True,
)
things_locations = Table(
    "things_locations",
    metadata,
    Column("thing_id", IdType, ForeignKey("things.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", IdType, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_things_locations_location", "location_id"),
)
historical_locations = Table(
    "historical_locations",
    metadata,
    _id(),
    Column("time", UtcTimestamp, nullable=False),
    _fk("thing_id", "things"),
    sqlite_autoincrement=True,
)
historical_locations_locations = Table(
    "historical_locations_locations",
    metadata,
    Column("historical_location_id", IdType, ForeignKey("historical_locations.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", IdType, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_hist_locations_location", "location_id"),
)
sensors = Table(
    "sensors",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("encoding_type", Text, nullable=False),
    Column("metadata", JsonText, nullable=False),
    Column("properties", JsonText),
    sqlite_autoincrement=True,
)
observed_properties = Table(
    "observed_properties",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("definition", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("properties", JsonText),
    sqlite_autoincrement=True,
)
datastreams = Table(
    "datastreams",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("unit_of_measurement", JsonText, nullable=False),
    Column("observation_type", Text, nullable=False),
    Column("properties", JsonText),
    _fk("thing_id", "things"),
    _fk("sensor_id", "sensors"),
    _fk("observed_property_id", "observed_properties"),
    *_stream_extent(),
    _dataset_fk(),
    sqlite_autoincrement=True,
)
multi_datastreams = Table(
    "multi_datastreams",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("unit_of_measurements", JsonText, nullable=False),
    Column("observation_type", Text, nullable=False),
    Column("multi_observation_data_types", JsonText, nullable=False),
    Column("properties", JsonText),
    _fk("thing_id", "things"),
    _fk("sensor_id", "sensors"),
    *_stream_extent(),
    _dataset_fk(),
    sqlite_autoincrement=True,
)
multi_datastreams_observed_properties = Table(
    "multi_datastreams_observed_properties",
    metadata,
    Column("multi_datastream_id", IdType, ForeignKey("multi_datastreams.id", ondelete="CASCADE"), primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("observed_property_id", IdType, ForeignKey("observed_properties.id", ondelete="CASCADE"), nullable=False),
    Index("ix_mds_op_observed_property", "observed_property_id"),
)
features_of_interest = Table(
    "features_of_interest",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("encoding_type", Text, nullable=False),
    Column("feature", JsonText, nullable=False),
    Column("properties", JsonText),
    *_bbox(),
    # The Location this feature was generated from (OGC 18-088 §10.2.1.1), so that it is reused.
    Column("generated_from_location_id", IdType, index=True),
    sqlite_autoincrement=True,
)

# Result storage: RESULT_* says which column holds the value, so that `result gt 5` compares
# numbers and `result eq 'on'` compares text, each using plain SQL.
RESULT_NULL, RESULT_INT, RESULT_FLOAT, RESULT_STRING, RESULT_BOOL, RESULT_JSON = range(6)

observations = Table(
    "observations",
    metadata,
    _id(),
    Column("phenomenon_time_start", UtcTimestamp, nullable=False),
    Column("phenomenon_time_end", UtcTimestamp, nullable=False),
    Column("result_time", UtcTimestamp),
    Column("result_type", SmallInteger, nullable=False),
    Column("result_number", Float),
    Column("result_string", Text),
    Column("result_json", JsonText),
    Column("result_quality", JsonText),
    Column("valid_time_start", UtcTimestamp),
    Column("valid_time_end", UtcTimestamp),
    Column("parameters", JsonText),
    Column("datastream_id", IdType, ForeignKey("datastreams.id", ondelete="CASCADE")),
    Column("multi_datastream_id", IdType, ForeignKey("multi_datastreams.id", ondelete="CASCADE")),
    Column("feature_of_interest_id", IdType, ForeignKey("features_of_interest.id", ondelete="CASCADE"), nullable=False),
    Index("ix_observations_datastream_time", "datastream_id", "phenomenon_time_start"),
    Index(
        "ix_observations_multi_datastream_time",
        "multi_datastream_id",
        "phenomenon_time_start",
        sqlite_where=text("multi_datastream_id IS NOT NULL"),
        postgresql_where=text("multi_datastream_id IS NOT NULL"),
    ),
    Index("ix_observations_datastream_id", "datastream_id", "id"),  # a stream's observations in id order
    Index(
        "ix_observations_multi_datastream_id",
        "multi_datastream_id",
        "id",
        sqlite_where=text("multi_datastream_id IS NOT NULL"),
        postgresql_where=text("multi_datastream_id IS NOT NULL"),
    ),
    Index("ix_observations_feature", "feature_of_interest_id"),
    sqlite_autoincrement=True,
)
# On PostgreSQL (migration 0002) this table is partitioned by month of phenomenon_time_start
# and its primary key is (id, phenomenon_time_start), as partitioning requires; ids stay unique
# because they come from one sequence. See store/postgres/partitions.py.

TABLES: dict[str, Table] = {
    "Thing": things,
    "Location": locations,
    "HistoricalLocation": historical_locations,
    "Datastream": datastreams,
    "MultiDatastream": multi_datastreams,
    "Sensor": sensors,
    "ObservedProperty": observed_properties,
    "Observation": observations,
    "FeatureOfInterest": features_of_interest,
}

# Entity property name -> column name, where they differ and the property is one column.
COLUMN_NAMES: dict[str, str] = {
    "encodingType": "encoding_type",
    "unitOfMeasurement": "unit_of_measurement",
    "unitOfMeasurements": "unit_of_measurements",
    "observationType": "observation_type",
    "multiObservationDataTypes": "multi_observation_data_types",
    "resultTime": "result_time",
    "resultQuality": "result_quality",
}


@dataclass(frozen=True)
class Join:
    """How to get from an entity (`source`) to the entities of one navigation property.

    kind 'fk_here': source table column `column` holds the target id.
    kind 'fk_there': target table column `column` holds the source id.
    kind 'link': link table `link` with `source_col` and `target_col`.
    """

    kind: str
    column: str = ""
    link: Table | None = None
    source_col: str = ""
    target_col: str = ""


def _link(table: Table, source_col: str, target_col: str) -> Join:
    return Join("link", link=table, source_col=source_col, target_col=target_col)


JOINS: dict[tuple[str, str], Join] = {
    ("Thing", "Locations"): _link(things_locations, "thing_id", "location_id"),
    ("Location", "Things"): _link(things_locations, "location_id", "thing_id"),
    ("Thing", "HistoricalLocations"): Join("fk_there", "thing_id"),
    ("HistoricalLocation", "Thing"): Join("fk_here", "thing_id"),
    ("Thing", "Datastreams"): Join("fk_there", "thing_id"),
    ("Datastream", "Thing"): Join("fk_here", "thing_id"),
    ("Thing", "MultiDatastreams"): Join("fk_there", "thing_id"),
    ("MultiDatastream", "Thing"): Join("fk_here", "thing_id"),
    ("Location", "HistoricalLocations"): _link(historical_locations_locations, "location_id", "historical_location_id"),
    ("HistoricalLocation", "Locations"): _link(historical_locations_locations, "historical_location_id", "location_id"),
    ("Datastream", "Sensor"): Join("fk_here", "sensor_id"),
    ("Sensor", "Datastreams"): Join("fk_there", "sensor_id"),
    ("MultiDatastream", "Sensor"): Join("fk_here", "sensor_id"),
    ("Sensor", "MultiDatastreams"): Join("fk_there", "sensor_id"),
    ("Datastream", "ObservedProperty"): Join("fk_here", "observed_property_id"),
    ("ObservedProperty", "Datastreams"): Join("fk_there", "observed_property_id"),
    ("MultiDatastream", "ObservedProperties"): _link(
        multi_datastreams_observed_properties, "multi_datastream_id", "observed_property_id"
    ),
    ("ObservedProperty", "MultiDatastreams"): _link(
        multi_datastreams_observed_properties, "observed_property_id", "multi_datastream_id"
    ),
    ("Datastream", "Observations"): Join("fk_there", "datastream_id"),
    ("Observation", "Datastream"): Join("fk_here", "datastream_id"),
    ("MultiDatastream", "Observations"): Join("fk_there", "multi_datastream_id"),
    ("Observation", "MultiDatastream"): Join("fk_here", "multi_datastream_id"),
    ("FeatureOfInterest", "Observations"): Join("fk_there", "feature_of_interest_id"),
    ("Observation", "FeatureOfInterest"): Join("fk_here", "feature_of_interest_id"),
}
