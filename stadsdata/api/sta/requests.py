"""Framework-independent request and response of the SensorThings face. The HTTP routes and
`$batch` both build a `StaRequest` and hand it to `StaService.handle`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from stadsdata.access.policy import ANONYMOUS, Caller
from stadsdata.errors import BadRequest, UnsupportedMediaType

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"


@dataclass
class StaRequest:
    method: str
    path: str  # after the version prefix, e.g. 'Things(1)/Datastreams'
    query_string: str = ""
    body: bytes = b""
    content_type: str = ""
    version: str = "1.1"
    service_root: str = "http://localhost:8000/v1.1"
    caller: Caller = ANONYMOUS
    mqtt_endpoints: tuple[str, ...] = ()  # this server's MQTT broker, for the service root (none: no broker)
    # The credentials still to check (HTTP): the service checks them first thing inside the
    # request's own transaction (`authenticated`), so that they cost no transaction of their own.
    credentials: Callable[[], Caller] | None = None

    def authenticated(self) -> Caller:
        """The caller, once the credentials are checked (raises Unauthorized when they are wrong)."""
        if self.credentials is not None:
            self.caller = self.credentials()
            self.credentials = None
        return self.caller

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def json(self, *, allow_patch: bool = False) -> Any:
        media = self.media_type
        allowed = {JSON, "", "text/plain"} | ({JSON_PATCH} if allow_patch else set())
        if media not in allowed and not media.endswith("+json"):
            raise UnsupportedMediaType(f"send JSON (Content-Type: {JSON}), not '{media}'", field="Content-Type")
        if not self.body.strip():
            raise BadRequest("the request has no body", field="body")
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"the body is not valid JSON: {exc}", field="body") from None


@dataclass
class StaResponse:
    status: int
    body: Any = None  # JSON-able value, or bytes with content_type set
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON

    def body_bytes(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return orjson.dumps(self.body)
