"""The NGSI-LD query language of `q` (clause 4.9): a recursive-descent parser and its
evaluation on an entity in normalized form.

    query      = or
    or         = and *("|" and)
    and        = term *(";" term)
    term       = "(" query ")" / path [op value]        ; a path alone: the attribute exists
    path       = name *("." name) ["[" name *("." name) "]"]
    op         = "==" / "!=" / ">=" / ">" / "<=" / "<" / "~=" / "!~="
    value      = "quoted string" / number / true / false / dateTime / value ".." value / value *("," value)

`a.b` is sub-attribute b of attribute a (`observedAt`, `unitCode`, …), `a[k.l]` a member of a's
JSON value. `;` binds tighter than `|`. A syntax error is BadRequestData naming `q` with the
position. Comparisons of different kinds (a number with a text) are false, never an error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stadsdata.api.ngsild.errors import BadRequestData

MAX_DEPTH = 50  # nested parentheses
OPS = ("==", "!=", ">=", "<=", "~=", "!~=", ">", "<")
_NAME = re.compile(r"[A-Za-z_@][A-Za-z0-9_:@\-]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")
_WORD = re.compile(r"[^;|()\s,.][^;|()\s,]*?(?=\.\.|[;|()\s,]|$)")


@dataclass(frozen=True)
class Path:
    attribute: str
    sub: tuple[str, ...]  # sub-attributes
    member: tuple[str, ...]  # members of the value (the [] part)


@dataclass(frozen=True)
class Range:
    low: Any
    high: Any


@dataclass(frozen=True)
class Comparison:
    path: Path
    op: str | None  # None: the attribute exists
    value: Any = None  # a literal, a Range or a tuple (a list of literals)


@dataclass(frozen=True)
class Logical:
    op: str  # ';' or '|'
    terms: tuple[Any, ...]


class _Parser:
    def __init__(self, text: str, field: str) -> None:
        self.text, self.pos, self.field, self.depth = text, 0, field, 0

    def fail(self, what: str) -> BadRequestData:
        return BadRequestData(
            f"{self.field}: {what} at position {self.pos} of {self.text!r}", field=self.field, position=self.pos
        )

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def peek(self, token: str) -> bool:
        self.skip()
        return self.text.startswith(token, self.pos)

    def parse(self) -> Any:
        if not self.text.strip():
            raise self.fail("an empty query")
        node = self.disjunction()
        self.skip()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos]!r}")
        return node

    def disjunction(self) -> Any:
        terms = [self.conjunction()]
        while self.peek("|"):
            self.pos += 1
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else Logical("|", tuple(terms))

    def conjunction(self) -> Any:
        terms = [self.term()]
        while self.peek(";"):
            self.pos += 1
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else Logical(";", tuple(terms))

    def term(self) -> Any:
        if self.peek("("):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"more than {MAX_DEPTH} nested parentheses")
            self.pos += 1
            node = self.disjunction()
            self.depth -= 1
            if not self.peek(")"):
                raise self.fail("a missing ')'")
            self.pos += 1
            return node
        path = self.path()
        self.skip()
        op = next((o for o in ("!~=", *OPS) if self.text.startswith(o, self.pos)), None)
        if op is None:
            return Comparison(path, None)
        self.pos += len(op)
        self.skip()
        start = self.pos
        value = self.value_expression()
        end, self.pos = self.pos, start  # a refusal of the value points at its start
        if op in ("~=", "!~=") and not isinstance(value, str):
            raise self.fail("a pattern match needs a quoted regular expression")
        if op in ("~=", "!~="):
            try:
                re.compile(value)
            except re.error as exc:
                raise self.fail(f"an invalid regular expression ({exc})") from None
        if isinstance(value, (Range, tuple)) and op not in ("==", "!="):
            raise self.fail(f"a range or list with {op}")
        self.pos = end
        return Comparison(path, op, value)

    def name(self) -> str:
        self.skip()
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise self.fail("an attribute name expected")
        self.pos = match.end()
        return match.group()

    def path(self) -> Path:
        names = [self.name()]
        while self.text.startswith(".", self.pos):
            self.pos += 1
            names.append(self.name())
        member: list[str] = []
        if self.text.startswith("[", self.pos):
            self.pos += 1
            member.append(self.name())
            while self.text.startswith(".", self.pos):
                self.pos += 1
                member.append(self.name())
            if not self.text.startswith("]", self.pos):
                raise self.fail("a missing ']'")
            self.pos += 1
        return Path(names[0], tuple(names[1:]), tuple(member))

    def value_expression(self) -> Any:
        first = self.literal()
        if self.text.startswith("..", self.pos):
            self.pos += 2
            return Range(first, self.literal())
        if self.text.startswith(",", self.pos):
            items = [first]
            while self.text.startswith(",", self.pos):
                self.pos += 1
                items.append(self.literal())
            return tuple(items)
        return first

    def literal(self) -> Any:
        self.skip()
        text, pos = self.text, self.pos
        if text.startswith('"', pos):
            end = text.find('"', pos + 1)
            if end < 0:
                raise self.fail("an unterminated string")
            self.pos = end + 1
            return text[pos + 1 : end]
        for matcher in (_DATETIME,):
            match = matcher.match(text, pos)
            if match:
                self.pos = match.end()
                try:
                    return datetime.fromisoformat(match.group().replace("Z", "+00:00"))
                except ValueError:
                    raise self.fail("an invalid dateTime") from None
        match = _NUMBER.match(text, pos)
        if match and not (match.end() < len(text) and (text[match.end()].isalpha() or text[match.end()] == "_")):
            self.pos = match.end()
            number = match.group()
            return float(number) if any(c in number for c in ".eE") else int(number)
        for word, value in (("true", True), ("false", False)):
            if text.startswith(word, pos):
                self.pos += len(word)
                return value
        raise self.fail("a value expected (a quoted string, number, dateTime, true or false)")


def parse_q(text: str, field: str = "q") -> Any:
    return _Parser(text, field).parse()


# -- evaluation ------------------------------------------------------------------------------
_MISSING = object()


def _resolve(entity: dict[str, Any], path: Path) -> Any:
    attribute = entity.get(path.attribute, _MISSING)
    if isinstance(attribute, list):  # a multi-attribute: its default instance
        attribute = next((a for a in attribute if "datasetId" not in a), attribute[0] if attribute else _MISSING)
    if attribute is _MISSING:
        return _MISSING
    if path.attribute in ("id", "type"):
        return attribute
    node: Any = attribute
    for sub in path.sub:
        node = node.get(sub, _MISSING) if isinstance(node, dict) else _MISSING
    if isinstance(node, dict) and node.get("type") in ("Property", "GeoProperty", "Relationship"):
        node = node.get("object") if node.get("type") == "Relationship" else node.get("value")
    for key in path.member:
        node = node.get(key, _MISSING) if isinstance(node, dict) else _MISSING
    return node


def _comparable(value: Any, literal: Any) -> tuple[Any, Any] | None:
    if isinstance(literal, datetime):
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")), literal
            except ValueError:
                return None
        return None
    if isinstance(literal, bool) or isinstance(value, bool):
        return (value, literal) if isinstance(value, bool) and isinstance(literal, bool) else None
    if isinstance(literal, (int, float)) and isinstance(value, (int, float)):
        return value, literal
    if isinstance(literal, str) and isinstance(value, str):
        return value, literal
    return None


def _compare(value: Any, op: str, literal: Any) -> bool:
    if isinstance(value, list):  # a list value matches when one of its members does
        return (
            any(_compare(v, op, literal) for v in value) if op != "!=" else all(_compare(v, op, literal) for v in value)
        )
    if isinstance(literal, Range):
        inside = _compare(value, ">=", literal.low) and _compare(value, "<=", literal.high)
        return inside if op == "==" else not inside
    if isinstance(literal, tuple):
        hit = any(_compare(value, "==", item) for item in literal)
        return hit if op == "==" else not hit
    if op in ("~=", "!~="):
        found = isinstance(value, str) and re.search(literal, value) is not None
        return found if op == "~=" else not found
    pair = _comparable(value, literal)
    if pair is None:
        return op == "!="
    a, b = pair
    try:
        return {"==": a == b, "!=": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]
    except TypeError:  # e.g. naive and aware datetimes
        return False


def matches(node: Any, entity: dict[str, Any]) -> bool:
    if isinstance(node, Logical):
        results = (matches(t, entity) for t in node.terms)
        return all(results) if node.op == ";" else any(results)
    value = _resolve(entity, node.path)
    if value is _MISSING:
        return False
    if node.op is None:
        return True
    return _compare(value, node.op, node.value)
