"""Full-text search and facets over the catalog entries one caller is shown (a city's catalog
is thousands of datasets at most: searched in memory, per request, so that what a caller may
not see can never be counted). Words match whole words or their beginnings, accents and case
aside; "quoted phrases" match as they stand; every word must match somewhere. Filters are OR
within a facet and AND across facets; the facet counts are of the entries that match."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from stadsdata.catalog.areas import Area, areas_of
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.catalog.vocabularies import theme

SORTS = ("relevance", "title", "name", "modified", "created")
FACETS = ("theme", "publisher", "accessLevel", "format", "keyword", "area")
_WORD = re.compile(r"\w+")
_PHRASE = re.compile(r'"([^"]*)"')
WEIGHTS = {"title": 4, "keywords": 3, "name": 3, "themes": 2, "description": 1, "streams": 1, "publisher": 1}


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    themes: tuple[str, ...] = ()
    publishers: tuple[str, ...] = ()  # party names
    access_levels: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()  # names of the catalog's areas (`areas.py`)
    bbox: tuple[float, float, float, float] | None = None  # coverage intersects (only entries whose coverage the caller may see)
    sort: str = "relevance"
    descending: bool = False
    start: int = 0
    rows: int = 20


@dataclass(frozen=True)
class SearchResult:
    count: int
    entries: list[CatalogEntry]
    facets: dict[str, dict[str, int]]  # facet name -> value -> number of matching entries


def fold(text: str) -> str:
    """Lower case without accents ('Één' -> 'een')."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def texts(entry: CatalogEntry) -> dict[str, str]:
    """The searchable text of an entry by field, folded (streams only where the caller may read them)."""
    labels = [f"{t.nl} {t.en}" for code in entry.themes if (t := theme(code)) is not None]
    streams = [f"{s.name} {s.description} {' '.join(s.observed_properties)} {s.thing}" for s in entry.streams]
    parts = {
        "title": f"{entry.title} {entry.metadata.get('titleEn', '')}",
        "name": entry.name.replace("-", " ").replace("_", " "),
        "keywords": " ".join(entry.keywords),
        "themes": " ".join(entry.themes + labels),
        "description": f"{entry.description} {entry.metadata.get('descriptionEn', '')}",
        "streams": " ".join(streams),
        "publisher": f"{entry.publisher.name if entry.publisher else ''} {(entry.metadata.get('contactPoint') or {}).get('name', '')}",
    }
    return {field: fold(text) for field, text in parts.items()}


def score(entry: CatalogEntry, text: str) -> int:
    """0 when the entry does not match every word and phrase of `text`; else how well it does."""
    phrases = [fold(p) for p in _PHRASE.findall(text) if p.strip()]
    words = _WORD.findall(fold(_PHRASE.sub(" ", text)))
    if not phrases and not words:
        return 1
    fields = texts(entry)
    tokens = {field: _WORD.findall(value) for field, value in fields.items()}
    total = 0
    for phrase in phrases:
        hits = [WEIGHTS[f] for f, value in fields.items() if phrase in value]
        if not hits:
            return 0
        total += max(hits) * 2
    for word in words:
        hits = [WEIGHTS[f] * (2 if word in toks else 1) for f, toks in tokens.items() if any(t.startswith(word) for t in toks)]
        if not hits:
            return 0
        total += max(hits)
    return total


def facet_values(entry: CatalogEntry, areas: list[Area]) -> dict[str, list[str]]:
    return {
        "area": areas_of(entry, areas),
        "theme": entry.themes,
        "publisher": [entry.publisher.name] if entry.publisher else [],
        "accessLevel": [entry.access_level],
        "format": list(entry.formats),
        "keyword": entry.keywords,
    }


def _passes(values: dict[str, list[str]], entry: CatalogEntry, query: SearchQuery) -> bool:
    wanted = {"theme": query.themes, "publisher": query.publishers, "accessLevel": query.access_levels,
              "format": query.formats, "keyword": query.keywords, "area": query.areas}  # fmt: skip
    for facet, chosen in wanted.items():
        if chosen and not set(chosen) & set(values[facet]):
            return False
    if query.bbox is not None:
        box = entry.bbox
        q = query.bbox
        if box is None or box[0] > q[2] or box[2] < q[0] or box[1] > q[3] or box[3] < q[1]:
            return False
    return True


def search(entries: list[CatalogEntry], query: SearchQuery, areas: list[Area] | None = None) -> SearchResult:
    values = {e.id: facet_values(e, areas or []) for e in entries}
    matched = [(s, e) for e in entries if _passes(values[e.id], e, query) and (s := score(e, query.text)) > 0]
    facets: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for _, entry in matched:
        for facet, found in values[entry.id].items():
            facets[facet].update(set(found))
    ordered = _ordered(matched, query)
    page = ordered[query.start : query.start + query.rows]
    return SearchResult(len(matched), page, {name: dict(counts.most_common()) for name, counts in facets.items()})


def _ordered(matched: list[tuple[int, CatalogEntry]], query: SearchQuery) -> list[CatalogEntry]:
    keys = {
        "relevance": lambda se: (-se[0], fold(se[1].title)),
        "title": lambda se: fold(se[1].title),
        "name": lambda se: se[1].name,
        "modified": lambda se: se[1].modified,
        "created": lambda se: se[1].created,
    }
    if query.sort not in keys:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    return [e for _, e in sorted(matched, key=keys[query.sort], reverse=query.descending)]
