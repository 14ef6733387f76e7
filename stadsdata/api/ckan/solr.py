"""A strict parser of the Solr (Lucene) query syntax that CKAN clients write in `q` and `fq`,
producing a small tree (`Node`) that `matching.py` evaluates against the packages a caller is
shown. What is understood:

- words and "quoted phrases", without a field (the dataset's text) or `field:value`;
- `field:(a OR b)`, `*:*`, `field:*`, wildcards `*` and `?` in a word, `\\` escapes;
- ranges `field:[a TO b]`, `{a TO b}` with `*` for an open end;
- `AND` / `&&`, `OR` / `||`, `NOT` / `!`, `+required`, `-prohibited`, parentheses; words
  side by side must all match (CKAN sets `q.op=AND`);
- boosts (`^2`) are accepted and ignored.

Anything else — an unknown field, an unbalanced parenthesis or quote, an operator without its
operand, fuzzy or proximity searches (`~`), local parameters (`{!…}`) — is a `SyntaxFault`
with the position, which the face answers as a 400 `Search Query Error`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stadsdata.api.ckan.solr_lexer import SyntaxFault, Token, tokens

MAX_TOKENS = 1_000
MAX_DEPTH = 32  # of parentheses and NOT/- in front of one another

__all__ = ["And", "MatchAll", "Node", "Not", "Or", "Range", "SyntaxFault", "Term", "parse"]


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class Term:
    """`field` None: the dataset's text. `pattern` is set when the word has wildcards."""

    field: str | None
    text: str
    phrase: bool = False
    pattern: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None  # None: open
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = MatchAll | Term | Range | And | Or | Not


class Parser:
    """Recursive descent over the tokens: or := and (OR and)*; and := unary ((AND)? unary)*;
    unary := (NOT | - | +) unary | primary boost?; primary := ( or ) | field:value | value."""

    def __init__(self, text: str, fields: set[str]) -> None:
        self.text = text
        self.fields = fields
        self.tokens = tokens(text)
        self.i = 0
        self.depth = 0
        if len(self.tokens) > MAX_TOKENS:
            raise SyntaxFault(f"more than {MAX_TOKENS} terms and operators", self.tokens[MAX_TOKENS].position)

    def parse(self) -> Node:
        if not self.tokens or self.text.strip() in ('""', "''"):
            return MatchAll()
        node = self._or(None)
        if self.i < len(self.tokens):
            token = self.tokens[self.i]
            raise SyntaxFault(f"unexpected {token.text!r}", token.position)
        return node

    # -- helpers -------------------------------------------------------------------------------
    def _peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self, kind: str, what: str) -> Token:
        token = self._peek()
        if token is None or token.kind != kind:
            raise SyntaxFault(f"expected {what}", token.position if token else len(self.text))
        self.i += 1
        return token

    def _deeper(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SyntaxFault(f"nested more than {MAX_DEPTH} deep", token.position)

    def _is_op(self, op: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "op" and token.text == op

    # -- grammar -------------------------------------------------------------------------------
    def _or(self, field: str | None) -> Node:
        items = [self._and(field)]
        while self._is_op("or"):
            self.i += 1
            items.append(self._and(field))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def _and(self, field: str | None) -> Node:
        items = [self._unary(field)]
        while True:
            token = self._peek()
            if token is None or token.kind == ")" or self._is_op("or"):
                break
            if self._is_op("and"):
                self.i += 1
            items.append(self._unary(field))
        return items[0] if len(items) == 1 else And(tuple(items))

    def _unary(self, field: str | None) -> Node:
        token = self._peek()
        if token is None:
            raise SyntaxFault("a term is missing at the end", len(self.text))
        if (token.kind == "op" and token.text == "not") or token.kind == "-":
            self.i += 1
            self._deeper(token)
            node: Node = Not(self._unary(field))
            self.depth -= 1
            return node
        if token.kind == "+":
            self.i += 1
            return self._unary(field)
        if token.kind == "op":
            raise SyntaxFault(f"{token.text.upper()} needs a term before and after it", token.position)
        node = self._primary(field)
        boost = self._peek()
        if boost is not None and boost.kind == "boost":
            self.i += 1
        return node

    def _primary(self, field: str | None) -> Node:
        token = self._peek()
        assert token is not None
        if token.kind == "(":
            self.i += 1
            self._deeper(token)
            node = self._or(field)
            self._take(")", "a closing parenthesis ')'")
            self.depth -= 1
            return node
        if token.kind == "word" and self.i + 1 < len(self.tokens) and self.tokens[self.i + 1].kind == ":":
            if field is not None:
                raise SyntaxFault("a field inside a field's group", token.position)
            self.i += 2
            return self._fielded(token)
        if token.kind == "range" and field is not None:
            return self._range(field)
        if token.kind in ("word", "phrase"):
            self.i += 1
            return Term(field, token.text, token.kind == "phrase", token.pattern)
        raise SyntaxFault(f"unexpected {token.text!r}", token.position)

    def _fielded(self, name: Token) -> Node:
        value = self._peek()
        if name.text == "*":
            if value is not None and value.kind == "word" and value.text == "*":
                self.i += 1
                return MatchAll()
            raise SyntaxFault("'*:' goes only with '*' (*:*)", name.position)
        if name.text not in self.fields and not name.text.startswith("extras_"):
            raise SyntaxFault(
                f"unknown field {name.text!r}; the fields are {', '.join(sorted(self.fields))}", name.position
            )
        if value is None:
            raise SyntaxFault(f"{name.text}: needs a value", name.position)
        if value.kind == "(":
            self.i += 1
            self._deeper(value)
            node = self._or(name.text)
            self._take(")", "a closing parenthesis ')'")
            self.depth -= 1
            return node
        if value.kind == "range":
            return self._range(name.text)
        if value.kind in ("word", "phrase"):
            self.i += 1
            return Term(name.text, value.text, value.kind == "phrase", value.pattern)
        raise SyntaxFault(f"{name.text}: needs a value", value.position)

    def _range(self, field: str) -> Range:
        token = self._take("range", "a range")
        assert token.bounds is not None
        return Range(field, *token.bounds)


def parse(text: str, fields: set[str]) -> Node:
    """The tree of a q or fq text; `fields` are the field names that may be used."""
    return Parser(text, fields).parse()
