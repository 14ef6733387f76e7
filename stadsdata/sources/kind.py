"""A source kind: its manifest (what an operator and the platform read about it) and its code
(how a message of the source becomes a `DeviceReport`)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from stadsdata.access.policy import Caller
from stadsdata.errors import BadRequest
from stadsdata.ingest.devices import Decode, ingest_report
from stadsdata.ingest.mqtt_worker import Subscriber
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.sources import schedule, secrets
from stadsdata.sources.connector import Connector, DemoUpstream
from stadsdata.sources.http import AUTH_SCHEMA, AUTH_SECRETS

NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
PRODUCTS = ("Observation", "Thing", "Location", "Sensor", "ObservedProperty", "Datastream", "MultiDatastream", "FeatureOfInterest")
_MEMBERS = {
    "name", "version", "title", "description", "produces", "message_source", "example", "device", "webhook", "mqtt", "config", "pull",
}  # fmt: skip
# Members of every fetching kind's config (`sources/runner.py::http_for`), added to its schema.
HTTP_MEMBERS: dict[str, Any] = {
    "timeout_s": {"type": "number", "exclusiveMinimum": 0, "description": "seconds to wait for an answer (default 30)"},
    "retries": {"type": "integer", "minimum": 0, "maximum": 10, "description": "tries again after a timeout, 429 or 5xx (default 3)"},
    "retry_backoff_s": {"type": "number", "minimum": 0, "description": "first wait before trying again, doubling (default 1)"},
    "rate_limit_per_s": {"type": "number", "exclusiveMinimum": 0, "description": "most requests per second to the source"},
}


class ManifestError(ValueError):
    """A manifest that the registry cannot use (names the file and the member)."""


@dataclass(frozen=True)
class Webhook:
    path: str  # under /api/v1, e.g. 'lorawan/tts/uplinks'
    summary: str
    only_when: dict[str, str] = field(default_factory=dict)  # query parameters (absent: this value) of data requests


@dataclass(frozen=True)
class DeviceIds:
    description: str  # how an operator writes a device's id, e.g. "'<application id>/<device id>'"
    pattern: str = ".+"
    lowercase: bool = False


@dataclass(frozen=True)
class Pull:
    """A kind that fetches by itself (a connector): how often by default, its config's secrets."""

    schedule: dict[str, Any]  # the default schedule of a new source, e.g. {"every": "PT10M"}
    secrets: tuple[str, ...] = ()  # dotted paths of config members that are secrets (references)
    auth: bool = False  # the config takes `auth` (header key, bearer, basic)
    defaults: dict[str, Any] = field(default_factory=dict)  # config members a run takes when a source's config has none (e.g. rate_limit_per_s)


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    title: str
    description: str
    produces: tuple[str, ...]
    message_source: str  # the `source` of its messages in the quarantine
    config: dict[str, Any]  # JSON Schema of one source of this kind (what `stadsdata ingest` takes)
    device: DeviceIds
    webhook: Webhook | None = None
    mqtt_topics: tuple[str, ...] = ()
    mqtt_shared: bool = True  # a broker that offers shared subscriptions (The Things Stack's does not)
    example: bool = False  # an example for developers: not offered to operators
    pull: Pull | None = None

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ManifestError(f"{path}: {exc}") from None
        return cls.parse(document, where=str(path))

    @classmethod
    def parse(cls, document: dict[str, Any], *, where: str) -> Manifest:
        unknown = set(document) - _MEMBERS
        if unknown:
            raise ManifestError(f"{where}: unknown member {sorted(unknown)[0]!r}")
        for name in ("name", "version", "title", "description"):
            if not isinstance(document.get(name), str) or not document[name]:
                raise ManifestError(f"{where}: {name} (text) is required")
        if not NAME.match(document["name"]):
            raise ManifestError(f"{where}: name {document['name']!r} is not lower-case letters, digits and '-'")
        produces = tuple(document.get("produces", ()))
        if not produces or not set(produces) <= set(PRODUCTS):
            raise ManifestError(f"{where}: produces is a list of {', '.join(PRODUCTS)}")
        config = document.get("config", {"type": "object"})
        try:
            jsonschema.Draft202012Validator.check_schema(config)
        except jsonschema.SchemaError as exc:
            raise ManifestError(f"{where}: config is not a JSON Schema: {exc.message}") from None
        webhook = document.get("webhook")
        mqtt = document.get("mqtt", {})
        try:
            pull = _pull(document["pull"]) if "pull" in document else None
            if pull is not None:
                config = _fetching_config(config, pull)
            return cls(
                document["name"], document["version"], document["title"], document["description"], produces,
                document.get("message_source", document["name"]), config, DeviceIds(**document.get("device", {"description": "its id"})),
                Webhook(**webhook) if webhook else None, tuple(mqtt.get("topics", ())), bool(mqtt.get("shared", True)),
                bool(document.get("example", False)), pull,
            )  # fmt: skip
        except (TypeError, ValueError) as exc:
            raise ManifestError(f"{where}: {exc}") from None
        except BadRequest as exc:
            raise ManifestError(f"{where}: pull.{exc.field}: {exc.detail}") from None

    def document(self) -> dict[str, Any]:
        """What the management API shows of the kind."""
        out: dict[str, Any] = {
            "name": self.name, "version": self.version, "title": self.title, "description": self.description,
            "produces": list(self.produces), "configSchema": self.config, "device": {"description": self.device.description},
        }  # fmt: skip
        if self.webhook is not None:
            out["webhook"] = {"path": f"/api/v1/{self.webhook.path}", "summary": self.webhook.summary}
        if self.mqtt_topics:
            out["mqtt"] = {"topics": list(self.mqtt_topics), "shared": self.mqtt_shared}
        if self.pull is not None:
            out["pull"] = {"schedule": self.pull.schedule, "secrets": list(self.pull.secrets), "defaults": self.pull.defaults}
        return out


def _pull(document: dict[str, Any]) -> Pull:
    auth = bool(document.get("auth", False))
    unknown = set(document) - {"schedule", "secrets", "auth", "defaults"}
    if unknown:
        raise ValueError(f"pull: unknown member {sorted(unknown)[0]!r}")
    secrets_ = tuple(document.get("secrets", ())) + (AUTH_SECRETS if auth else ())
    return Pull(schedule.check(document.get("schedule", {"every": "PT10M"})), secrets_, auth, dict(document.get("defaults", {})))


def _fetching_config(config: dict[str, Any], pull: Pull) -> dict[str, Any]:
    """A fetching kind's config schema with the members every such kind takes, and each secret
    member as a reference (`secrets.py`)."""
    out = {**config, "properties": {**HTTP_MEMBERS, **(config.get("properties") or {})}}
    if pull.auth:
        out["properties"]["auth"] = AUTH_SCHEMA
    return secrets.with_references(out, pull.secrets)


@dataclass(frozen=True)
class SourceKind:
    """A kind of source. One whose messages are device reports has `decode`: a message's payload
    into a `DeviceReport` (or None for a message without readings, e.g. a LoRaWAN join), raising
    `BadRequest` naming the member for a malformed one. One that fetches by itself has a
    `connector` (`connector.py`) and a `[pull]` table in its manifest."""

    manifest: Manifest
    decode: Decode | None = None
    connector: Connector | None = None
    demo: DemoUpstream | None = None  # a fake upstream with live data for the demo city

    def __post_init__(self) -> None:
        if (self.connector is None) != (self.manifest.pull is None):
            raise ManifestError(f"source kind {self.manifest.name!r}: a kind with a connector has a [pull] table in its manifest, and only such a kind")

    @classmethod
    def from_folder(
        cls, module_file: str, decode: Decode | None = None, *, connector: Connector | None = None, demo: DemoUpstream | None = None
    ) -> SourceKind:
        """The kind of the folder of `module_file` (its `__init__.py`), with its `manifest.toml`."""
        return cls(Manifest.load(Path(module_file).with_name("manifest.toml")), decode, connector, demo)

    @property
    def name(self) -> str:
        return self.manifest.name

    def device_id(self, text: str) -> str:
        """A device id as an operator wrote it, in the form the kind's reports use; BadRequest
        naming `device` when it is not of the kind's form."""
        device = self.manifest.device
        value = text.lower() if device.lowercase else text
        if not re.fullmatch(device.pattern, value):
            raise BadRequest(f"a {self.manifest.title} device is {device.description}", field="device")
        return value

    def ingest(self, ingestor: Ingestor, message: Message, caller: Caller, quarantined: int | None = None) -> Outcome:
        """Store the readings of one message of this kind (or quarantine it): `ingest/devices.py`."""
        assert self.decode is not None, f"source kind {self.name} does not take messages"
        return ingest_report(ingestor, self.name, self.decode, message, caller, quarantined=quarantined)

    def subscriber(self, ingestor: Ingestor, caller: Caller) -> Subscriber:
        """What a `stadsdata ingest --source <kind>` worker does with the kind's MQTT topics."""

        def store(messages: list[Message]) -> None:
            for message in messages:
                self.ingest(ingestor, message, caller)

        return Subscriber(self.manifest.message_source, self.manifest.mqtt_topics, store)

    def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """The configuration of one source of this kind, validated against the manifest's schema;
        BadRequest naming the first wrong member otherwise."""
        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(self.manifest.config).iter_errors(config))
        if error is not None:
            where = ".".join(str(p) for p in error.absolute_path)
            raise BadRequest(f"{where or 'config'}: {error.message}", field=f"config.{where}" if where else "config")
        validate = getattr(self.connector, "validate", None)  # what a schema cannot say (a connector's own check)
        if validate is not None:
            validate(config)
        return config


    def resolved_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """A stored config as a run takes it: the manifest's `[pull] defaults` under it, its secrets
        read (`secrets.SecretMissing` when one is not there)."""
        pull = self.manifest.pull
        return secrets.resolved({**(pull.defaults if pull else {}), **config}, pull.secrets if pull else ())
