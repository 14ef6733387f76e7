"""Parse SensorThings/OData system query options (OGC 18-088 §9.3) into `query.ast` nodes.

`$filter` and `$orderby` use the LALR grammar in `odata.lark`, parsed here (literal tokens are
converted by `query.literals`); `$expand`, `$select` and the scalar options are split by hand in
`query.options`. This module holds the public entry points. Every failure raises
`QuerySyntaxError` carrying the option name (`field`; '$expand' for options nested in an expand)
and a 0-based `position` in that option's text.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path as FilePath
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

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
from stadsdata.query.limits import DEFAULT_LIMITS, QueryLimits
from stadsdata.query.literals import ParseFailure, literal_from_token, syntax_error
from stadsdata.query.options import QueryOptionParser, select_paths


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
            raise ParseFailure(f"unknown function '{name}'", pos)
        if len(args) not in arity:
            counts = " or ".join(str(n) for n in arity)
            plural = "" if arity == (1,) else "s"
            got = f" takes {counts} argument{plural}, got {len(args)}"
            raise ParseFailure(f"function '{name}'", pos, got)
        return FunctionCall(name, args, pos)

    def path(self, children: list) -> Path:
        for before, after in itertools.pairwise(children):
            if after.start_pos - before.end_pos != 1:
                raise ParseFailure("whitespace in property path", before.end_pos)
        segments = tuple("id" if t.type == "IOT_ID" else str(t) for t in children)
        return Path(segments, children[0].start_pos)

    def literal(self, children: list) -> Literal:
        return literal_from_token(children[0])


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
    except (UnexpectedInput, ParseFailure):  # the error was found by the lexer: no reductions done
        parser = getattr(err, "interactive_parser", None)
        return parser.accepts() if parser is not None else set()


def _lark_fail(err: UnexpectedInput, text: str, start: str) -> ParseFailure:
    """Turn a lark error into a `ParseFailure` pointing at the offending spot."""
    if isinstance(err, UnexpectedToken):
        token = err.token
        stop = len(text) if token.type == "$END" else token.start_pos
        hint = _hint(_accepts(err, text, start, stop))
        if token.type == "$END":
            return ParseFailure("unexpected end of input", stop, hint)
        value = str(token) if len(token) <= 20 else str(token)[:20] + "..."
        return ParseFailure(f"unexpected '{value}'", stop, hint)
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream]
        if char == "'":
            return ParseFailure("unterminated string literal", err.pos_in_stream)
        hint = _hint(_accepts(err, text, start, err.pos_in_stream))
        return ParseFailure(f"unexpected character {char!r}", err.pos_in_stream, hint)
    return ParseFailure("invalid expression", getattr(err, "pos_in_stream", None) or 0)


def _check_size(root: Expr, limits: QueryLimits) -> None:
    """Refuse trees deeper or larger than the limits, iteratively (deep trees break recursive
    walkers; large ones make large SQL)."""
    stack: list[tuple[Expr, int]] = [(root, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > limits.max_expression_depth:
            raise ParseFailure(f"expression nested deeper than {limits.max_expression_depth} levels (setting max_filter_depth)", node.pos)
        if nodes > limits.max_expression_nodes:
            raise ParseFailure(f"expression of more than {limits.max_expression_nodes} parts (setting max_filter_nodes)", node.pos)
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


def _parse_expression(text: str, start: str, field: str, offset: int, limits: QueryLimits = DEFAULT_LIMITS) -> Any:
    """Parse with grammar rule `start` ('filter' or 'orderby'). The text is padded by `offset`
    blanks so that node positions are offsets into the whole option's text (matters inside
    `$expand`)."""
    text = " " * offset + text
    try:
        result = _LARK.parse(text, start=start)
        for expr in [result] if start == "filter" else [item.expr for item in result]:
            _check_size(expr, limits)
        return result
    except ParseFailure as fail:
        raise syntax_error(fail, field, 0) from None
    except UnexpectedInput as err:
        raise syntax_error(_lark_fail(err, text, start), field, 0) from None


_OPTION_PARSER = QueryOptionParser(_parse_expression)


def parse_filter(text: str) -> Expr:
    """Parse a `$filter` expression, e.g. `Datastream/name eq 'x' and result gt 5`."""
    return _parse_expression(text, "filter", "$filter", 0)


def parse_orderby(text: str) -> list[OrderBy]:
    """Parse `$orderby`: comma-separated expressions, each optionally `asc` or `desc`."""
    return _parse_expression(text, "orderby", "$orderby", 0)


def parse_select(text: str) -> list[str]:
    """Parse `$select` into property names or paths as written ('@iot.id' becomes 'id')."""
    return select_paths(text, "$select", 0)


def parse_expand(text: str) -> list[Expand]:
    """Parse `$expand`, e.g. `Datastreams($select=name;$expand=Observations($top=1)),Locations`."""
    return _OPTION_PARSER.expand(text, "$expand", 0, 0)


def parse_query_options(params: Mapping[str, str], limits: QueryLimits = DEFAULT_LIMITS) -> QueryOptions:
    """Parse the system query options among a request's (URL-decoded) query parameters.

    Parameters not starting with '$' are ignored; an unknown `$name` is an error."""
    if limits == DEFAULT_LIMITS:
        return _OPTION_PARSER.query_options(params)
    return QueryOptionParser(partial(_parse_expression, limits=limits), limits).query_options(params)


__all__ = ["parse_expand", "parse_filter", "parse_orderby", "parse_query_options", "parse_select"]
