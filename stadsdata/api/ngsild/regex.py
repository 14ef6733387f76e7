"""Which regular expressions (idPattern, q's `~=`) are handed to the database: those that
Python's `re` (SQLite, through `stadsdata_regexp`) and PostgreSQL's `~` read alike. Others are
matched in the server, on the candidates the rest of the query leaves (docs/ngsi-ld.md)."""

from __future__ import annotations

_CLASS_ESCAPES = frozenset("dDwWsS")


def portable(pattern: str) -> bool:
    """No Python-only syntax: no `(?…)` groups, no POSIX `[:…:]` classes, and a backslash only
    before \\d \\D \\w \\W \\s \\S or a character that is not a letter or digit (so no \\b, \\A,
    \\Z, back-references or \\u escapes, which the two read differently)."""
    if "\x00" in pattern or "(?" in pattern or "[:" in pattern or "[=" in pattern or "[." in pattern:
        return False
    escaped = False
    for char in pattern:
        if escaped:
            if char.isalnum() and char not in _CLASS_ESCAPES:
                return False
            escaped = False
        elif char == "\\":
            escaped = True
    return not escaped and pattern.isascii()
