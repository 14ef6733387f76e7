"""Errors that carry their HTTP status and render once as RFC 9457 problem+json.

Raise these anywhere (parser, store, API); the API layer turns them into responses.

Besides RFC 9457's members (`type`, `title`, `status`, `detail`, `instance`) and ours (`field`,
`position`), every problem carries the extension members `code` (the status, a number) and
`message` (the detail): the error body of FROST-Server, which SensorThings clients written
against it read (`{"code": 400, "type": "error", "message": "…"}`). RFC 9457 §3.2 allows
extension members, and clients that only know problem+json ignore them.
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """Base class: a client or server problem with an HTTP status."""

    status: int = 400
    title: str = "Bad Request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        position: int | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.position = position
        if status is not None:
            self.status = status
        self.extra = extra or {}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.field is not None:
            body["field"] = self.field
        if self.position is not None:
            body["position"] = self.position
        body["code"] = self.status
        body["message"] = self.detail
        body.update(self.extra)
        return body


class BadRequest(ProblemError):
    status = 400
    title = "Bad Request"


class QuerySyntaxError(BadRequest):
    """A system query option could not be parsed. `field` is the option (e.g. '$filter'),
    `position` the 0-based offset in its text where parsing failed."""

    title = "Invalid query option"


class NotFound(ProblemError):
    status = 404
    title = "Not Found"


class MethodNotAllowed(ProblemError):
    status = 405
    title = "Method Not Allowed"


class Conflict(ProblemError):
    status = 409
    title = "Conflict"


class UnsupportedMediaType(ProblemError):
    status = 415
    title = "Unsupported Media Type"


class Unauthorized(ProblemError):
    """No (valid) credentials where they are needed; answered with WWW-Authenticate."""

    status = 401
    title = "Unauthorized"


class Forbidden(ProblemError):
    status = 403
    title = "Forbidden"


class NotImplementedYet(ProblemError):
    status = 501
    title = "Not Implemented"


class ServiceUnavailable(ProblemError):
    status = 503
    title = "Service Unavailable"


class InsufficientStorage(ProblemError):
    """The database's disk is full (RFC 4918 507): nothing of the request was stored."""

    status = 507
    title = "Insufficient Storage"
