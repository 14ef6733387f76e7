"""Reading the JSON documents sources send: each miss is a `BadRequest` naming the member, so a
malformed message is quarantined with a reason an operator can act on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from stadsdata.errors import BadRequest
from stadsdata.model.values import parse_instant


def json_object(payload: bytes, what: str = "message") -> dict[str, Any]:
    try:
        document = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the {what} is not valid JSON: {exc}", field="body") from None
    if not isinstance(document, dict):
        raise BadRequest(f"a{'n' if what[0] in 'aeiou' else ''} {what} is a JSON object", field="body")
    return document


def required(document: dict[str, Any], *path: str, what: str = "message") -> Any:
    """document[path[0]][path[1]]…, which must be there and not empty."""
    value: Any = document
    for i, key in enumerate(path):
        if not isinstance(value, dict) or value.get(key) in (None, ""):
            name = ".".join(path[: i + 1])
            raise BadRequest(f"the {what} has no {name}", field=name)
        value = value[key]
    return value


def member(value: Any, *path: str) -> Any:
    """value[path[0]][path[1]]…, or None where a step is not an object or has no such member."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def number(value: Any) -> float | int | None:
    """A JSON number, or None (booleans are not numbers)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def instant(value: Any, field: str, what: str = "message") -> datetime:
    if not isinstance(value, str) or not value:
        raise BadRequest(f"the {what} has no time (text, ISO 8601)", field=field)
    return parse_instant(value, field=field)
