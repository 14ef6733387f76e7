"""Stored rows as the management API shows them: lowerCamelCase names, times in ISO 8601 UTC,
secrets never."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

SECRET_COLUMNS = frozenset({"password_hash", "key_hash"})


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def view(row: Mapping[str, Any], *, drop: Iterable[str] = ()) -> dict[str, Any]:
    hidden = SECRET_COLUMNS | set(drop)
    return {camel(k): iso(v) if isinstance(v, datetime) else v for k, v in row.items() if k not in hidden}


def page(rows: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Rows fetched with `limit + 1`: (the page, the cursor of the next page or None)."""
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1]["id"]
    return rows, None
