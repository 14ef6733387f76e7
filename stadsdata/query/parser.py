"""Parse SensorThings/OData system query options (OGC 18-088 §9.3) into `query.ast` nodes.

`$filter` and `$orderby` use the LALR grammar in `odata.lark`; `$expand`, `$select` and the
scalar options are split by hand. Every failure raises `QuerySyntaxError` carrying the option
name (`field`; '$expand' for options nested in an expand) and a 0-based `position` in that
option's text.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path as FilePath
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from stadsdata.errors import QuerySyntaxError
from stadsdata.query.ast import (
    FUNCTION_ARITY,
    BinaryOp,
    Expand,
    Expr,
    FunctionCall,
    Literal,
    Negate,
    Not,
    OrderBy,
    Path,
    QueryOptions,
)

MAX_DEPTH = 200  # deepest expression tree accepted (the store walks it recursively)
MAX_EXPAND_DEPTH = 16  # deepest `$expand` nesting accepted

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_KEY = r"(?:@iot\.id|[A-Za-z_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)"
_SELECT_ITEM = re.compile(rf"(?:@iot\.id|{_NAME})(?:/{_KEY})*")
_NAV_SEGMENT = re.compile(_NAME)
_UNSIGNED = re.compile(r"[0-9]+")
_NESTED = ("$filter", "$select", "$orderby", "$top", "$skip", "$count", "$expand")
_TOP_LEVEL = (*_NESTED, "$resultFormat")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]+))?)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))?"
)
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?")
_NUM = r"([0-9]+(?:\.[0-9]+)?)"
_DURATION = re.compile(
    rf"(-)?P(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?", re.IGNORECASE
)
_CALENDAR_DURATION = re.compile(r"-?P[^T]*[YM]", re.IGNORECASE)


class _Fail(Exception):
    """Internal: a parse failure at `pos` in the text being parsed (made public by `_error`)."""

    def __init__(self, what: str, pos: int, hint: str = "") -> None:
        super().__init__(what)
        self.what, self.pos, self.hint = what, pos, hint


def _literal(token: Token) -> Literal:
    """Convert a literal token to a `Literal` of the right kind."""
    kind, text, pos = token.type, str(token), token.start_pos
    try:
        if kind == "STRING":
            return Literal(text[1:-1].replace("''", "'"), "string", pos)
        if kind == "NUMBER":
            return _number(text, pos)
        if kind in ("TRUE", "FALSE"):
            return Literal(kind == "TRUE", "bool", pos)
        if kind == "NULL":
            return Literal(None, "null", pos)
        if kind == "DATETIME":
            return Literal(_datetime(text), "datetime", pos)
        if kind == "DATE":
            return Literal(date.fromisoformat(text), "date", pos)
        if kind == "TIME":
            return Literal(_time(text), "time", pos)
        if kind == "DURATION":
            return Literal(_duration(text[text.index("'") + 1 : -1], pos), "duration", pos)
        wkt = text[text.index("'") + 1 : -1].strip()
        if not wkt:
            raise _Fail("empty geography literal", pos)
        return Literal(wkt, "geography", pos)
    except (ValueError, OverflowError):
        raise _Fail(f"invalid {kind.lower()} literal '{text[:40]}'", pos) from None


def _number(text: str, pos: int) -> Literal:
    if re.fullmatch(r"-?[0-9]+", text):
        return Literal(int(text), "int", pos)
    value = float(text)
    if not math.isfinite(value):
        raise _Fail(f"number '{text[:40]}' out of range", pos)
    return Literal(value, "float", pos)


def _fraction(digits: str | None) -> int:
    """Microseconds from the digits after a decimal point (extra digits are truncated)."""
    return int((digits or "0")[:6].ljust(6, "0"))


def _datetime(text: str) -> datetime:
    """An aware UTC datetime; a missing offset is read as UTC."""
    y, mo, d, h, mi, s, frac, _zone, sign, tzh, tzm = _DATETIME.fullmatch(text).groups()
    zone = UTC
    if sign:
        offset = timedelta(hours=int(tzh), minutes=int(tzm))
        zone = timezone(-offset if sign == "-" else offset)
    parts = (int(y), int(mo), int(d), int(h), int(mi), int(s or 0), _fraction(frac))
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def _time(text: str) -> time:
    h, mi, s, frac = _TIME.fullmatch(text).groups()
    return time(int(h), int(mi), int(s or 0), _fraction(frac))


def _duration(text: str, pos: int) -> timedelta:
    """ISO 8601 days/hours/minutes/seconds, e.g. 'P1DT2H', '-PT1.5S' (no years or months)."""
    match = _DURATION.fullmatch(text)
    if not match or text.upper().endswith(("P", "T")):
        if _CALENDAR_DURATION.match(text):
            raise _Fail(f"duration '{text[:40]}' has years or months (no fixed length)", pos)
        raise _Fail(f"invalid duration '{text[:40]}'", pos, ", expected e.g. 'P1DT2H30M'")
    sign, *parts = match.groups()
    days, hours, minutes, seconds = (float(part or 0) for part in parts)
    value = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if value // timedelta(microseconds=1) >= 2**63:  # the store counts microseconds in 64 bits
        raise _Fail(f"duration '{text[:40]}' out of range", pos)
    return -value if sign else value


class _ToAst(Transformer):
    """Builds AST nodes while the LALR parser reduces (no parse tree, no recursion)."""

    def filter(self, children: list) -> Expr:
        return children[0]

    def orderby(self, children: list) -> list[OrderBy]:
        return children

    def order_item(self, children: list) -> OrderBy:
        descending = len(children) > 1 and children[1].lower() == "desc"
        return OrderBy(children[0], descending)

    def binop(self, children: list) -> BinaryOp:
        left, op, right = children
        return BinaryOp(op.lower(), left, right, left.pos)

    def not_op(self, children: list) -> Not:
        return Not(children[1], children[0].start_pos)

    def negate(self, children: list) -> Negate:
        return Negate(children[1], children[0].start_pos)

    def paren(self, children: list) -> Expr:
        return replace(children[1], pos=children[0].start_pos)

    def call(self, children: list) -> FunctionCall:
        names = [c for c in children if isinstance(c, Token)]
        args = tuple(c for c in children if not isinstance(c, Token))
        name = ".".join(names).lower()
        pos = names[0].start_pos
        arity = FUNCTION_ARITY.get(name)
        if arity is None:
            raise _Fail(f"unknown function '{name}'", pos)
        if len(args) not in arity:
            counts = " or ".join(str(n) for n in arity)
            plural = "" if arity == (1,) else "s"
            got = f" takes {counts} argument{plural}, got {len(args)}"
            raise _Fail(f"function '{name}'", pos, got)
        return FunctionCall(name, args, pos)

    def path(self, children: list) -> Path:
        for before, after in itertools.pairwise(children):
            if after.start_pos - before.end_pos != 1:
                raise _Fail("whitespace in property path", before.end_pos)
        segments = tuple("id" if t.type == "IOT_ID" else str(t) for t in children)
        return Path(segments, children[0].start_pos)

    def literal(self, children: list) -> Literal:
        return _literal(children[0])


_LARK = Lark(
    (FilePath(__file__).with_name("odata.lark")).read_text(encoding="utf-8"),
    parser="lalr",
    lexer="contextual",
    start=["filter", "orderby"],
    transformer=_ToAst(),
    maybe_placeholders=False,
)

# How an expected terminal is described in error messages, in the order shown.
_HINTS = {
    "EQ_OP": "an operator", "REL_OP": "an operator", "ADD_OP": "an operator",
    "MUL_OP": "an operator", "AND": "an operator", "OR": "an operator",
    "DIRECTION": "'asc' or 'desc'", "KEY": "a property name", "IOT_ID": "a property name",
    "LPAR": "'('", "DOT": "'.'", "SLASH": "'/'", "COMMA": "','", "RPAR": "')'",
    "NAME": "a name", "$END": "end of input",
}


def _hint(expected: set[str] | frozenset[str]) -> str:
    """Describe a set of expected terminal names for an error message."""
    if "NUMBER" in expected:  # the parser wants the start of an expression
        found = ["an expression"] + [_HINTS[n] for n in ("RPAR",) if n in expected]
    else:
        found = [_HINTS[n] for n in _HINTS if n in expected]
    found = list(dict.fromkeys(found))
    if "an operator" in found:  # a call or a longer path would also fit; not worth listing
        found = [f for f in found if f not in ("'('", "'.'", "'/'")]
    if not found:
        return ""
    words = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " or " + found[-1]
    return f", expected {words}"


def _error(fail: _Fail, field: str, offset: int) -> QuerySyntaxError:
    position = offset + fail.pos
    detail = f"{fail.what} at position {position}{fail.hint}"
    return QuerySyntaxError(detail, field=field, position=position)


def _accepts(err: UnexpectedInput, text: str, start: str, stop: int) -> set[str]:
    """The terminals acceptable just before offset `stop`.

    On a bad token LALR may first reduce (e.g. `a eq 1` to a complete filter) and only then
    notice the error, so its own expected set lacks the operators; re-parse up to `stop`."""
    parser = _LARK.parse_interactive(text, start)
    try:
        for token in parser.iter_parse():
            if token.start_pos >= stop:
                break
        return parser.accepts()
    except (UnexpectedInput, _Fail):  # the error was found by the lexer: no reductions done
        parser = getattr(err, "interactive_parser", None)
        return parser.accepts() if parser is not None else set()


def _lark_fail(err: UnexpectedInput, text: str, start: str) -> _Fail:
    """Turn a lark error into a `_Fail` pointing at the offending spot."""
    if isinstance(err, UnexpectedToken):
        token = err.token
        stop = len(text) if token.type == "$END" else token.start_pos
        hint = _hint(_accepts(err, text, start, stop))
        if token.type == "$END":
            return _Fail("unexpected end of input", stop, hint)
        value = str(token) if len(token) <= 20 else str(token)[:20] + "..."
        return _Fail(f"unexpected '{value}'", stop, hint)
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream]
        if char == "'":
            return _Fail("unterminated string literal", err.pos_in_stream)
        hint = _hint(_accepts(err, text, start, err.pos_in_stream))
        return _Fail(f"unexpected character {char!r}", err.pos_in_stream, hint)
    return _Fail("invalid expression", getattr(err, "pos_in_stream", None) or 0)


def _check_depth(root: Expr) -> None:
    """Refuse trees deeper than MAX_DEPTH, iteratively (deep trees break recursive walkers)."""
    stack: list[tuple[Expr, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _Fail(f"expression nested deeper than {MAX_DEPTH} levels", node.pos)
        for child in _children(node):
            stack.append((child, depth + 1))


def _children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, BinaryOp):
        return (node.left, node.right)
    if isinstance(node, (Not, Negate)):
        return (node.operand,)
    if isinstance(node, FunctionCall):
        return node.args
    return ()


def _filter(text: str, field: str, offset: int) -> Expr:
    return _run(text, "filter", field, offset)


def _orderby(text: str, field: str, offset: int) -> list[OrderBy]:
    return _run(text, "orderby", field, offset)


def _run(text: str, start: str, field: str, offset: int) -> Any:
    """Parse with the grammar. The text is padded by `offset` blanks so that node positions
    are offsets into the whole option's text (matters inside `$expand`)."""
    text = " " * offset + text
    try:
        result = _LARK.parse(text, start=start)
        for expr in [result] if start == "filter" else [item.expr for item in result]:
            _check_depth(expr)
        return result
    except _Fail as fail:
        raise _error(fail, field, 0) from None
    except UnexpectedInput as err:
        raise _error(_lark_fail(err, text, start), field, 0) from None


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
                raise _error(_Fail("unbalanced ')'", i), field, offset)
            opened.pop()
        elif char == sep and not opened:
            pieces.append(_strip(text[start:i], offset + start))
            start = i + 1
    if quoted:
        fail = _Fail("unterminated string literal", text.rfind("'"))
        raise _error(fail, field, offset)
    if opened:
        raise _error(_Fail("unclosed '('", opened[0]), field, offset)
    pieces.append(_strip(text[start:], offset + start))
    return pieces


def _strip(piece: str, offset: int) -> tuple[str, int]:
    stripped = piece.lstrip()
    return stripped.rstrip(), offset + len(piece) - len(stripped)


def _select(text: str, field: str, offset: int) -> list[str]:
    names = []
    for item, pos in _split(text, ",", offset, field):
        if not _SELECT_ITEM.fullmatch(item):
            what = f"invalid property '{item[:40]}'" if item else "missing property name"
            raise _error(_Fail(what, pos - offset), field, offset)
        names.append("/".join("id" if s == "@iot.id" else s for s in item.split("/")))
    return names


def _expand(text: str, field: str, offset: int, depth: int) -> list[Expand]:
    if depth > MAX_EXPAND_DEPTH:
        fail = _Fail(f"$expand nested deeper than {MAX_EXPAND_DEPTH} levels", 0)
        raise _error(fail, field, offset)
    items = _split(text, ",", offset, field)
    return [_expand_item(item, field, pos, depth) for item, pos in items]


def _expand_item(item: str, field: str, offset: int, depth: int) -> Expand:
    """One `Nav/Nav(options)` item; `offset` is its position in the option's text."""
    cut = item.find("(")
    path_text = item if cut < 0 else item[:cut]
    segments = [s.strip() for s in path_text.split("/")]
    if not all(_NAV_SEGMENT.fullmatch(s) for s in segments):
        what = f"invalid navigation path '{path_text.strip()[:40]}'"
        raise _error(_Fail(what if item else "missing navigation property", 0), field, offset)
    options = QueryOptions()
    if cut >= 0:
        close = _closing(item, cut)
        if close != len(item) - 1:
            fail = _Fail(f"unexpected '{item[close + 1 :][:20]}'", close + 1)
            raise _error(fail, field, offset)
        seen: set[str] = set()
        for option, pos in _split(item[cut + 1 : close], ";", offset + cut + 1, field):
            _set_option(options, option, field, pos, depth, seen)
    return Expand(tuple(segments), options)


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


def _set_option(
    options: QueryOptions, option: str, field: str, offset: int, depth: int, seen: set[str]
) -> None:
    """Apply one nested `$name=value` option of an expand item to `options`."""
    raw_name, eq, value = option.partition("=")
    name = raw_name.strip()
    if not eq or name not in _NESTED:
        what = f"unknown option '{name[:20]}'" if name else "missing option"
        raise _error(_Fail(what, 0, f", expected one of {', '.join(_NESTED)}"), field, offset)
    if name in seen:
        raise _error(_Fail(f"option '{name}' given twice", 0), field, offset)
    seen.add(name)
    _apply(options, name, value, field, offset + len(raw_name) + 1, depth + 1)


def _apply(
    options: QueryOptions, name: str, value: str, field: str, offset: int, depth: int = 0
) -> None:
    """Parse `value` as option `name` and store it on `options`."""
    if name == "$filter":
        options.filter = _filter(value, field, offset)
    elif name == "$orderby":
        options.orderby = _orderby(value, field, offset)
    elif name == "$select":
        options.select = _select(value, field, offset)
    elif name == "$expand":
        options.expand = _expand(value, field, offset, depth)
    elif name in ("$top", "$skip"):
        setattr(options, name[1:], _count_value(value, field, offset))
    elif name == "$count":
        options.count = _bool_value(value, field, offset)
    else:  # $resultFormat
        if not value.strip():
            raise _error(_Fail("missing result format", 0), field, offset)
        options.result_format = value.strip()


def _count_value(value: str, field: str, offset: int) -> int:
    text, pos = _strip(value, 0)
    if not _UNSIGNED.fullmatch(text):
        fail = _Fail(f"invalid value '{text[:20]}'", pos, ", expected a non-negative integer")
        raise _error(fail, field, offset)
    return int(text)


def _bool_value(value: str, field: str, offset: int) -> bool:
    text, pos = _strip(value, 0)
    if text.lower() not in ("true", "false"):
        fail = _Fail(f"invalid value '{text[:20]}'", pos, ", expected true or false")
        raise _error(fail, field, offset)
    return text.lower() == "true"


def parse_filter(text: str) -> Expr:
    """Parse a `$filter` expression, e.g. `Datastream/name eq 'x' and result gt 5`."""
    return _filter(text, "$filter", 0)


def parse_orderby(text: str) -> list[OrderBy]:
    """Parse `$orderby`: comma-separated expressions, each optionally `asc` or `desc`."""
    return _orderby(text, "$orderby", 0)


def parse_select(text: str) -> list[str]:
    """Parse `$select` into property names or paths as written ('@iot.id' becomes 'id')."""
    return _select(text, "$select", 0)


def parse_expand(text: str) -> list[Expand]:
    """Parse `$expand`, e.g. `Datastreams($select=name;$expand=Observations($top=1)),Locations`."""
    return _expand(text, "$expand", 0, 0)


def parse_query_options(params: Mapping[str, str]) -> QueryOptions:
    """Parse the system query options among a request's (URL-decoded) query parameters.

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
        _apply(options, name, value, name, 0)
    return options


__all__ = ["parse_expand", "parse_filter", "parse_orderby", "parse_query_options", "parse_select"]
