"""The tokens of the Solr (Lucene) query syntax (`solr.py` parses them): words (with their
wildcard pattern), "phrases", ranges `[a TO b]` as one token (a bound may hold ':', as dates
do), operators, prefixes (+ - !), parentheses, colons and boosts. What the syntax has that this
API does not take — fuzzy and proximity searches (`~`), local parameters (`{!…}`) — is a
`SyntaxFault` here already, with its position."""

from __future__ import annotations

import re
from dataclasses import dataclass

SPECIAL = set('()[]{}":^~\\')
OPERATORS = {"AND": "and", "&&": "and", "OR": "or", "||": "or", "NOT": "not", "!": "not"}


class SyntaxFault(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # 'word' | 'phrase' | 'range' | 'op' | '(' | ')' | ':' | '+' | '-' | 'boost'
    text: str
    position: int
    pattern: re.Pattern[str] | None = None  # of a word with unescaped wildcards
    bounds: tuple[str | None, str | None, bool, bool] | None = (
        None  # of a range: low, high (None: open), inclusive each
    )


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("{!", i):
            raise SyntaxFault("local parameters ({!…}) are not supported", i)
        elif c in "[{":
            i = _range(text, i, out)
        elif c in "()]}:":
            out.append(Token(c, c, i))
            i += 1
        elif c == '"':
            i = _phrase(text, i, out)
        elif c == "^":
            match = re.compile(r"\^\d+(\.\d+)?").match(text, i)
            if match is None or not out or out[-1].kind not in ("word", "phrase", "range", ")"):
                raise SyntaxFault("a boost (^) needs a number after a term", i)
            out.append(Token("boost", match.group(), i))
            i = match.end()
        elif c == "~":
            raise SyntaxFault("fuzzy and proximity searches (~) are not supported", i)
        elif text.startswith(("&&", "||"), i):
            out.append(Token("op", OPERATORS[text[i : i + 2]], i))
            i += 2
        elif c in "+-!" and i + 1 < n and not text[i + 1].isspace():  # a prefix: '-' inside a word is the word's
            out.append(Token("op", "not", i) if c == "!" else Token(c, c, i))
            i += 1
        else:
            i = _word(text, i, out)
    return out


_BOUND = r'("(?:[^"\\]|\\.)*"|[^\s\]}]+)'
_RANGE = re.compile(r"([\[{])\s*" + _BOUND + r"\s+TO\s+" + _BOUND + r"\s*([\]}])")


def _range(text: str, start: int, out: list[Token]) -> int:
    """`[low TO high]` or `{low TO high}` as one token (a bound may hold ':', as dates do)."""
    match = _RANGE.match(text, start)
    if match is None:
        raise SyntaxFault("a range is [low TO high] or {low TO high}, with * for an open end", start)
    low, high = (_bound(match.group(k)) for k in (2, 3))
    out.append(Token("range", match.group(), start, bounds=(low, high, match.group(1) == "[", match.group(4) == "]")))
    return match.end()


def _bound(text: str) -> str | None:
    if text == "*":
        return None
    if text.startswith('"'):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _phrase(text: str, start: int, out: list[Token]) -> int:
    chars: list[str] = []
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
        elif c == '"':
            out.append(Token("phrase", "".join(chars), start))
            return i + 1
        else:
            chars.append(c)
            i += 1
    raise SyntaxFault("a quoted phrase is not closed", start)


def _word(text: str, start: int, out: list[Token]) -> int:
    literal: list[str] = []
    regex: list[str] = []
    wild = False
    i = start
    while i < len(text) and not text[i].isspace() and (text[i] == "\\" or text[i] not in SPECIAL):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text):
                raise SyntaxFault("a backslash must escape a character", i)
            literal.append(text[i + 1])
            regex.append(re.escape(text[i + 1]))
            i += 2
            continue
        if c in "*?":
            wild = True
            regex.append(".*" if c == "*" else ".")
        else:
            regex.append(re.escape(c))
        literal.append(c)
        i += 1
    if i == start:  # a lone backslash or a special character this parser does not place
        raise SyntaxFault(f"unexpected {text[i]!r}", i)
    word = "".join(literal)
    if word in OPERATORS and not wild and "\\" not in text[start:i]:
        out.append(Token("op", OPERATORS[word], start))
    else:
        out.append(Token("word", word, start, re.compile("".join(regex), re.IGNORECASE) if wild else None))
    return i
