"""The search index of one request: a `Doc` per package the caller is shown (built from the
package dict and its catalog entry, so it holds nothing the caller may not see), the fields a
q or fq may name, and `build`, which turns a parsed query (`solr.py`) into a function that
says whether a Doc matches and how well (None: it does not).

Fields as in CKAN's Solr schema:
- exact (string) fields, compared without regard to case, `*` and `?` as wildcards: id, name,
  tags, organization, owner_org, groups, res_format, license_id, capacity (public | private),
  state, type and dataset_type ('dataset'), entity_type ('package'), and ours: access_level;
- text fields, word by word (a word matches the beginning of a word, accents and case aside;
  a "phrase" matches as it stands): title, notes, res_name, res_description, and `text` —
  everything, as a word without a field (weighted as the catalog's own search, `catalog/search.py`);
- dates (ISO 8601, or NOW): metadata_created, metadata_modified; numbers: num_resources, num_tags;
- `extras_<key>`: the extra of that key, exactly."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from stadsdata.api.ckan import solr
from stadsdata.api.ckan.errors import SearchQueryError
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.catalog.search import fold, score, texts

EXACT = ("id", "name", "tags", "organization", "owner_org", "groups", "res_format", "license_id", "capacity", "state",
         "type", "dataset_type", "entity_type", "access_level")  # fmt: skip
TEXT = ("title", "notes", "res_name", "res_description", "text")
DATES = ("metadata_created", "metadata_modified")
NUMBERS = ("num_resources", "num_tags")
FIELDS = set(EXACT + TEXT + DATES + NUMBERS)
_WORD = re.compile(r"\w+")

Matcher = Callable[["Doc"], int | None]


@dataclass
class Doc:
    entry: CatalogEntry
    package: dict[str, Any]
    exact: dict[str, list[str]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)  # folded
    dates: dict[str, datetime] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)


def doc(entry: CatalogEntry, package: dict[str, Any]) -> Doc:
    org = package["organization"]
    resources = package["resources"]
    exact = {
        "id": [package["id"]], "name": [package["name"]], "tags": [t["name"] for t in package["tags"]],
        "organization": [org["name"]] if org else [], "owner_org": [org["id"]] if org else [],
        "groups": [g["name"] for g in package["groups"]], "res_format": sorted({r["format"] for r in resources}),
        "license_id": [package["license_id"]], "capacity": ["private" if package["private"] else "public"],
        "state": [package["state"]], "type": [package["type"]], "dataset_type": [package["type"]],
        "entity_type": ["package"], "access_level": [package["access_level"]],
    }  # fmt: skip
    catalog_text = texts(entry)
    text = {
        "title": catalog_text["title"], "notes": catalog_text["description"],
        "res_name": fold(" ".join(r["name"] or "" for r in resources)),
        "res_description": fold(" ".join(r["description"] or "" for r in resources)),
        "text": " ".join(catalog_text.values()),
    }  # fmt: skip
    dates = {"metadata_created": entry.created, "metadata_modified": entry.modified}
    numbers = {"num_resources": package["num_resources"], "num_tags": package["num_tags"]}
    extras = {e["key"]: e["value"] for e in package["extras"]}
    return Doc(entry, package, exact, text, dates, numbers, extras)


def build(node: solr.Node) -> Matcher:
    """A function of a Doc: its score when it matches (a positive number), else None. Values are
    checked here, so that a bad date is an error whether or not any dataset is searched."""
    match node:
        case solr.MatchAll():
            return lambda d: 1
        case solr.And(items):
            parts = [build(i) for i in items]
            return lambda d: _all(parts, d)
        case solr.Or(items):
            parts = [build(i) for i in items]
            return lambda d: _any(parts, d)
        case solr.Not(item):
            inner = build(item)
            return lambda d: 1 if inner(d) is None else None
        case solr.Range():
            return _range(node)
        case solr.Term():
            return _term(node)
    raise AssertionError(node)


def _all(parts: list[Matcher], d: Doc) -> int | None:
    total = 0
    for part in parts:
        got = part(d)
        if got is None:
            return None
        total += got
    return total


def _any(parts: list[Matcher], d: Doc) -> int | None:
    scores = [s for part in parts if (s := part(d)) is not None]
    return sum(scores) if scores else None


def _term(term: solr.Term) -> Matcher:
    name = term.field or "text"
    if name in EXACT or name.startswith("extras_"):
        wanted = term.text.casefold()

        def values(d: Doc) -> list[str]:
            if name.startswith("extras_"):
                value = d.extras.get(name.removeprefix("extras_"))
                return [] if value is None else [value]
            return d.exact[name]

        if term.pattern is not None:
            pattern = term.pattern
            return lambda d: 1 if any(pattern.fullmatch(v) for v in values(d)) else None
        return lambda d: 1 if any(v.casefold() == wanted for v in values(d)) else None
    if name in DATES:
        moment = _date(name, term.text)
        return lambda d: 1 if d.dates[name] == moment else None
    if name in NUMBERS:
        number = _number(name, term.text)
        return lambda d: 1 if d.numbers[name] == number else None
    if name == "text" and term.pattern is None:
        query = f'"{term.text}"' if term.phrase else term.text
        return lambda d: score(d.entry, query) or None
    return _words(name, term)


def _words(name: str, term: solr.Term) -> Matcher:
    """A text field: a phrase as it stands, a word at the beginning of a word, a wildcard word
    against whole words."""
    if term.pattern is not None:
        pattern = re.compile(term.pattern.pattern, re.IGNORECASE)
        return lambda d: 1 if any(pattern.fullmatch(t) for t in _WORD.findall(d.text[name])) else None
    if term.phrase:
        phrase = fold(term.text)
        return lambda d: 1 if phrase in d.text[name] else None
    words = _WORD.findall(fold(term.text))
    return lambda d: 1 if all(any(t.startswith(w) for t in _WORD.findall(d.text[name])) for w in words) else None


def _range(node: solr.Range) -> Matcher:
    name = node.field
    convert: Callable[[str], Any]
    if name in DATES:
        convert, get = (lambda v: _date(name, v)), (lambda d: [d.dates[name]])
    elif name in NUMBERS:
        convert, get = (lambda v: _number(name, v)), (lambda d: [d.numbers[name]])
    elif name in EXACT:
        convert, get = str.casefold, (lambda d: [v.casefold() for v in d.exact[name]])
    else:
        raise SearchQueryError(f"{name} cannot be searched by a range")
    low = None if node.low is None else convert(node.low)
    high = None if node.high is None else convert(node.high)

    def inside(value: Any) -> bool:
        if low is not None and (value < low or (value == low and not node.include_low)):
            return False
        return high is None or not (value > high or (value == high and not node.include_high))

    return lambda d: 1 if any(inside(v) for v in get(d)) else None


def _date(name: str, text: str) -> datetime:
    if text.upper() == "NOW":
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SearchQueryError(f"{name}: {text!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _number(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SearchQueryError(f"{name}: {text!r} is not a whole number") from None


def matcher(text: str) -> Matcher:
    """The matcher of a q or fq text; a syntax fault is a Search Query Error."""
    try:
        return build(solr.parse(text, FIELDS))
    except solr.SyntaxFault as fault:
        raise SearchQueryError(str(fault)) from None
