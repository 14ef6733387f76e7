"""Catalog search without a database: words and phrases, accents, facets (OR within, AND
across), the area facet, and the named-areas file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shapely.geometry import box

from stadsdata.catalog.areas import Area, load_areas
from stadsdata.catalog.entries import CatalogEntry, Party, StreamSummary
from stadsdata.catalog.search import SearchQuery, fold, search

T = datetime(2026, 5, 1, tzinfo=UTC)
CITY = Party(1, "Gemeente Veenhaven", "organisation")
GARAGE = Party(2, "Parkeerbedrijf", "company")


def entry(id: int, name: str, title: str, *, themes: list[str], keywords: list[str] = (), publisher: Party = CITY,  # type: ignore[assignment]
          level: str = "public", at: tuple[float, float] | None = None) -> CatalogEntry:  # fmt: skip
    streams = ()
    if at is not None:
        location = {"type": "Point", "coordinates": list(at)}
        streams = (StreamSummary("Datastream", id, f"{name} stream", "", ("p",), ("u",), "t", 1, T, T, (*at, *at), location),)
    return CatalogEntry(id, name, title, "", level, publisher, publisher, T, T, {"themes": themes, "keywords": list(keywords)},
                        False, at is not None, False, False, streams, bbox=(*at, *at) if at else None, formats=("CSV",))  # fmt: skip


ENTRIES = [
    entry(1, "lucht", "Luchtkwaliteit", themes=["ENVI", "HEAL"], keywords=["fijnstof"], at=(6.09, 52.51)),
    entry(2, "parkeren", "Bezetting parkeergarages", themes=["TRAN"], publisher=GARAGE, level="restricted"),
    entry(3, "verkeer", "Tellingen zwaar verkeer", themes=["TRAN"], keywords=["vrachtverkeer"], at=(6.20, 52.60)),
    entry(4, "cafe", "Terrassen en cafés", themes=["ECON"]),
]


def names(query: SearchQuery, areas: list[Area] | None = None) -> list[str]:
    return [e.name for e in search(ENTRIES, query, areas).entries]


def test_words_match_beginnings_accents_aside_and_every_word_must_match() -> None:
    assert fold("Cafés ÉÉN") == "cafes een"
    assert names(SearchQuery("cafe")) == ["cafe"]
    assert names(SearchQuery("verkeer")) == ["verkeer"]
    assert names(SearchQuery("vracht")) == ["verkeer"]  # a keyword's beginning
    assert names(SearchQuery("tellingen parkeer")) == []
    assert names(SearchQuery("milieu")) == ["lucht"]  # the theme's label
    assert names(SearchQuery('"zwaar verkeer"')) == ["verkeer"] and names(SearchQuery('"verkeer zwaar"')) == []
    assert names(SearchQuery("lucht stream")) == ["lucht"]  # stream names of readable entries are searched


def test_title_hits_rank_above_other_hits() -> None:
    ranked = names(SearchQuery("tran"))  # 'TRAN' is a theme of two; neither has it in the title
    assert set(ranked) == {"parkeren", "verkeer"}
    assert names(SearchQuery("verkeer", themes=("TRAN",))) == ["verkeer"]


def test_facets_or_within_and_across_and_counts_of_the_matches() -> None:
    result = search(ENTRIES, SearchQuery(themes=("TRAN", "ECON")))
    assert {e.name for e in result.entries} == {"parkeren", "verkeer", "cafe"}
    assert result.facets["theme"] == {"TRAN": 2, "ECON": 1}
    assert result.facets["publisher"] == {"Gemeente Veenhaven": 2, "Parkeerbedrijf": 1}
    assert names(SearchQuery(themes=("TRAN",), publishers=("Parkeerbedrijf",))) == ["parkeren"]
    assert names(SearchQuery(access_levels=("restricted",))) == ["parkeren"]
    assert search(ENTRIES, SearchQuery(start=1, rows=2, sort="name")).count == 4
    assert names(SearchQuery(start=1, rows=2, sort="name")) == ["lucht", "parkeren"]


def test_the_area_facet_counts_entries_by_their_streams_locations() -> None:
    areas = [Area("Centrum", box(6.0, 52.4, 6.1, 52.55)), Area("Noord", box(6.15, 52.55, 6.25, 52.65))]
    result = search(ENTRIES, SearchQuery(), areas)
    assert result.facets["area"] == {"Centrum": 1, "Noord": 1}  # entries without locations are in no area
    assert names(SearchQuery(areas=("Noord",)), areas) == ["verkeer"]
    assert names(SearchQuery(bbox=(6.0, 52.4, 6.1, 52.55))) == ["lucht"]


def test_areas_file(tmp_path: Path) -> None:
    good = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Centrum"}, "geometry": {"type": "Polygon", "coordinates": [[[6, 52], [7, 52], [7, 53], [6, 52]]]}}]}  # fmt: skip
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(good))
    assert [a.name for a in load_areas(path)] == ["Centrum"]
    for bad, reason in (({"type": "Feature"}, "not a GeoJSON FeatureCollection"),
                        ({"features": [{"properties": {}, "geometry": good["features"][0]["geometry"]}]}, "no `name`"),
                        ({"features": [{"properties": {"name": "x"}, "geometry": {"type": "Blob"}}]}, "no valid geometry")):  # fmt: skip
        path.write_text(json.dumps(bad))
        with pytest.raises(ValueError, match=reason):
            load_areas(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_areas(tmp_path / "missing.geojson")
