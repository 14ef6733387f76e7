"""NGSI-LD's problem details (ETSI GS CIM 009 clause 5.5.2): the error types and their statuses,
and the translation of the platform's own errors raised under this face into them."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import ProblemError

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"


class NgsiLdError(ProblemError):
    """A problem whose `type` is one of NGSI-LD's error types."""

    kind = "BadRequestData"

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body = super().to_problem(instance)
        body["type"] = ERRORS + self.kind
        return body


class BadRequestData(NgsiLdError):
    status, title, kind = 400, "Bad request data", "BadRequestData"


class InvalidRequest(NgsiLdError):
    status, title, kind = 400, "Invalid request", "InvalidRequest"


class ResourceNotFound(NgsiLdError):
    status, title, kind = 404, "Resource not found", "ResourceNotFound"


class AlreadyExists(NgsiLdError):
    status, title, kind = 409, "Already exists", "AlreadyExists"


class OperationNotSupported(NgsiLdError):
    status, title, kind = 422, "Operation not supported", "OperationNotSupported"


class LdContextNotAvailable(NgsiLdError):
    status, title, kind = 503, "LD context not available", "LdContextNotAvailable"


class NonexistentTenant(NgsiLdError):
    status, title, kind = 404, "Nonexistent tenant", "NonexistentTenant"


class TooManyResults(NgsiLdError):
    status, title, kind = 403, "Too many results", "TooManyResults"


def translated(error: ProblemError) -> ProblemError:
    """The NGSI-LD problem for an error of the platform (the access layer's 401/403 and the
    server's 5xx keep their own, generic types)."""
    if isinstance(error, NgsiLdError):
        return error
    kind = {400: BadRequestData, 404: ResourceNotFound, 409: AlreadyExists, 422: OperationNotSupported}.get(
        error.status
    )
    if kind is None:
        return error
    return kind(error.detail, field=error.field, position=error.position)
