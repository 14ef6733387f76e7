"""CKAN's errors as the Action API answers them: `{"__type": …, "message": …}` (or, for a
`Validation Error`, a dict of field -> messages) with CKAN's status codes (ckan/views/api.py):

| __type               | status | when                                                    |
|----------------------|--------|---------------------------------------------------------|
| Bad Request          | 400    | unknown action, body that is not a JSON object          |
| Search Query Error   | 400    | q / fq / sort / facet.field or a search parameter that is not understood |
| Authorization Error  | 403    | listed but not readable (401 for wrong credentials)     |
| Not Found Error      | 404    | no such dataset, resource, organization … for this caller |
| Validation Error     | 409    | a parameter that is missing or has a wrong value        |
| Method Not Allowed   | 405    | a method other than GET or POST                         |
| Service Unavailable  | 503    | the database is busy or out of reach (507: disk full)   |

The platform's own errors (`stadsdata.errors`, the store's errors) are turned into these by
`from_exception`, so that the face answers in CKAN's shape whatever goes wrong below it."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import Forbidden, NotFound, ProblemError, Unauthorized
from stadsdata.store.errors import (
    Busy,
    Collided,
    InvalidValue,
    StorageFull,
    TimedOut,
    TooComplex,
    Unavailable,
)


class CkanError(Exception):
    """An error answer of the Action API: the HTTP status and the `error` member."""

    status = 400
    kind = "Bad Request"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": self.message}


class BadRequest(CkanError):
    """CKAN answers these with a bare string ('Bad request - …'); here they keep the envelope."""

    def __init__(self, message: str) -> None:
        super().__init__(f"Bad request - {message}")


class SearchQueryError(CkanError):
    kind = "Search Query Error"

    def __init__(self, message: str) -> None:
        super().__init__(f"Search Query is invalid: {message}")


class NotFoundError(CkanError):
    status = 404
    kind = "Not Found Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(f"Not found: {message}" if message else "Not found")


class AuthorizationError(CkanError):
    status = 403
    kind = "Authorization Error"

    def __init__(self, message: str = "", *, status: int = 403) -> None:
        super().__init__(f"Access denied: {message}" if message else "Access denied", status=status)


class ValidationError(CkanError):
    """`errors` maps a parameter to its messages, as CKAN's validators report them."""

    status = 409
    kind = "Validation Error"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {**self.errors, "__type": self.kind}


def invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


class MethodNotAllowed(CkanError):
    status = 405
    kind = "Method Not Allowed"


class ServiceUnavailable(CkanError):
    """The database is busy or out of reach: try again (CKAN has no type for it)."""

    status = 503
    kind = "Service Unavailable"


class InternalError(CkanError):
    status = 500
    kind = "Internal Server Error"

    def __init__(self) -> None:
        super().__init__("Internal Server Error")


def from_exception(exc: Exception) -> CkanError | None:
    """The CKAN error for one of the platform's errors; None for an unexpected one (a 500)."""
    if isinstance(exc, CkanError):
        return exc
    if isinstance(exc, Unauthorized):
        return AuthorizationError(exc.detail, status=401)
    if isinstance(exc, Forbidden):
        return AuthorizationError(exc.detail)
    if isinstance(exc, NotFound):
        return NotFoundError(exc.detail)
    if isinstance(exc, ProblemError):
        if exc.status >= 500:
            return ServiceUnavailable(exc.detail, status=exc.status) if exc.status in (503, 507) else None
        return invalid(exc.field or "message", exc.detail)
    if isinstance(exc, InvalidValue | TooComplex):
        return invalid("query", f"Invalid query: {exc.detail}")
    if isinstance(exc, TimedOut):
        return invalid("query", "Search took too long")
    if isinstance(exc, Busy | Collided | Unavailable):
        return ServiceUnavailable("the database is busy or unavailable; try again")
    if isinstance(exc, StorageFull):
        return ServiceUnavailable("the database's disk is full", status=507)
    return None  # a StoreError of another kind, or a fault in the code: a 500
