"""Paths into a record: JSONPath (jsonpath-ng) for JSON, a column name for CSV. A path in the
config is one text or a list of them (alternatives: the first that finds a value is used).

A JSONPath is evaluated on the record itself, so `$` is the record and `id`, `$.id` and
`coordinates.latitude` are members of it (the extended syntax of jsonpath_ng.ext: filters
such as `specifications[?(@.capacity)]`); a path in a page-level member (`paging.next`,
`paging.last_page`, `records`) is evaluated on the page document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.ext import parse as parse_jsonpath

from stadsdata.errors import BadRequest


@dataclass(frozen=True)
class Path:
    """A compiled path with its alternatives; `text` as the operator wrote it (for messages)."""

    text: str
    alternatives: tuple[JSONPath | str, ...]  # a JSONPath, or a CSV column's name

    def first(self, value: Any) -> Any:
        """The first value found (None and '' count as not found), or None."""
        for alternative in self.alternatives:
            for found in _find(alternative, value):
                if found is not None and found != "":
                    return found
        return None

    def elements(self, value: Any) -> list[Any] | None:
        """What the first alternative that matches finds, a list found there as its elements;
        None when no alternative matches."""
        for alternative in self.alternatives:
            found = _find(alternative, value)
            if found:
                out: list[Any] = []
                for item in found:
                    out.extend(item if isinstance(item, list) else [item])
                return out
        return None


def _find(alternative: JSONPath | str, value: Any) -> list[Any]:
    if isinstance(alternative, str):  # a CSV column
        return [value.get(alternative)] if isinstance(value, dict) and alternative in value else []
    return [match.value for match in alternative.find(value)]


def compile_path(spec: Any, field: str, *, csv: bool = False) -> Path:
    """The path of config member `field` (BadRequest naming it when a JSONPath does not parse)."""
    texts = [spec] if isinstance(spec, str) else list(spec)
    if not texts or not all(isinstance(t, str) and t for t in texts):
        raise BadRequest(f"{field}: a path is a text or a list of texts", field=field)
    alternatives: list[JSONPath | str] = []
    for i, text in enumerate(texts):
        if csv:
            alternatives.append(text)
            continue
        try:
            alternatives.append(parse_jsonpath(text))
        except Exception as exc:  # noqa: BLE001 - JsonPathParserError, JsonPathLexerError, and plain Exceptions of the extensions
            where = field if isinstance(spec, str) else f"{field}.{i}"
            raise BadRequest(f"{where}: {text!r} is not a JSONPath: {exc}", field=where) from None
    return Path(" | ".join(texts), tuple(alternatives))
