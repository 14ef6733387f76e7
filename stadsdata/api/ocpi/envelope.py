"""The OCPI response envelope `{data, status_code, status_message, timestamp}`, the OCPI status
codes, and the headers an answer carries (X-Request-ID and X-Correlation-ID echoed, the routing
headers swapped)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

SUCCESS = 1000
CLIENT_ERROR = 2000
INVALID = 2001  # invalid or missing parameters
UNKNOWN_LOCATION = 2003
SERVER_ERROR = 3000
UNSUPPORTED_VERSION = 3002


def timestamp(when: datetime | None = None) -> str:
    """An OCPI DateTime: RFC 3339 in UTC with `Z`, whole seconds unless there is a fraction."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    if when.microsecond:
        text += f".{when.microsecond:06d}".rstrip("0")
    return text + "Z"


@dataclass
class Answer:
    """What an OCPI request gets: the HTTP status, the OCPI status code and message, the data
    (omitted when None) and extra headers (e.g. a CDR's Location)."""

    status_code: int = SUCCESS
    message: str = "Success"
    data: Any = None
    http_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    refused_field: str | None = None  # the member a 2xxx names (kept with a quarantined message)

    @property
    def ok(self) -> bool:
        return self.status_code == SUCCESS

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.data is not None:
            out["data"] = self.data
        out |= {"status_code": self.status_code, "status_message": self.message, "timestamp": timestamp()}
        return out


def invalid(message: str, member: str | None = None, *, http_status: int = 200) -> Answer:
    """OCPI 2001, naming the member that is missing or wrong."""
    text = (
        f"Invalid or missing parameters: {member}: {message}" if member else f"Invalid or missing parameters: {message}"
    )
    return Answer(INVALID, text, http_status=http_status, refused_field=member)


def unknown_location(what: str) -> Answer:
    return Answer(UNKNOWN_LOCATION, f"Unknown Location: {what}", http_status=404)


def not_found(what: str) -> Answer:
    return Answer(CLIENT_ERROR, f"Unknown object: {what}", http_status=404)


def unauthorized(message: str) -> Answer:
    return Answer(CLIENT_ERROR, message, http_status=401, headers={"WWW-Authenticate": "Token"})


def method_not_allowed(message: str) -> Answer:
    return Answer(CLIENT_ERROR, message, http_status=405)


_ROUTING = (("ocpi-from-party-id", "OCPI-to-party-id"), ("ocpi-from-country-code", "OCPI-to-country-code"),
            ("ocpi-to-party-id", "OCPI-from-party-id"), ("ocpi-to-country-code", "OCPI-from-country-code"))  # fmt: skip


def respond(request_headers: Headers, answer: Answer) -> JSONResponse:
    """The answer as an HTTP response: X-Request-ID and X-Correlation-ID echoed (made when the
    request has none), the request's OCPI routing headers swapped (from ↔ to)."""
    headers = dict(answer.headers)
    headers["X-Request-ID"] = request_headers.get("x-request-id") or str(uuid.uuid4())
    headers["X-Correlation-ID"] = request_headers.get("x-correlation-id") or headers["X-Request-ID"]
    for asked, answered in _ROUTING:
        value = request_headers.get(asked)
        if value:
            headers[answered] = value
    return JSONResponse(answer.body(), status_code=answer.http_status, headers=headers)
