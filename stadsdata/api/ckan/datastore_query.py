"""datastore_search's `filters`, `q`, `sort` and `fields` over observations, as the OData
expressions the store applies in SQL (`query/ast.py`) — the same reads as SensorThings, so the
caller's read scope applies to them unchanged.

The fields of an observation record: `_id` (the Observation's id), `datastream`, `phenomenonTime`
and `resultTime` (ISO 8601; a phenomenon time may be an interval 'start/end'), `result`,
`resultQuality`, `validTime` and `parameters`. Filters follow CKAN's (ckanext/datastore/filters.py):
`{"field": value}`, `{"field": [v1, v2]}` (any of), `{"field": {"gte": a, "lt": b}}` (operators eq,
in, gt, gte, lt, lte), `{"$or": [{…}, {…}]}` and `{"$and": […]}`; on `_id`, `datastream`, the two
times and `result`. `q` (text, or `{"result": text}`) keeps observations whose result contains
each of its words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stadsdata.api.ckan.errors import ValidationError, invalid
from stadsdata.errors import BadRequest
from stadsdata.model.values import parse_instant
from stadsdata.query.ast import BinaryOp, Expr, FunctionCall, Literal, OrderBy, Path

FIELDS = ("_id", "datastream", "phenomenonTime", "resultTime", "result", "resultQuality", "validTime", "parameters")
PATHS = {"_id": ("id",), "datastream": ("Datastream", "id"), "phenomenonTime": ("phenomenonTime",),
         "resultTime": ("resultTime",), "result": ("result",)}  # fmt: skip  # the fields one may filter and sort on
OPERATORS = {"eq": "eq", "gt": "gt", "gte": "ge", "lt": "lt", "lte": "le"}
MAX_OPERATIONS, MAX_DEPTH = 100, 10


def balanced(op: str, items: Sequence[Expr]) -> Expr:
    """`items` joined by `op` ('and' | 'or') as a balanced tree (a long chain would be too deep)."""
    if len(items) == 1:
        return items[0]
    middle = len(items) // 2
    return BinaryOp(op, balanced(op, items[:middle]), balanced(op, items[middle:]))


def any_of(path: tuple[str, ...], values: Sequence[Literal]) -> Expr | None:
    """`path` equals one of the values (None: there are none)."""
    if not values:
        return None
    return balanced("or", [BinaryOp("eq", Path(path), v) for v in values])


class Filters:
    """CKAN's filters as one expression (None: no condition)."""

    def __init__(self) -> None:
        self.operations = 0

    def parse(self, value: Any) -> Expr | None:
        if value in (None, {}, []):
            return None
        if isinstance(value, list):
            return self._members(value, "and", 0)
        if not isinstance(value, dict):
            raise invalid("filters", "filters must be a JSON object (or a list of them)")
        return self._object(value, 0)

    def _count(self, depth: int) -> None:
        self.operations += 1
        if self.operations > MAX_OPERATIONS:
            raise invalid("filters", "Maximum number of filter operations exceeded")
        if depth >= MAX_DEPTH:
            raise invalid("filters", "Maximum nesting depth for filter operations reached")

    def _object(self, value: dict[str, Any], depth: int) -> Expr:
        parts: list[Expr] = []
        for key, member in value.items():
            self._count(depth)
            if key in ("$or", "$and"):
                parts.append(self._members(member, key[1:], depth + 1))
            elif key.startswith("$") and not key.startswith("$$"):
                raise invalid("filters", f"Unknown operators (must be one of $or, $and): {key}")
            else:
                parts.append(self._field(key.removeprefix("$"), member))
        return balanced("and", parts)

    def _members(self, value: Any, op: str, depth: int) -> Expr:
        if not isinstance(value, list) or not value or not all(isinstance(m, dict) and m for m in value):
            raise invalid("filters", f"Filter operations must be defined as a list of dicts: {value!r}")
        return balanced(op, [self._object(m, depth + 1) for m in value])

    def _field(self, name: str, value: Any) -> Expr:
        if name not in FIELDS:
            raise invalid("filters", f"Unknown field: {name}")
        if name not in PATHS:
            raise invalid("filters", f"{name} cannot be filtered on; the fields: {', '.join(PATHS)}")
        path = PATHS[name]
        if isinstance(value, dict):
            if not value:
                raise invalid("filters", f"{name}: an empty operation")
            return balanced("and", [self._operation(name, path, op, v) for op, v in value.items()])
        if isinstance(value, list):
            plain = [literal(name, v) for v in value if not isinstance(v, dict)]
            parts = [self._field(name, v) for v in value if isinstance(v, dict)]
            found = any_of(path, plain)
            members = parts + ([found] if found is not None else [])
            return balanced("or", members) if members else _never()
        return BinaryOp("eq", Path(path), literal(name, value))

    def _operation(self, name: str, path: tuple[str, ...], op: str, value: Any) -> Expr:
        if op == "in":
            if not isinstance(value, list):
                raise invalid("filters", f"{name}: 'in' takes a list")
            return any_of(path, [literal(name, v) for v in value]) or _never()
        if op not in OPERATORS:
            raise invalid("filters", f"Unknown filter operation: {op!r} on {name}; the operations: eq, in, gt, gte, lt, lte")
        return BinaryOp(OPERATORS[op], Path(path), literal(name, value))


def _never() -> Expr:
    return BinaryOp("eq", Literal(1, "int"), Literal(0, "int"))


def literal(name: str, value: Any) -> Literal:
    """A filter's value as a literal of the field's type."""
    if name in ("_id", "datastream"):
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
            number = int(value)
        if number is None:
            raise invalid("filters", f"{name}: {value!r} is not a whole number")
        return Literal(number, "int")
    if name in ("phenomenonTime", "resultTime"):
        try:
            return Literal(parse_instant(value, field=name), "datetime")
        except BadRequest as exc:
            raise invalid("filters", exc.detail) from None
    if isinstance(value, bool):
        return Literal(value, "bool")
    if isinstance(value, int):
        return Literal(value, "int")
    if isinstance(value, float):
        return Literal(value, "float")
    if isinstance(value, str):
        return Literal(value, "string")
    if value is None:
        return Literal(None, "null")
    raise invalid("filters", f"{name}: {value!r} is not a value to compare with")


def text_search(q: Any, full_text: str | None) -> Expr | None:
    """Observations whose result contains every word of `q` (text, or `{"result": text}`: other
    fields are passed over, as CKAN does with fields it does not index) and of `full_text`."""
    texts = [full_text or ""]
    if isinstance(q, str):
        texts.append(q)
    elif isinstance(q, dict):
        texts += [str(v) for k, v in q.items() if k == "result" and v is not None]
    elif q is not None:
        raise invalid("q", "q is a text or an object of field: text")
    words = [w for text in texts for w in text.split()]
    if not words:
        return None
    return balanced("and", [FunctionCall("substringof", (Literal(w, "string"), Path(("result",)))) for w in words])


def sort_order(items: list[str] | None) -> list[tuple[str, bool]]:
    """[(field, descending)] of 'field [asc|desc]' items; the `_id` last when not named."""
    out: list[tuple[str, bool]] = []
    for item in items or []:
        words = item.split()
        if not words:
            continue
        name, direction = words[0].strip('"'), (words[1].lower() if len(words) > 1 else "asc")
        if name not in PATHS or direction not in ("asc", "desc") or len(words) > 2:
            raise ValidationError({"sort": [f'field "{name}" not in resource' if name not in PATHS else f"cannot sort by {item!r}"]})
        out.append((name, direction == "desc"))
    if "_id" not in (name for name, _ in out):
        out.append(("_id", False))
    return out


def order_by(order: list[tuple[str, bool]]) -> list[OrderBy]:
    return [OrderBy(Path(PATHS[name]), descending) for name, descending in order]


def chosen_fields(items: list[str] | None) -> list[str]:
    if not items:
        return list(FIELDS)
    for name in items:
        if name not in FIELDS:
            raise invalid("fields", f'field "{name}" not in resource')
    return list(dict.fromkeys(items))
