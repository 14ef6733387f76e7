"""The hand-split system query options: `$expand`, `$select`, `$top`, `$skip`, `$count`,
`$resultFormat`, and the splitting of a request's options (and of those nested in an expand item).

`$filter` and `$orderby` texts are handed to the grammar through the `ExpressionParser` given
to `QueryOptionParser`; `query.parser` supplies it, so this module does not import the parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from stadsdata.errors import QuerySyntaxError
from stadsdata.query.ast import Expand, QueryOptions
from stadsdata.query.limits import DEFAULT_LIMITS, QueryLimits
from stadsdata.query.literals import ParseFailure, syntax_error

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_KEY = r"(?:@iot\.id|[A-Za-z_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)"
_SELECT_ITEM = re.compile(rf"(?:@iot\.id|{_NAME})(?:/{_KEY})*")
_NAV_SEGMENT = re.compile(_NAME)
_UNSIGNED = re.compile(r"[0-9]+")
_NESTED = ("$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand")
_TOP_LEVEL = (*_NESTED, "$resultFormat")

ExpressionParser = Callable[[str, str, str, int], Any]
"""Parses `text` with grammar rule `start` ('filter' or 'orderby'): `(text, start, field, offset)`
returns an `Expr` or a list of `OrderBy`; failures are `QuerySyntaxError`s for option `field`,
with positions counted from `offset`."""


class QueryOptionParser:
    """Parses query options into `QueryOptions`, `$filter`/`$orderby` by `parse_expression`."""

    def __init__(self, parse_expression: ExpressionParser, limits: QueryLimits = DEFAULT_LIMITS) -> None:
        self._parse_expression = parse_expression
        self.limits = limits

    def query_options(self, params: Mapping[str, str]) -> QueryOptions:
        """The system query options among a request's (URL-decoded) query parameters.

        Parameters not starting with '$' are ignored; an unknown `$name` is an error."""
        options = QueryOptions()
        for name, value in params.items():
            if not name.startswith("$"):
                continue
            if name not in _TOP_LEVEL:
                raise QuerySyntaxError(
                    f"unknown system query option '{name}', expected one of {', '.join(_TOP_LEVEL)}",
                    field=name,
                    position=0,
                )
            self._apply(options, name, value, name, 0)
        return options

    def expand(self, text: str, field: str, offset: int, depth: int) -> list[Expand]:
        """The comma-separated items of an `$expand` nested `depth` levels deep."""
        if depth > self.limits.max_expand_depth:
            fail = ParseFailure(f"$expand nested deeper than {self.limits.max_expand_depth} levels (setting max_expand_depth)", 0)
            raise syntax_error(fail, field, offset)
        items = _split(text, ",", offset, field)
        return [self._expand_item(item, field, pos, depth) for item, pos in items]

    def _expand_item(self, item: str, field: str, offset: int, depth: int) -> Expand:
        """One `Nav/Nav(options)` item; `offset` is its position in the option's text."""
        cut = item.find("(")
        path_text = item if cut < 0 else item[:cut]
        segments = [s.strip() for s in path_text.split("/")]
        if not all(_NAV_SEGMENT.fullmatch(s) for s in segments):
            what = f"invalid navigation path '{path_text.strip()[:40]}'"
            fail = ParseFailure(what if item else "missing navigation property", 0)
            raise syntax_error(fail, field, offset)
        options = QueryOptions()
        if cut >= 0:
            close = _closing(item, cut)
            if close != len(item) - 1:
                fail = ParseFailure(f"unexpected '{item[close + 1 :][:20]}'", close + 1)
                raise syntax_error(fail, field, offset)
            seen: set[str] = set()
            for option, pos in _split(item[cut + 1 : close], ";", offset + cut + 1, field):
                self._set_nested_option(options, option, field, pos, depth, seen)
        return Expand(tuple(segments), options)

    def _set_nested_option(
        self, options: QueryOptions, option: str, field: str, offset: int, depth: int, seen: set[str]
    ) -> None:
        """Apply one nested `$name=value` option of an expand item to `options`."""
        raw_name, eq, value = option.partition("=")
        name = raw_name.strip()
        if not eq or name not in _NESTED:
            what = f"unknown option '{name[:20]}'" if name else "missing option"
            fail = ParseFailure(what, 0, f", expected one of {', '.join(_NESTED)}")
            raise syntax_error(fail, field, offset)
        if name in seen:
            raise syntax_error(ParseFailure(f"option '{name}' given twice", 0), field, offset)
        seen.add(name)
        self._apply(options, name, value, field, offset + len(raw_name) + 1, depth + 1)

    def _apply(
        self, options: QueryOptions, name: str, value: str, field: str, offset: int, depth: int = 0
    ) -> None:
        """Parse `value` as option `name` and store it on `options`."""
        if name == "$filter":
            options.filter = self._parse_expression(value, "filter", field, offset)
        elif name == "$orderby":
            options.orderby = self._parse_expression(value, "orderby", field, offset)
        elif name == "$select":
            options.select = select_paths(value, field, offset)
        elif name == "$expand":
            options.expand = self.expand(value, field, offset, depth)
        elif name in ("$top", "$skip"):
            setattr(options, name[1:], _count_value(value, field, offset))
        elif name == "$count":
            options.count = _bool_value(value, field, offset)
        else:  # $resultFormat
            if not value.strip():
                raise syntax_error(ParseFailure("missing result format", 0), field, offset)
            options.result_format = value.strip()


def select_paths(text: str, field: str, offset: int) -> list[str]:
    """The property names or paths of a `$select` ('@iot.id' becomes 'id')."""
    names = []
    for item, pos in _split(text, ",", offset, field):
        if not _SELECT_ITEM.fullmatch(item):
            what = f"invalid property '{item[:40]}'" if item else "missing property name"
            raise syntax_error(ParseFailure(what, pos - offset), field, offset)
        names.append("/".join("id" if s == "@iot.id" else s for s in item.split("/")))
    return names


def _split(text: str, sep: str, offset: int, field: str) -> list[tuple[str, int]]:
    """Split at `sep` outside quotes and parentheses; return stripped (piece, offset) pairs."""
    pieces: list[tuple[str, int]] = []
    quoted, start, opened = False, 0, []  # opened: positions of unclosed '('
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            opened.append(i)
        elif char == ")":
            if not opened:
                raise syntax_error(ParseFailure("unbalanced ')'", i), field, offset)
            opened.pop()
        elif char == sep and not opened:
            pieces.append(_strip(text[start:i], offset + start))
            start = i + 1
    if quoted:
        fail = ParseFailure("unterminated string literal", text.rfind("'"))
        raise syntax_error(fail, field, offset)
    if opened:
        raise syntax_error(ParseFailure("unclosed '('", opened[0]), field, offset)
    pieces.append(_strip(text[start:], offset + start))
    return pieces


def _strip(piece: str, offset: int) -> tuple[str, int]:
    stripped = piece.lstrip()
    return stripped.rstrip(), offset + len(piece) - len(stripped)


def _closing(text: str, open_at: int) -> int:
    """Index of the ')' matching the '(' at `open_at` (the text is known to be balanced)."""
    depth, quoted = 0, False
    for i in range(open_at, len(text)):
        char = text[i]
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                return i
    return len(text) - 1


def _count_value(value: str, field: str, offset: int) -> int:
    text, pos = _strip(value, 0)
    if not _UNSIGNED.fullmatch(text):
        fail = ParseFailure(f"invalid value '{text[:20]}'", pos, ", expected a non-negative integer")
        raise syntax_error(fail, field, offset)
    return int(text)


def _bool_value(value: str, field: str, offset: int) -> bool:
    text, pos = _strip(value, 0)
    if text.lower() not in ("true", "false"):
        fail = ParseFailure(f"invalid value '{text[:20]}'", pos, ", expected true or false")
        raise syntax_error(fail, field, offset)
    return text.lower() == "true"
