"""Request bodies larger than the `max_body_bytes` setting are refused with 413 problem+json:
at once when `Content-Length` says so, else as soon as the streamed body passes the limit
(nothing of it is stored: the request fails before its transaction commits). Applied by
`Admission` (`admission.py`)."""

from __future__ import annotations

from starlette.types import Scope

from stadsdata.errors import ProblemError


class PayloadTooLarge(ProblemError):
    status = 413
    title = "Content Too Large"


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body is larger than {max_bytes} bytes (setting max_body_bytes)", field="body")


def declared_length_refusal(scope: Scope, max_bytes: int) -> ProblemError | None:
    """The refusal a request's `Content-Length` earns (not a number, or past the limit), if any."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = -1
            if declared < 0:
                return ProblemError("Content-Length is not a number", field="Content-Length")
            if declared > max_bytes:
                return too_large(max_bytes)
    return None
