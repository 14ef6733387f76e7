"""The catalog core on both backends (`stadsdata/catalog/`, `/api/v1/catalog`): the listing
rule (every dataset's metadata is listed unless unlisted or a resident's; what comes from the
data only for who may read it), search with facets, coverage, and the metadata owners keep.

The city is that of the access tests (tests/integration/access/test_dataset_access.py): public
air data, a garage company's restricted parking data granted to a waste company, the
municipality's non-public energy data, a resident's non-public home sensors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.access.test_dataset_access import MULTI, STREAMS, city  # noqa: F401 - a fixture

LISTED_TO_ALL = {"lucht", "parkeren", "intern"}  # the resident's 'woning' is listed to no one else
READABLE = {"anonymous": {"lucht"}, "afvalbedrijf": {"lucht", "parkeren"}, "gemeente": {"lucht", "intern"},
            "bewoner": {"lucht", "woning"}, "admin": {"lucht", "parkeren", "intern", "woning"}}  # fmt: skip


def catalog(client: Any, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/v1/catalog?limit=100{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in body["_embedded"]["datasets"]}


@pytest.mark.parametrize("caller", list(READABLE))
def test_every_dataset_is_listed_but_only_readable_data_is_described(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    entries = by_name(catalog(client, headers[caller]))
    assert set(entries) == LISTED_TO_ALL | READABLE[caller]
    for name, entry in entries.items():
        readable = name in READABLE[caller]
        assert entry["readable"] is readable
        streams = {n for n, (_, ds) in STREAMS.items() if ds == name} | ({MULTI[0]} if name == MULTI[2] else set())
        detail = client.get(f"/api/v1/catalog/{name}", headers=headers[caller]).json()
        if readable:
            assert {s["name"] for s in detail["streams"]} == streams
            assert entry["temporal"] == "2026-05-01T10:00:00Z/2026-05-01T10:00:00Z"
            assert entry["bbox"] == [6.09, 52.51, 6.09, 52.51]
        else:  # listed metadata only: no streams, counts or coverage
            assert detail["streams"] == [] and entry["bbox"] is None and entry["temporal"] is None
            assert entry["streamCount"] is None and entry["observationCount"] is None
        assert {d["format"] for d in detail["distributions"]} == {"CSV", "GeoJSON", "Parquet", "SensorThings API"}


def test_a_resident_is_named_to_no_one_else(city: Any) -> None:  # noqa: F811
    client, headers = city
    mine = client.get("/api/v1/catalog/woning", headers=headers["bewoner"]).json()
    assert mine["owner"]["name"] == "bewoner" and mine["personalData"] is True
    multi = next(s for s in mine["streams"] if s["entity"] == "MultiDatastream")  # its MultiDatastream is listed too
    assert multi["name"] == MULTI[0] and multi["thing"] == MULTI[1] and multi["units"] == ["°C", "%"]
    assert multi["observedProperties"] == ["binnen temperatuur", "binnen vocht"] and multi["observationCount"] == 1
    assert multi["location"] == {"type": "Point", "coordinates": [6.09, 52.51]}
    assert client.get("/api/v1/catalog/woning", headers=headers["buurman"]).status_code == 404
    assert client.get("/api/v1/catalog/woning", headers=headers["anonymous"]).status_code == 404


@pytest.mark.parametrize("caller", ["anonymous", "buurman", "gemeente"])
def test_search_by_a_hidden_streams_name_finds_nothing(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    for name, (_, dataset) in STREAMS.items():
        body = catalog(client, headers[caller], f"&q={name}")
        found = set(by_name(body))
        if dataset in READABLE.get(caller, {"lucht"}) or dataset is None:
            continue
        assert found == set(), (caller, name)
        assert body["count"] == 0 and all(not counts for counts in body["facets"].values())
    assert set(by_name(catalog(client, headers["afvalbedrijf"], "&q=vacant"))) == {"parkeren"}


def test_unlisted_datasets_are_shown_only_to_who_reads_or_manages_them(city: Any) -> None:  # noqa: F811
    client, headers = city
    admin = headers["admin"]
    intern = client.get("/api/v1/catalog/intern", headers=admin).json()["id"]
    response = client.patch(f"/api/v1/datasets/{intern}", json={"unlisted": True}, headers=admin)
    assert response.status_code == 200, response.text
    assert "intern" not in by_name(catalog(client, headers["anonymous"]))
    assert client.get("/api/v1/catalog/intern", headers=headers["buurman"]).status_code == 404
    assert client.get(f"/api/v1/datasets/{intern}", headers=headers["buurman"]).status_code == 404
    assert "intern" in by_name(catalog(client, headers["gemeente"]))


def test_metadata_is_kept_checked_and_searched(city: Any) -> None:  # noqa: F811
    client, headers = city
    admin = headers["admin"]
    lucht = client.get("/api/v1/catalog/lucht", headers=admin).json()["id"]
    change = {"metadata": {"themes": ["ENVI", "HEAL"], "keywords": ["fijnstof", "luchtkwaliteit"], "license": "CC-BY-4.0",
                           "accrualPeriodicity": "HOURLY", "titleEn": "Air quality", "contactPoint": {"name": "Team Lucht", "email": "lucht@veenhaven.nl"}}}  # fmt: skip
    assert client.patch(f"/api/v1/datasets/{lucht}", json=change, headers=admin).status_code == 200
    entry = client.get("/api/v1/catalog/lucht", headers=headers["anonymous"]).json()
    assert [t["code"] for t in entry["themes"]] == ["ENVI", "HEAL"]
    assert entry["license"]["uri"].startswith("http://creativecommons.org/licenses/by/4.0")
    assert entry["accrualPeriodicity"]["en"] == "hourly" and entry["titleEn"] == "Air quality"
    # a merge patch: the other members stay, null removes one
    assert client.patch(f"/api/v1/datasets/{lucht}", json={"metadata": {"license": None}}, headers=admin).status_code == 200
    entry = client.get("/api/v1/catalog/lucht", headers=admin).json()
    assert entry["keywords"] == ["fijnstof", "luchtkwaliteit"] and "publicdomain/zero" in entry["license"]["uri"]
    for bad, field in (({"themes": ["XYZ"]}, "metadata.themes"), ({"license": "mine"}, "metadata.license"),
                       ({"contactPoint": {"name": "x", "email": "not an address"}}, "metadata.contactPoint.email"),
                       ({"colour": "red"}, "metadata.colour")):  # fmt: skip
        response = client.patch(f"/api/v1/datasets/{lucht}", json={"metadata": bad}, headers=admin)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text
    # searched: by keyword beginning, by the English title, by theme label; faceted
    for q in ("fijn", "air quality", "milieu", '"team lucht"'):
        assert "lucht" in by_name(catalog(client, headers["anonymous"], f"&q={q}")), q
    body = catalog(client, headers["anonymous"], "&theme=ENVI")
    assert set(by_name(body)) == {"lucht"} and body["facets"]["theme"] == {"ENVI": 1, "HEAL": 1}
    assert body["facets"]["accessLevel"] == {"public": 1}


def test_coverage_area_filter_and_bad_parameters(city: Any) -> None:  # noqa: F811
    client, headers = city
    near = by_name(catalog(client, headers["afvalbedrijf"], "&bbox=6.0,52.4,6.2,52.6"))
    assert set(near) == {"lucht", "parkeren"}  # only coverage the caller may see is searched
    assert by_name(catalog(client, headers["afvalbedrijf"], "&bbox=4.0,51.0,4.1,51.1")) == {}
    for query, field in (("&bbox=1,2,3", "bbox"), ("&bbox=5,52,4,53", "bbox"), ("&sort=colour", "sort"), ("&limit=0", "limit")):
        response = client.get(f"/api/v1/catalog?{query[1:]}", headers=headers["anonymous"])
        assert response.status_code == 400, query
        assert field in response.text


def test_each_datastream_links_its_quality_report(city: Any) -> None:  # noqa: F811
    """The entry links every Datastream's data-quality report (computed there, on request, not in
    the catalog); the link answers who may read the stream, and no one else."""
    client, headers = city
    mine = client.get("/api/v1/catalog/woning", headers=headers["bewoner"]).json()
    streams = {s["name"]: s for s in mine["streams"]}
    assert "_links" not in streams[MULTI[0]]  # a MultiDatastream has no quality report
    href = streams["temperature"]["_links"]["quality"]["href"]
    assert href == f"http://testserver/api/v1/datastreams/{streams['temperature']['id']}/quality"
    path = href.removeprefix("http://testserver")
    report = client.get(path, headers=headers["bewoner"])
    assert report.status_code == 200, report.text
    assert report.json()["datastream"]["id"] == streams["temperature"]["id"] and set(report.json()["counts"]) >= {"gap", "out_of_range"}
    assert client.get(path, headers=headers["buurman"]).status_code == 404  # not the neighbour's to read
    listed = catalog(client, headers["bewoner"])["_embedded"]["datasets"]
    assert all("streams" not in e for e in listed)  # the search answers carry no streams, nor links to them
    lucht = client.get("/api/v1/catalog/lucht", headers=headers["anonymous"]).json()
    assert [s["_links"]["quality"]["href"].rsplit("/", 2)[1] for s in lucht["streams"]] == [str(s["id"]) for s in lucht["streams"]]
