"""Query options back to URL text, for `@iot.nextLink`s of expanded collections."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from stadsdata.model.values import format_instant
from stadsdata.query import ast

_BINARY_PRECEDENCE = {"or": 1, "and": 2, "eq": 3, "ne": 3, "gt": 4, "ge": 4, "lt": 4, "le": 4, "add": 5, "sub": 5}


def expr_to_text(expr: ast.Expr) -> str:
    """An expression as $filter text; parenthesised so that it parses back to the same tree."""
    if isinstance(expr, ast.Literal):
        return _literal(expr)
    if isinstance(expr, ast.Path):
        return "/".join(expr.segments)
    if isinstance(expr, ast.Not):
        return f"not ({expr_to_text(expr.operand)})"
    if isinstance(expr, ast.Negate):
        return f"-({expr_to_text(expr.operand)})"
    if isinstance(expr, ast.FunctionCall):
        return f"{expr.name}({', '.join(expr_to_text(a) for a in expr.args)})"
    return f"({expr_to_text(expr.left)} {expr.op} {expr_to_text(expr.right)})"


def _literal(node: ast.Literal) -> str:
    value, kind = node.value, node.kind
    if kind == "string":
        return "'" + value.replace("'", "''") + "'"
    if kind == "bool":
        return "true" if value else "false"
    if kind == "null":
        return "null"
    if kind == "datetime":
        return format_instant(value)
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "duration":
        return f"duration'{_duration(value)}'"
    if kind == "geography":
        return f"geography'{value}'"
    return repr(value)


def _duration(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    return f"{sign}P{value.days}DT{value.seconds}.{value.microseconds:06d}S"


def options_to_params(options: ast.QueryOptions) -> dict[str, str]:
    params: dict[str, str] = {}
    if options.filter is not None:
        params["$filter"] = expr_to_text(options.filter)
    if options.select is not None:
        params["$select"] = ",".join(options.select)
    if options.orderby:
        params["$orderby"] = ",".join(
            f"{expr_to_text(o.expr)} {'desc' if o.descending else 'asc'}" for o in options.orderby
        )
    if options.expand:
        params["$expand"] = ",".join(expand_to_text(e) for e in options.expand)
    if options.count:
        params["$count"] = "true"
    if options.result_format:
        params["$resultFormat"] = options.result_format
    return params


def expand_to_text(item: ast.Expand) -> str:
    inner = options_to_params(item.options)
    if item.options.top is not None:
        inner["$top"] = str(item.options.top)
    if item.options.skip:
        inner["$skip"] = str(item.options.skip)
    text = "/".join(item.path)
    if inner:
        text += "(" + ";".join(f"{k}={v}" for k, v in inner.items()) + ")"
    return text


def options_to_query(options: ast.QueryOptions, *, skip: int, top: int) -> str:
    params = options_to_params(options)
    params["$top"] = str(top)
    params["$skip"] = str(skip)
    return urlencode(params, safe="$,()/'")
