"""`stadsdata_regexp(pattern, text, full)` for SQLite (registered on each connection): 1 when
Python's `re` finds the pattern in the text (with `full`: matches the whole text), 0 when not,
NULL for a NULL text or a pattern that does not compile. What `RegexMatch` compiles to."""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def stadsdata_regexp(pattern: Any, text: Any, full: Any) -> int | None:
    if not isinstance(text, str) or not isinstance(pattern, str):
        return None
    compiled = _compiled(pattern)
    if compiled is None:
        return None
    found = compiled.fullmatch(text) if full else compiled.search(text)
    return 0 if found is None else 1


def register(conn: sqlite3.Connection) -> None:
    conn.create_function("stadsdata_regexp", 3, stadsdata_regexp, deterministic=True)
