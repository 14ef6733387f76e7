"""Conformance class 2, Filtering Extension / request-data (OGC 18-088 §9.3).

`$filter` (every operator, function and literal form, JSON paths, paths across relations,
spatial functions), `$expand` with nested options, `$select`, `$orderby`, `$top`/`$skip`/
`$count` with `@iot.nextLink` paging and the evaluation order of §9.3.1, and the 400
problem+json for every kind of bad option, including a seeded fuzz loop that must never
produce a 500 or touch the data.

The data is the `seed` city plus the `city` fixture below; every test asserts the exact ids
or values returned. Ids are predictable because each test starts from an empty database:

    Things         1 Air sensor Markt (owner gemeente, height 3)
                   2 Garage Centrum   (owner parkeerbedrijf, height 12.5, levels/below 2)
    Locations      1 point 5.10 52.09 (Thing 1)   2 point 5.12 52.10 (Thing 2)
                   3 square 5.0-5.2 x 52.0-52.2   4 road (5.0 52.0)-(5.3 52.3)
                   5 east block, touching the square   6 overlap, overlapping the square
                   7 far away point 4 51
    Datastreams    1 pm10 Markt, 2 temperature Markt (Thing 1); 3 vacant spaces,
                   4 misc Centrum (Thing 2)
    Observations   1-3 (DS 1) 12.5 20 31.25 at 2024-03-01 10/11/12h
                   4-5 (DS 2) 7.5 8 at 10/11h;  6-7 (DS 3) 140 'closed' at 10:00/10:05
                   8-13 (DS 4): see `city`
    Features       1, 2 (the Things' points), 3 park polygon 5.05-5.15 x 52.05-52.15
    HistoricalLocations 1, 2 (now, made with the Things), 3 (2023, Thing 1), 4 (2024, Thing 2)
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.sta.conftest import MEASUREMENT, assert_error_members, created_id

pytestmark = pytest.mark.conformance("request-data")

V = "/v1.1"
ROOT = "http://testserver/v1.1"
PROBLEM = "application/problem+json"

SQUARE_WKT = "POLYGON((5 52, 5.2 52, 5.2 52.2, 5 52.2, 5 52))"
SQUARE = f"geography'{SQUARE_WKT}'"
AROUND_MARKT = "geography'POLYGON((5.09 52.08, 5.11 52.08, 5.11 52.10, 5.09 52.10, 5.09 52.08))'"
AROUND_GARAGE = "geography'POLYGON((5.11 52.09, 5.13 52.09, 5.13 52.11, 5.11 52.11, 5.11 52.09))'"


# -- helpers -----------------------------------------------------------------------------------


def body(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{V}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(client: TestClient, path: str, **params: Any) -> list[int]:
    """The @iot.ids of a collection request (one page; the tests keep pages small)."""
    params.setdefault("$top", "1000")
    return [entity["@iot.id"] for entity in body(client, path, **params)["value"]]


def filtered(client: TestClient, path: str, expression: str, **params: Any) -> list[int]:
    return ids(client, path, **{"$filter": expression, **params})


def expect(client: TestClient, path: str, cases: list[tuple[str, list[int]]]) -> None:
    """Run every `$filter` of `cases` on `path`; report all that return other ids at once."""
    expect_each(client, [(path, expression, expected) for expression, expected in cases])


def expect_each(client: TestClient, cases: list[tuple[str, str, list[int]]]) -> None:
    wrong = {}
    for path, expression, expected in cases:
        got = filtered(client, path, expression)
        if got != expected:
            wrong[f"{path}?$filter={expression}"] = {"got": got, "expected": expected}
    assert not wrong, wrong


def problem(client: TestClient, path: str, params: dict[str, str], status: int = 400) -> dict[str, Any]:
    response = client.get(f"{V}/{path}", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    error = response.json()
    assert_error_members(error, status)
    return error


def post(client: TestClient, path: str, entity: dict[str, Any]) -> int:
    return created_id(client.post(f"{V}/{path}", json=entity))


def location(name: str, geometry: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "description": name, "encodingType": "application/geo+json", "location": geometry}


def ring(minx: float, miny: float, maxx: float, maxy: float) -> list[list[list[float]]]:
    return [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]


def bulk_observations(client: TestClient, datastream: int, results: list[Any], start_minute: int = 0) -> list[int]:
    """Create observations through CreateObservations (§14.4), one minute apart; their ids."""
    rows = [
        [f"2025-01-01T{(start_minute + i) // 60:02d}:{(start_minute + i) % 60:02d}:00Z", r]
        for i, r in enumerate(results)
    ]
    document = [{"Datastream": {"@iot.id": datastream}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    response = client.post(f"{V}/CreateObservations", json=document)
    assert response.status_code == 201, response.text
    links = response.json()
    assert len(links) == len(results)
    return [int(link.rsplit("(", 1)[1].rstrip(")")) for link in links]


def follow(client: TestClient, first: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every entity reached from `first` by following @iot.nextLink; also the links followed."""
    entities: list[dict[str, Any]] = []
    links: list[str] = []
    url: str | None = first
    while url is not None:
        assert len(links) < 100, "nextLink paging does not end"
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        entities += page["value"]
        url = page.get("@iot.nextLink")
        if url is not None:
            links.append(url)
    return entities, links


def query_of(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query, keep_blank_values=True).items()}


# -- the data ----------------------------------------------------------------------------------


@pytest.fixture
def city(client: TestClient, seed: dict[str, Any]) -> dict[str, Any]:
    """`seed` plus: distinct Thing properties, a Datastream with observations of every result
    type, times with offsets, fractions and intervals, parameters, geometries of every kind,
    and HistoricalLocations at known times."""
    garage = seed["things"][1]
    patched = client.patch(
        f"{V}/Things({garage})",
        json={"properties": {"owner": "parkeerbedrijf", "height": 12.5, "levels": {"below": 2}}},
    )
    assert patched.status_code == 200, patched.text
    misc = post(
        client,
        "Datastreams",
        {
            "name": "misc Centrum",
            "description": "odds and ends",
            "unitOfMeasurement": {"name": "none", "symbol": "-", "definition": "none"},
            "observationType": MEASUREMENT,
            "properties": {"kind": "misc", "floors": 4},
            "Thing": {"@iot.id": garage},
            "Sensor": {
                "name": "misc sensor",
                "description": "a sensor",
                "encodingType": "text/plain",
                "metadata": "none",
            },
            "ObservedProperty": {"name": "status", "definition": "https://example.org/status", "description": "status"},
            "Observations": [
                {
                    "phenomenonTime": "2024-03-02T08:30:15.250Z",
                    "resultTime": "2024-03-02T08:31:00Z",
                    "result": True,
                    "parameters": {"depth": 2, "method": "auto", "some-key": "x", "nested": {"level": 1}},
                },
                {
                    "phenomenonTime": "2024-03-02T09:45:00+02:00",
                    "resultTime": "2024-03-02T07:50:00Z",
                    "result": False,
                    "parameters": {"depth": 5, "method": "manual"},
                },
                {
                    "phenomenonTime": "2024-03-03T00:00:00Z/2024-03-04T00:00:00Z",
                    "result": None,
                    "parameters": {"depth": 10},
                },
                {"phenomenonTime": "2024-12-31T23:59:59Z", "result": "  Open  "},
                {"phenomenonTime": "2023-06-15T14:20:00Z", "result": -3.7},
                {"phenomenonTime": "2023-06-15T14:20:00Z", "result": {"a": 1, "b": "x"}},
            ],
        },
    )
    locations = [
        post(client, "Locations", location("square", {"type": "Polygon", "coordinates": ring(5.0, 52.0, 5.2, 52.2)})),
        post(client, "Locations", location("road", {"type": "LineString", "coordinates": [[5.0, 52.0], [5.3, 52.3]]})),
        post(
            client, "Locations", location("east block", {"type": "Polygon", "coordinates": ring(5.2, 52.0, 5.4, 52.2)})
        ),
        post(client, "Locations", location("overlap", {"type": "Polygon", "coordinates": ring(5.1, 52.1, 5.3, 52.3)})),
        post(client, "Locations", location("far away", {"type": "Point", "coordinates": [4.0, 51.0]})),
    ]
    park = post(
        client,
        "FeaturesOfInterest",
        {
            "name": "park",
            "description": "a park",
            "encodingType": "application/geo+json",
            "feature": {"type": "Polygon", "coordinates": ring(5.05, 52.05, 5.15, 52.15)},
        },
    )
    history = [
        post(
            client,
            "HistoricalLocations",
            {"time": "2023-05-01T08:00:00+02:00", "Thing": {"@iot.id": 1}, "Locations": [{"@iot.id": 1}]},
        ),
        post(
            client,
            "HistoricalLocations",
            {"time": "2024-02-29T23:30:00-01:00", "Thing": {"@iot.id": 2}, "Locations": [{"@iot.id": 2}]},
        ),
    ]
    observations = ids(client, "Observations", **{"$orderby": "id"})
    # The layout the module docstring describes (and every test relies on).
    assert seed["things"] == [1, 2] and seed["datastreams"] == [1, 2, 3]
    assert (misc, locations, park, history, observations) == (4, [3, 4, 5, 6, 7], 3, [3, 4], list(range(1, 14)))
    return {"misc": misc}


# -- comparison, logical and arithmetic operators ------------------------------------------


def test_comparison_operators(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("result eq 20", [2]),
        ("result eq 20.0", [2]),
        ("result ne 20 and Datastream/id eq 1", [1, 3]),
        ("result gt 20", [3, 6]),
        ("result ge 20", [2, 3, 6]),
        ("result lt 8", [4, 12]),
        ("result le 8", [4, 5, 12]),
        ("result eq -3.7", [12]),
        ("20 lt result", [3, 6]),  # literal on the left
        ("id le 3", [1, 2, 3]),
        ("@iot.id ge 12", [12, 13]),
        ("result EQ 20", [2]),  # operators are case-insensitive
    ]
    expect(client, "Observations", cases)


def test_logical_operators(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("result gt 10 and result lt 30", [1, 2]),
        ("result lt 8 or result gt 100", [4, 6, 12]),
        ("not (result gt 10)", [4, 5, 7, 8, 9, 10, 11, 12, 13]),
        ("not not (result eq 20)", [2]),
        ("not (result gt 10 and result lt 30) and Datastream/id eq 1", [3]),
        ("(result eq 12.5 or result eq 20) and not (result eq 20)", [1]),
        ("result eq 7.5 or result eq 8 or result eq 140", [4, 5, 6]),
        ("true", list(range(1, 14))),
        ("false", []),
        ("not true", []),
        ("result eq 20 and true", [2]),
        ("result eq 20 or false", [2]),
    ]
    expect(client, "Observations", cases)


def test_arithmetic_operators(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("result add 1 eq 21", [2]),
        ("result sub 1 eq 19", [2]),
        ("result mul 2 eq 40", [2]),
        ("result div 2 eq 10", [2]),
        ("result div 4 eq 5", [2]),
        ("result div 8 eq 1", [5]),
        ("result mod 3 eq 2", [2, 5, 6]),  # 20, 8, 140
        ("result mod 2 eq 0", [2, 5, 6]),  # 12.5 mod 2 is 0.5, not 0
        ("result mod 2.5 eq 0", [1, 2, 4, 6]),  # 12.5, 20, 7.5, 140
        ("result mod 2 lt -1.6 and result mod 2 gt -1.8", [12]),  # -3.7 mod 2 is -1.7
        ("-result eq -20", [2]),
        ("-result lt -100", [6]),
        ("- result eq -20", [2]),
        ("-(result) eq -20", [2]),
        ("result eq -(-20)", [2]),
        ("3 sub -result eq 23", [2]),
        ("-parameters/depth eq -5", [9]),
        ("result sub -3.7 eq 0", [12]),
        ("result add result eq 40", [2]),
        ("result div 0 eq 1", []),  # division by zero: no match, not an error
        ("5 mod 3 eq 2", list(range(1, 14))),
        ("7 sub 2 mul 3 eq 1", list(range(1, 14))),
    ]
    expect(client, "Observations", cases)


def test_precedence_and_parentheses(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        # mul before add: 20 + 2*3 = 26 (and 140+6 is not)
        ("result add 2 mul 3 eq 26", [2]),
        ("(result add 2) mul 3 eq 66", [2]),
        ("result sub 2 sub 3 eq 15", [2]),  # left associative: (20-2)-3
        ("result sub (2 sub 3) eq 21", [2]),
        ("result div 2 div 2 eq 5", [2]),  # (20/2)/2
        ("result div (2 div 2) eq 20", [2]),
        # add before comparison, comparison before and, and before or
        ("result add 1 gt 21 and result lt 32", [3]),
        ("result eq 12.5 or result eq 20 and result eq 31.25", [1]),
        ("(result eq 12.5 or result eq 20) and result eq 31.25", []),
        ("result eq 12.5 or (result eq 20 and result eq 31.25)", [1]),
        ("result gt 100 or result lt 0 and result gt -100", [6, 12]),
        ("((result eq 20))", [2]),
        # relational before equality: (result gt 10) eq true
        ("result gt 10 eq true", [1, 2, 3, 6]),
        ("result eq 20 ne true", [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
        ("not (result eq 20) and not (result ne 12.5)", [1]),
    ]
    expect(client, "Observations", cases)


# -- string functions ----------------------------------------------------------------------


def test_string_functions(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("Things", "substringof('Markt', name)", [1]),
        ("Things", "substringof('markt', name)", []),  # case-sensitive
        ("Things", "substringof('sensor', description)", [1]),
        ("Things", "contains(name, 'Centrum')", [2]),
        ("Things", "contains(name, 'e')", [1, 2]),
        ("Things", "startswith(name, 'Air')", [1]),
        ("Things", "startswith(name, 'Centrum')", []),
        ("Things", "endswith(name, 'Centrum')", [2]),
        ("Things", "endswith(name, 'Garage')", []),
        ("Things", "length(name) eq 16", [1]),
        ("Things", "length(name) eq 14", [2]),
        ("Things", "indexof(name, 'sensor') eq 4", [1]),
        ("Things", "indexof(name, 'Garage') eq 0", [2]),
        ("Things", "indexof(name, 'zzz') eq -1", [1, 2]),
        ("Things", "substring(name, 4) eq 'sensor Markt'", [1]),
        ("Things", "substring(name, 0, 3) eq 'Air'", [1]),
        ("Things", "substring(name, 7, 6) eq 'Centru'", [2]),
        ("Things", "tolower(name) eq 'garage centrum'", [2]),
        ("Things", "toupper(name) eq 'AIR SENSOR MARKT'", [1]),
        ("Things", "trim(name) eq 'Garage Centrum'", [2]),
        ("Things", "concat(name, '!') eq 'Garage Centrum!'", [2]),
        ("Things", "concat(concat(name, ' - '), description) eq 'Garage Centrum - Garage Centrum in the city'", [2]),
        ("Things", "length(concat(name, name)) eq 32", [1]),
        ("Things", "toupper(substring(name, 0, 1)) eq 'G'", [2]),
        ("Things", "startswith(tolower(name), 'air') and endswith(name, 'Markt')", [1]),
        # on results: strings only
        ("Observations", "trim(result) eq 'Open'", [11]),
        ("Observations", "length(result) eq 8", [11]),
        ("Observations", "tolower(result) eq 'closed'", [7]),
        ("Observations", "toupper(result) eq '  OPEN  '", [11]),
        ("Observations", "substringof('los', result)", [7]),
        ("Observations", "contains(result, 'pen')", [11]),
        ("Observations", "startswith(result, 'cl')", [7]),
        ("Observations", "endswith(result, 'ed')", [7]),
        ("Observations", "indexof(result, 'O') eq 2", [11]),
        ("Observations", "concat(result, 'x') eq 'closedx'", [7]),
        ("Observations", "substring(result, 2) eq 'Open  '", [11]),
        ("Observations", "substring(result, 2, 4) eq 'Open'", [11]),
        # across a relation and inside JSON
        ("Datastreams", "startswith(Thing/name, 'Garage')", [3, 4]),
        ("Datastreams", "endswith(unitOfMeasurement/symbol, 'm3')", [1]),
        ("Things", "contains(properties/owner, 'parkeer')", [2]),
        # quotes inside string literals are doubled
        ("Things", "name eq 'O''Brien' or substringof('''', name)", []),
    ]
    expect_each(client, cases)


def test_string_literal_with_quote_matches(client: TestClient, city: dict[str, Any]) -> None:
    thing = post(client, "Things", {"name": "O'Brien's shed", "description": "with quotes"})
    assert filtered(client, "Things", "name eq 'O''Brien''s shed'") == [thing]
    assert filtered(client, "Things", "substringof('''', name)") == [thing]
    assert filtered(client, "Things", "indexof(name, '''') eq 1") == [thing]


# -- date and time -------------------------------------------------------------------------


def test_date_time_functions(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("year(phenomenonTime) eq 2023", [12, 13]),
        ("year(phenomenonTime) eq 2024 and month(phenomenonTime) eq 12", [11]),
        ("month(phenomenonTime) eq 6", [12, 13]),
        ("day(phenomenonTime) eq 2", [8, 9]),
        ("day(phenomenonTime) eq 3", [10]),  # an interval: its start
        ("hour(phenomenonTime) eq 7", [9]),  # 09:45+02:00 is 07:45 UTC
        ("hour(phenomenonTime) eq 12", [3]),
        ("minute(phenomenonTime) eq 30", [8]),
        ("minute(phenomenonTime) eq 5", [7]),
        ("second(phenomenonTime) eq 15", [8]),
        ("second(phenomenonTime) eq 59", [11]),
        ("fractionalseconds(phenomenonTime) eq 0.25", [8]),
        ("fractionalseconds(phenomenonTime) gt 0", [8]),
        ("date(phenomenonTime) eq 2024-03-02", [8, 9]),
        ("date(phenomenonTime) gt 2024-03-01 and date(phenomenonTime) lt 2024-12-31", [8, 9, 10]),
        ("time(phenomenonTime) eq 07:45:00", [9]),
        ("time(phenomenonTime) eq 07:45", [9]),
        ("time(phenomenonTime) lt 08:00:00", [9, 10]),
        ("time(phenomenonTime) eq 14:20:00", [12, 13]),
        ("totaloffsetminutes(phenomenonTime) eq 0 and Datastream/id eq 4", [8, 9, 10, 11, 12, 13]),
        ("year(resultTime) eq 2024", [8, 9]),
        ("hour(resultTime) eq 8", [8]),
        ("minute(resultTime) eq 50", [9]),
        ("second(resultTime) eq 0", [8, 9]),
        ("date(resultTime) eq date(phenomenonTime)", [8, 9]),
        ("day(phenomenonTime) eq month(phenomenonTime) sub 1", [8, 9]),  # 2 March
    ]
    expect(client, "Observations", cases)


def test_historical_location_time(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("year(time) eq 2023", [3]),
        ("year(time) eq 2023 and month(time) eq 5 and day(time) eq 1 and hour(time) eq 6", [3]),  # 08:00+02:00
        ("date(time) eq 2024-03-01", [4]),  # 2024-02-29T23:30-01:00 is 1 March 00:30 UTC
        ("time(time) eq 00:30:00", [4]),
        ("month(time) eq 2", []),
        ("time lt 2024-03-01T00:30:00Z", [3]),
        ("time eq 2024-03-01T00:30:00Z", [4]),
        ("time lt now()", [1, 2, 3, 4]),
        ("time gt now()", []),
        ("time ge now() sub duration'PT1H'", [1, 2]),  # the two made with the Things, just now
        ("time gt mindatetime() and time lt maxdatetime()", [1, 2, 3, 4]),
        ("Thing/name eq 'Garage Centrum' and year(time) le 2024", [4]),
        ("Locations/name eq 'Air sensor Markt location'", [1, 3]),
        ("totaloffsetminutes(time) eq 0", [1, 2, 3, 4]),  # times are kept in UTC
        ("fractionalseconds(time) eq 0", [3, 4]),
    ]
    expect(client, "HistoricalLocations", cases)


def test_datetime_literals_with_offsets(client: TestClient, city: dict[str, Any]) -> None:
    """Observation 9 was made at 2024-03-02T09:45:00+02:00; every spelling of that instant finds it."""
    literals = [
        "2024-03-02T07:45:00Z",
        "2024-03-02T07:45:00z",
        "2024-03-02t07:45:00Z",
        "2024-03-02T07:45Z",
        "2024-03-02T07:45:00",  # no offset: UTC
        "2024-03-02T07:45:00.000Z",
        "2024-03-02T09:45:00+02:00",
        "2024-03-02T02:45:00-05:00",
        "2024-03-02T13:15:00+05:30",
        "2024-03-01T23:45:00-08:00",
    ]
    expect(client, "Observations", [(f"phenomenonTime eq {literal}", [9]) for literal in literals])


def test_time_comparisons(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("phenomenonTime eq 2024-03-02T08:30:15.250Z", [8]),
        ("phenomenonTime eq 2024-03-02T08:30:15.25Z", [8]),
        ("phenomenonTime eq 2024-03-02T10:30:15.25+02:00", [8]),
        ("phenomenonTime eq 2024-03-02T08:30:15Z", []),
        ("phenomenonTime gt 2024-03-02T10:00:00+02:00", [8, 10, 11]),
        ("resultTime eq 2024-03-02T10:31:00+02:00", [8]),
        ("resultTime gt 2024-03-02T08:00:00+01:00", [8, 9]),  # 07:00 UTC: 07:50 and 08:31
        ("phenomenonTime lt 2023-12-31T23:00:00-01:00", [12, 13]),
        ("phenomenonTime ge 2024-12-31T23:59:59Z", [11]),
        # an interval compares by its bounds: gt/ge look at the start, lt/le at the end
        ("phenomenonTime ge 2024-03-03T00:00:00Z and phenomenonTime lt 2024-06-01T00:00:00Z", [10]),
        ("phenomenonTime gt 2024-03-03T00:00:00Z and phenomenonTime lt 2024-06-01T00:00:00Z", []),
        ("phenomenonTime le 2024-03-04T00:00:00Z and phenomenonTime gt 2024-03-02T08:30:16Z", [10]),
        ("phenomenonTime lt 2024-03-04T00:00:00Z and phenomenonTime gt 2024-03-02T08:30:16Z", []),
        ("phenomenonTime eq 2024-03-03T00:00:00Z", []),
    ]
    expect(client, "Observations", cases)


def test_duration_arithmetic(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("phenomenonTime sub duration'PT1H' gt 2024-03-01T10:30:00Z and phenomenonTime lt 2024-03-01T23:00:00Z", [3]),
        (
            "phenomenonTime sub duration'PT1H' ge 2024-03-01T10:00:00Z and phenomenonTime lt 2024-03-01T23:00:00Z",
            [2, 3, 5],
        ),
        ("phenomenonTime add duration'P1D' eq 2024-03-02T10:00:00Z", [1, 4, 6]),
        ("phenomenonTime add duration'P1DT2H' eq 2024-03-02T12:00:00Z", [1, 4, 6]),
        ("phenomenonTime add duration'PT5M' eq 2024-03-01T10:10:00Z", [7]),
        ("phenomenonTime add duration'-P1D' eq 2024-02-29T10:00:00Z", [1, 4, 6]),  # a leap day
        ("phenomenonTime sub duration'PT0.25S' eq 2024-03-02T08:30:15Z", [8]),
        ("duration'PT1H' add phenomenonTime eq 2024-03-01T13:00:00Z", [3]),
        ("resultTime sub phenomenonTime eq duration'PT44.75S'", [8]),
        ("resultTime sub phenomenonTime eq duration'PT5M'", [9]),
        ("resultTime sub phenomenonTime gt duration'PT1M'", [9]),
        ("resultTime gt phenomenonTime", [8, 9]),
        ("resultTime sub duration'PT5M' eq phenomenonTime", [9]),
        ("phenomenonTime sub phenomenonTime eq duration'PT0S' and Datastream/id eq 3", [6, 7]),
    ]
    expect(client, "Observations", cases)


def test_now_mindatetime_maxdatetime(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("phenomenonTime lt now()", list(range(1, 14))),
        ("phenomenonTime gt now()", []),
        ("resultTime lt now()", [8, 9]),
        ("phenomenonTime gt mindatetime()", list(range(1, 14))),
        ("phenomenonTime lt maxdatetime()", list(range(1, 14))),
        ("mindatetime() lt maxdatetime()", list(range(1, 14))),
        ("year(maxdatetime()) eq 9999 and year(mindatetime()) eq 1", list(range(1, 14))),
        ("now() gt 2024-12-31T23:59:59Z and result eq 20", [2]),
    ]
    expect(client, "Observations", cases)


def test_math_functions(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("round(result) eq 13", [1]),
        ("round(result) eq 31", [3]),
        ("round(result) eq 8", [4, 5]),  # 7.5 rounds away from zero
        ("round(result) eq -4", [12]),
        ("floor(result) eq 12", [1]),
        ("floor(result) eq 7", [4]),
        ("floor(result) eq -4", [12]),
        ("ceiling(result) eq 13", [1]),
        ("ceiling(result) eq 8", [4, 5]),
        ("ceiling(result) eq -3", [12]),
        ("floor(result) eq result and Datastream/id le 3", [2, 5, 6]),
        ("ceiling(result div 3) eq 7", [2]),  # 20/3 = 6.67
        ("round(parameters/depth div 4) eq 3", [10]),  # 2.5 -> 3
        ("floor(2.7) eq 2 and ceiling(2.1) eq 3 and round(2.5) eq 3 and result eq 20", [2]),
    ]
    expect(client, "Observations", cases)


# -- result and JSON properties ------------------------------------------------------------


def test_result_comparisons(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("result eq 'closed'", [7]),
        ("result eq '  Open  '", [11]),
        ("result eq '20'", []),  # text is not a number
        ("result eq 'true'", []),
        ("result gt 'b'", [7]),  # text comparison: 'closed' > 'b' > '  Open  '
        ("result ne 'closed'", [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]),
        ("result eq true", [8]),
        ("result eq false", [9]),
        ("result ne true", [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13]),
        ("result eq null", [10]),
        ("null eq result", [10]),
        ("result ne null", [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13]),
        # ne is the negation of eq: a result of another type (or null) is not equal
        ("result ne 20", [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
        ("not (result eq 20)", [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
        ("result gt 0", [1, 2, 3, 4, 5, 6]),  # numbers only
        ("result/a eq 1", [13]),
        ("result/b eq 'x'", [13]),
        ("result/a ne null", [13]),
        ("result eq result", [1, 2, 3, 4, 5, 6, 12]),  # numbers equal themselves
    ]
    expect(client, "Observations", cases)


def test_json_paths(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("Things", "properties/owner eq 'gemeente'", [1]),
        ("Things", "properties/owner ne 'gemeente'", [2]),
        ("Things", "properties/height eq 3", [1]),
        ("Things", "properties/height gt 10", [2]),
        ("Things", "properties/height add 0.5 eq 13", [2]),
        ("Things", "properties/levels/below eq 2", [2]),
        ("Things", "properties/missing eq null", [1, 2]),
        ("Things", "properties/levels/below eq null", [1]),
        ("Things", "properties/levels/below ne null", [2]),
        ("Things", "properties/height lt properties/levels/below", []),
        ("Things", "properties/height gt properties/levels/below", [2]),
        ("Observations", "parameters/depth eq 2", [8]),
        ("Observations", "parameters/depth gt 2", [9, 10]),
        ("Observations", "parameters/depth ne 2", [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13]),
        ("Observations", "parameters/method eq 'manual'", [9]),
        ("Observations", "parameters/some-key eq 'x'", [8]),
        ("Observations", "parameters/nested/level eq 1", [8]),
        ("Observations", "parameters/depth add 1 eq 6", [9]),
        ("Observations", "parameters/depth eq null", [1, 2, 3, 4, 5, 6, 7, 11, 12, 13]),
        ("Observations", "parameters eq null", [1, 2, 3, 4, 5, 6, 7, 11, 12, 13]),
        ("Observations", "parameters/method eq 'auto' or parameters/depth ge 10", [8, 10]),
        ("Observations", "not (parameters/depth gt 2)", [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13]),
        ("Datastreams", "unitOfMeasurement/symbol eq 'ug/m3'", [1]),
        ("Datastreams", "unitOfMeasurement/symbol eq 'degC'", [2]),
        ("Datastreams", "unitOfMeasurement/symbol eq '1'", [3]),
        ("Datastreams", "unitOfMeasurement/name eq 'count'", [3]),
        ("Datastreams", "properties/kind eq 'misc'", [4]),
        ("Datastreams", "properties/floors ge 4", [4]),
    ]
    expect_each(client, cases)


def test_json_path_queries_do_not_share_compiled_sql(client: TestClient, city: dict[str, Any]) -> None:
    """The same statement shape with another JSON key, date part or spatial function must not
    reuse SQL compiled for the first (a statement cache keyed without them gave wrong rows)."""
    for _ in range(2):
        assert filtered(client, "Observations", "parameters/depth eq 2") == [8]
        assert filtered(client, "Observations", "parameters/method eq 'auto'") == [8]
        assert filtered(client, "Observations", "parameters/depth eq 5") == [9]
        assert filtered(client, "Observations", "year(phenomenonTime) eq 2023") == [12, 13]
        assert filtered(client, "Observations", "month(phenomenonTime) eq 12") == [11]
        assert filtered(client, "Observations", "day(phenomenonTime) eq 15") == [12, 13]
        assert filtered(client, "Locations", f"st_within(location, {SQUARE})") == [1, 2, 3]
        assert filtered(client, "Locations", f"st_disjoint(location, {SQUARE})") == [7]


# -- paths across relations ----------------------------------------------------------------


def test_paths_across_relations(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("Observations", "Datastream/name eq 'pm10 Markt'", [1, 2, 3]),
        ("Observations", "Datastream/Thing/name eq 'Garage Centrum'", [6, 7, 8, 9, 10, 11, 12, 13]),
        ("Observations", "Datastream/Thing/properties/owner eq 'gemeente'", [1, 2, 3, 4, 5]),
        ("Observations", "Datastream/unitOfMeasurement/symbol eq 'degC'", [4, 5]),
        ("Observations", "Datastream/ObservedProperty/name eq 'vacancy'", [6, 7]),
        ("Observations", "Datastream/Thing/Locations/name eq 'Air sensor Markt location'", [1, 2, 3, 4, 5]),
        (
            "Observations",
            f"geo.intersects(Datastream/Thing/Locations/location, {AROUND_GARAGE})",
            [6, 7, 8, 9, 10, 11, 12, 13],
        ),
        ("Observations", "FeatureOfInterest/name eq 'Garage Centrum location'", [6, 7, 8, 9, 10, 11, 12, 13]),
        ("Observations", "Datastream/@iot.id eq 2", [4, 5]),
        ("Observations", "Datastream/Thing/id eq 1 and result gt 10", [1, 2, 3]),
        ("Observations", "Datastream/Thing/Datastreams/name eq 'vacant spaces' and result eq true", [8]),
        ("Things", "Datastreams/name eq 'vacant spaces'", [2]),
        ("Things", "Datastreams/Observations/result eq 'closed'", [2]),
        ("Things", "Datastreams/Observations/result gt 100", [2]),
        # each condition on a path is its own "some ...": Thing 2 has 140 > 10 and -3.7 < 13
        ("Things", "Datastreams/Observations/result gt 10 and Datastreams/Observations/result lt 13", [1, 2]),
        ("Things", "Datastreams/ObservedProperty/name eq 'pm10'", [1]),
        ("Things", "Datastreams/unitOfMeasurement/symbol eq 'degC'", [1]),
        ("Things", "startswith(Datastreams/name, 'temp')", [1]),
        ("Things", "Locations/name eq 'Garage Centrum location'", [2]),
        ("Things", "HistoricalLocations/time lt 2024-01-01T00:00:00Z", [1]),
        ("Things", "not (Datastreams/name eq 'pm10 Markt')", [2]),  # no Datastream of Thing 2 has that name
        ("Things", "Datastreams/name ne 'pm10 Markt'", [1, 2]),  # some Datastream of each has another name
        ("Datastreams", "Thing/name eq 'Garage Centrum'", [3, 4]),
        ("Datastreams", "ObservedProperty/name eq 'temperature'", [2]),
        ("Datastreams", "Observations/result eq true", [4]),
        ("Datastreams", "Sensor/name eq 'misc sensor'", [4]),
        ("Datastreams", "Thing/Locations/name eq 'Garage Centrum location'", [3, 4]),
        ("ObservedProperties", "Datastreams/Thing/name eq 'Air sensor Markt'", [1, 2]),
        ("Locations", "Things/name eq 'Garage Centrum'", [2]),
        ("Locations", "HistoricalLocations/time lt 2024-01-01T00:00:00Z", [1]),
        ("FeaturesOfInterest", "Observations/result eq 31.25", [1]),
        ("Sensors", "Datastreams/Observations/result eq 'closed'", [3]),
        ("HistoricalLocations", "Thing/Datastreams/Observations/result eq 'closed'", [2, 4]),
        ("Datastreams", "Thing/Datastreams/Observations/result eq 'closed'", [3, 4]),
        ("Locations", "Things/Datastreams/Observations/result gt 30", [1, 2]),
    ]
    expect_each(client, cases)


def test_filter_on_a_navigated_collection(client: TestClient, city: dict[str, Any]) -> None:
    assert filtered(client, "Things(1)/Datastreams", "Observations/result gt 30") == [1]
    assert filtered(client, "Datastreams(1)/Observations", "result gt 15") == [2, 3]
    assert filtered(client, "Datastreams(4)/Observations", "result eq null or result eq true") == [8, 10]
    assert filtered(client, "Things(2)/Locations", "name eq 'Air sensor Markt location'") == []


# -- spatial -------------------------------------------------------------------------------


def test_spatial_predicates_on_locations(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        (f"st_equals(location, {SQUARE})", [3]),
        (f"st_disjoint(location, {SQUARE})", [7]),
        (f"st_touches(location, {SQUARE})", [5]),
        (f"st_within(location, {SQUARE})", [1, 2, 3]),
        (f"st_overlaps(location, {SQUARE})", [6]),
        (f"st_crosses(location, {SQUARE})", [4]),
        (f"st_intersects(location, {SQUARE})", [1, 2, 3, 4, 5, 6]),
        (f"st_contains(location, {SQUARE})", [3]),
        (f"st_contains({SQUARE}, location)", [1, 2, 3]),
        (f"st_within({SQUARE}, location)", [3]),
        ("st_contains(location, geography'POINT(5.15 52.05)')", [3]),
        ("st_within(geography'POINT(5.12 52.10)', location)", [2, 3]),
        (f"st_relate(location, {SQUARE}, 'T********')", [1, 2, 3, 4, 6]),  # interiors meet
        (f"st_relate(location, {SQUARE}, 'FF*FF****')", [7]),  # disjoint
        (f"st_relate(location, {SQUARE}, 'F***T****')", [5]),  # only boundaries meet
        (f"st_relate(location, {SQUARE}, 't********')", [1, 2, 3, 4, 6]),
        (f"geo.intersects(location, {SQUARE})", [1, 2, 3, 4, 5, 6]),
        ("geo.intersects(location, geography'POINT(5.1 52.09)')", [1, 3]),
        ("geo.intersects(location, geography'SRID=4326;POINT(5.1 52.09)')", [1, 3]),
        ("geo.intersects(location, geometry'POINT(5.1 52.09)')", [1, 3]),
        ("geo.intersects(location, geography'LINESTRING(5.0 52.3, 5.3 52.0)')", [3, 4, 5, 6]),
        ("geo.intersects(location, geography'MULTIPOINT((4 51), (5.12 52.10))')", [2, 3, 6, 7]),
        ("not geo.intersects(location, geography'POINT(5.1 52.09)')", [2, 4, 5, 6, 7]),
        (f"st_within(location, {SQUARE}) and name eq 'square'", [3]),
        (f"st_touches(location, {SQUARE}) or st_crosses(location, {SQUARE})", [4, 5]),
    ]
    expect(client, "Locations", cases)


def test_geo_distance_and_length(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("geo.distance(location, geography'POINT(5.1 52.09)') lt 0.001", [1, 3]),  # inside the square: 0
        ("geo.distance(location, geography'POINT(5.1 52.09)') eq 0", [1, 3]),
        ("geo.distance(location, geography'POINT(4 51)') eq 0", [7]),
        ("geo.distance(location, geography'POINT(4 51)') gt 1.4", [1, 2, 3, 4, 5, 6]),
        ("geo.distance(location, geography'POINT(5.5 52.1)') le 0.1", [5]),
        ("geo.length(location) gt 0.42 and geo.length(location) lt 0.43", [4]),  # 0.3 * sqrt(2)
        ("geo.length(location) eq 0", [1, 2, 3, 5, 6, 7]),  # points and polygons
        ("geo.length(geography'LINESTRING(0 0, 3 4)') eq 5 and name eq 'road'", [4]),
    ]
    expect(client, "Locations", cases)


def test_order_by_distance(client: TestClient, city: dict[str, Any]) -> None:
    nearest_first = ids(client, "Locations", **{"$orderby": "geo.distance(location, geography'POINT(4 51)')"})
    assert nearest_first == [7, 3, 4, 1, 6, 5, 2]
    assert (
        ids(client, "Locations", **{"$orderby": "geo.distance(location, geography'POINT(4 51)') desc"})
        == nearest_first[::-1]
    )


def test_spatial_on_features_of_interest(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        (f"st_within(feature, {SQUARE})", [1, 2, 3]),
        ("st_contains(feature, geography'POINT(5.1 52.09)')", [1, 3]),
        ("st_overlaps(feature, geography'POLYGON((5.1 52.1, 5.3 52.1, 5.3 52.3, 5.1 52.3, 5.1 52.1))')", [3]),
        ("st_equals(feature, geography'POINT(5.12 52.1)')", [2]),
        ("st_disjoint(feature, geography'POINT(5.12 52.1)')", [1]),
        ("st_touches(feature, geography'LINESTRING(5.15 52.0, 5.15 52.2)')", [3]),
        ("st_crosses(geography'LINESTRING(5.0 52.1, 5.2 52.1)', feature)", [3]),
        ("st_intersects(feature, geography'POINT(5.12 52.1)')", [2, 3]),
        ("st_relate(feature, geography'POINT(5.12 52.1)', 'T*F**FFF*')", [2]),  # equal
        ("geo.intersects(feature, geography'POINT(5.12 52.1)')", [2, 3]),
        ("geo.distance(feature, geography'POINT(5.1 52.09)') eq 0", [1, 3]),
        ("geo.length(feature) eq 0", [1, 2, 3]),
    ]
    expect(client, "FeaturesOfInterest", cases)


def test_spatial_through_relations(client: TestClient, city: dict[str, Any]) -> None:
    assert filtered(client, "Things", f"st_within(Locations/location, {AROUND_GARAGE})") == [2]
    assert filtered(client, "Things", "geo.distance(Locations/location, geography'POINT(5.1 52.09)') lt 0.01") == [1]
    assert filtered(client, "Observations", f"geo.intersects(FeatureOfInterest/feature, {AROUND_MARKT})") == [
        1,
        2,
        3,
        4,
        5,
    ]
    assert filtered(client, "Datastreams", f"st_within(Thing/Locations/location, {AROUND_MARKT})") == [1, 2]
    assert filtered(client, "FeaturesOfInterest", f"st_intersects(feature, {AROUND_MARKT})") == [1, 3]
    assert filtered(client, "HistoricalLocations", f"st_intersects(Locations/location, {AROUND_GARAGE})") == [2, 4]


# -- $expand -------------------------------------------------------------------------------


def test_expand_with_nested_options(client: TestClient, city: dict[str, Any]) -> None:
    expand = (
        "Datastreams($select=name;$orderby=name desc;$top=1;$skip=1;$count=true;"
        "$expand=Observations($select=id,result;$orderby=result desc;$top=2;$filter=result gt 10))"
    )
    things = body(client, "Things", **{"$select": "id", "$orderby": "id", "$expand": expand})["value"]
    assert [t["@iot.id"] for t in things] == [1, 2]
    air, garage = things
    # Thing 1's Datastreams by name desc: temperature, pm10; skip 1 -> pm10; count ignores top/skip
    assert air["Datastreams@iot.count"] == 2
    assert [d["name"] for d in air["Datastreams"]] == ["pm10 Markt"]
    assert "Datastreams@iot.nextLink" not in air
    (pm10,) = air["Datastreams"]
    assert set(pm10) == {"name", "Observations", "Observations@iot.nextLink"}
    assert pm10["Observations"] == [
        {"@iot.selfLink": f"{ROOT}/Observations(3)", "@iot.id": 3, "result": 31.25},
        {"@iot.selfLink": f"{ROOT}/Observations(2)", "@iot.id": 2, "result": 20},
    ]
    # Thing 2: vacant spaces, misc Centrum -> skip 1 -> misc Centrum, no result gt 10 there
    assert garage["Datastreams@iot.count"] == 2
    assert garage["Datastreams"] == [{"name": "misc Centrum", "Observations": []}]


def test_expand_path_with_options_on_the_last_segment(client: TestClient, city: dict[str, Any]) -> None:
    expand = "Datastreams/Observations($filter=result gt 10;$orderby=result desc;$top=1;$count=true;$select=result)"
    things = body(client, "Things", **{"$select": "id", "$orderby": "id", "$expand": expand})["value"]
    air = things[0]
    assert [d["@iot.id"] for d in air["Datastreams"]] == [1, 2]
    pm10, temperature = air["Datastreams"]
    assert pm10["name"] == "pm10 Markt"  # the Datastreams level has no $select: everything
    assert pm10["Observations@iot.count"] == 3
    assert pm10["Observations"] == [{"result": 31.25}]
    assert temperature["Observations@iot.count"] == 0 and temperature["Observations"] == []
    assert "Observations@iot.nextLink" not in temperature
    # the nextLink keeps the nested options and pages on
    link = pm10["Observations@iot.nextLink"]
    assert link.startswith(f"{ROOT}/Datastreams(1)/Observations?")
    assert query_of(link)["$top"] == "1" and query_of(link)["$skip"] == "1"
    rest, _ = follow(client, link)
    assert [o["result"] for o in rest] == [20, 12.5]
    assert all(set(o) == {"result"} for o in rest)
    garage = things[1]
    assert [[o["result"] for o in d["Observations"]] for d in garage["Datastreams"]] == [[140], []]


def test_expand_multiple_and_merged_items(client: TestClient, city: dict[str, Any]) -> None:
    thing = body(
        client,
        "Things(1)",
        **{
            "$select": "name",
            "$expand": "Locations($select=name),Datastreams($select=name;$orderby=id),Datastreams/ObservedProperty($select=name)",
        },
    )
    assert thing == {
        "name": "Air sensor Markt",
        "Locations": [{"name": "Air sensor Markt location"}],
        "Datastreams": [
            {"name": "pm10 Markt", "ObservedProperty": {"name": "pm10"}},
            {"name": "temperature Markt", "ObservedProperty": {"name": "temperature"}},
        ],
    }


def test_expand_to_one_and_nested_to_one(client: TestClient, city: dict[str, Any]) -> None:
    observation = body(
        client,
        "Observations(7)",
        **{
            "$select": "result",
            "$expand": "Datastream($select=name;$expand=Thing($select=name)),FeatureOfInterest($select=id)",
        },
    )
    assert observation == {
        "result": "closed",
        "Datastream": {"name": "vacant spaces", "Thing": {"name": "Garage Centrum"}},
        "FeatureOfInterest": {"@iot.selfLink": f"{ROOT}/FeaturesOfInterest(2)", "@iot.id": 2},
    }


def test_expand_on_a_single_entity_uses_the_default_page_size(client: TestClient, city: dict[str, Any]) -> None:
    """A single entity is read with $top=1; its expanded collections still get the default page."""
    thing = body(client, "Things(1)", **{"$select": "id", "$expand": "Datastreams($select=id)"})
    assert [d["@iot.id"] for d in thing["Datastreams"]] == [1, 2]
    assert "Datastreams@iot.nextLink" not in thing
    stream = body(client, "Datastreams(4)", **{"$expand": "Observations($select=id;$orderby=id;$count=true)"})
    assert [o["@iot.id"] for o in stream["Observations"]] == [8, 9, 10, 11, 12, 13]
    assert stream["Observations@iot.count"] == 6
    things = body(client, "Things", **{"$top": "1", "$select": "id", "$expand": "Datastreams($select=id)"})
    assert [d["@iot.id"] for d in things["value"][0]["Datastreams"]] == [1, 2]


def test_expand_count_and_next_link(client: TestClient, city: dict[str, Any]) -> None:
    stream = body(
        client,
        "Datastreams(4)",
        **{"$select": "id", "$expand": "Observations($top=2;$count=true;$orderby=phenomenonTime;$select=id)"},
    )
    assert stream["Observations@iot.count"] == 6
    first = [o["@iot.id"] for o in stream["Observations"]]
    assert first == [12, 13]  # by phenomenonTime; 12 and 13 share a time, then by id
    link = stream["Observations@iot.nextLink"]
    assert link.startswith(f"{ROOT}/Datastreams(4)/Observations?")
    assert query_of(link)["$count"] == "true"
    rest, _ = follow(client, link)
    everything = first + [o["@iot.id"] for o in rest]
    assert sorted(everything) == [8, 9, 10, 11, 12, 13] and len(everything) == 6
    assert everything[:2] == [12, 13] and everything[2:] == [9, 8, 10, 11]
    # $count=false (or absent) gives no count
    plain = body(client, "Datastreams(4)", **{"$expand": "Observations($top=2;$count=false)"})
    assert "Observations@iot.count" not in plain
    # $top=0 in an expand: an empty page, the count, and no nextLink back to the same page
    empty = body(client, "Datastreams(4)", **{"$expand": "Observations($top=0;$count=true)"})
    assert empty["Observations"] == [] and empty["Observations@iot.count"] == 6
    assert "Observations@iot.nextLink" not in empty


def test_expand_filter_through_relations_and_deep_nesting(client: TestClient, city: dict[str, Any]) -> None:
    things = body(
        client,
        "Things",
        **{
            "$select": "name",
            "$orderby": "id",
            "$expand": "Datastreams($filter=Observations/result eq 'closed';$select=name)",
        },
    )
    assert things["value"] == [
        {"name": "Air sensor Markt", "Datastreams": []},
        {"name": "Garage Centrum", "Datastreams": [{"name": "vacant spaces"}]},
    ]
    deep = body(
        client,
        "Observations(1)",
        **{
            "$select": "id",
            "$expand": "Datastream($select=id;$expand=Thing($select=id;$expand=Locations($select=name;$expand=Things($select=name))))",
        },
    )
    thing = deep["Datastream"]["Thing"]
    assert thing["Locations"] == [{"name": "Air sensor Markt location", "Things": [{"name": "Air sensor Markt"}]}]


# -- $select -------------------------------------------------------------------------------


def test_select_properties(client: TestClient, city: dict[str, Any]) -> None:
    things = body(client, "Things", **{"$select": "name,description", "$orderby": "id"})["value"]
    assert things == [
        {"name": "Air sensor Markt", "description": "Air sensor Markt in the city"},
        {"name": "Garage Centrum", "description": "Garage Centrum in the city"},
    ]
    assert body(client, "Observations(2)", **{"$select": "result,phenomenonTime"}) == {
        "phenomenonTime": "2024-03-01T11:00:00Z",
        "result": 20,
    }


def test_select_navigation_property_gives_only_its_link(client: TestClient, city: dict[str, Any]) -> None:
    thing = body(client, "Things(1)", **{"$select": "name,Datastreams"})
    assert thing == {"name": "Air sensor Markt", "Datastreams@iot.navigationLink": f"{ROOT}/Things(1)/Datastreams"}
    observation = body(client, "Observations(1)", **{"$select": "Datastream,FeatureOfInterest"})
    assert observation == {
        "Datastream@iot.navigationLink": f"{ROOT}/Observations(1)/Datastream",
        "FeatureOfInterest@iot.navigationLink": f"{ROOT}/Observations(1)/FeatureOfInterest",
    }


def test_select_id(client: TestClient, city: dict[str, Any]) -> None:
    assert body(client, "Things", **{"$select": "id", "$orderby": "id"})["value"] == [
        {"@iot.selfLink": f"{ROOT}/Things(1)", "@iot.id": 1},
        {"@iot.selfLink": f"{ROOT}/Things(2)", "@iot.id": 2},
    ]
    assert body(client, "Things(2)", **{"$select": "@iot.id,name"}) == {
        "@iot.selfLink": f"{ROOT}/Things(2)",
        "@iot.id": 2,
        "name": "Garage Centrum",
    }


def test_select_json_path(client: TestClient, city: dict[str, Any]) -> None:
    assert body(client, "Things", **{"$select": "properties/owner", "$orderby": "id"})["value"] == [
        {"properties/owner": "gemeente"},
        {"properties/owner": "parkeerbedrijf"},
    ]


def test_select_with_filter_orderby_and_expand(client: TestClient, city: dict[str, Any]) -> None:
    page = body(
        client,
        "Datastreams",
        **{
            "$select": "name,Observations",
            "$filter": "Thing/id eq 1",
            "$orderby": "name desc",
            "$expand": "Observations($select=result;$top=1;$orderby=result)",
        },
    )
    assert page["value"] == [
        {
            "name": "temperature Markt",
            "Observations": [{"result": 7.5}],
            "Observations@iot.nextLink": f"{ROOT}/Datastreams(2)/Observations?$select=result&$orderby=result+asc&$top=1&$skip=1",
        },
        {
            "name": "pm10 Markt",
            "Observations": [{"result": 12.5}],
            "Observations@iot.nextLink": f"{ROOT}/Datastreams(1)/Observations?$select=result&$orderby=result+asc&$top=1&$skip=1",
        },
    ]


# -- $orderby ------------------------------------------------------------------------------


def test_orderby_observations(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ({"$orderby": "result", "$filter": "Datastream/id le 3 and result ne 'closed'"}, [4, 5, 1, 2, 3, 6]),
        ({"$orderby": "result desc", "$filter": "Datastream/id le 3 and result ne 'closed'"}, [6, 3, 2, 1, 5, 4]),
        ({"$orderby": "result DESC", "$filter": "Datastream/id le 3 and result ne 'closed'"}, [6, 3, 2, 1, 5, 4]),
        ({"$orderby": "result Asc", "$filter": "Datastream/id le 3 and result ne 'closed'"}, [4, 5, 1, 2, 3, 6]),
        ({"$orderby": "result mul -1", "$filter": "Datastream/id le 3 and result ne 'closed'"}, [6, 3, 2, 1, 5, 4]),
        ({"$orderby": "result mod 10", "$filter": "Datastream/id le 2"}, [2, 3, 1, 4, 5]),  # 0 1.25 2.5 7.5 8
        ({"$orderby": "phenomenonTime desc,result", "$filter": "Datastream/id le 3"}, [3, 5, 2, 7, 4, 1, 6]),
        (
            {"$orderby": "phenomenonTime,result desc", "$filter": "Datastream/id le 3 and result ne 'closed'"},
            [6, 1, 4, 2, 5, 3],
        ),
        ({"$orderby": "hour(phenomenonTime) desc, id desc", "$filter": "Datastream/id le 3"}, [3, 5, 2, 7, 6, 4, 1]),
        ({"$orderby": "Datastream/name desc,id", "$filter": "Datastream/id le 3"}, [6, 7, 4, 5, 1, 2, 3]),
        (
            {"$orderby": "Datastream/Thing/name,result desc", "$filter": "Datastream/id le 3 and result ne 'closed'"},
            [3, 2, 1, 5, 4, 6],
        ),
        ({"$orderby": "parameters/depth desc", "$filter": "parameters ne null"}, [10, 9, 8]),
        ({"$orderby": "FeatureOfInterest/id desc, phenomenonTime", "$filter": "id le 7"}, [6, 7, 1, 4, 2, 5, 3]),
        ({"$orderby": "resultTime", "$filter": "resultTime ne null"}, [9, 8]),
    ]
    wrong = {
        str(params): (got, expected)
        for params, expected in cases
        if (got := ids(client, "Observations", **params)) != expected
    }
    assert not wrong, wrong


def test_orderby_expressions(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ("Datastreams", "name", [4, 1, 2, 3]),
        ("Datastreams", "name desc", [3, 2, 1, 4]),
        ("Datastreams", "length(name), name", [1, 4, 3, 2]),
        ("Datastreams", "unitOfMeasurement/symbol", [4, 3, 2, 1]),  # '-' '1' 'degC' 'ug/m3'
        ("Datastreams", "Thing/name desc, name", [4, 3, 1, 2]),
        ("Datastreams", "ObservedProperty/name", [1, 4, 2, 3]),
        ("Datastreams", "@iot.id desc", [4, 3, 2, 1]),
        ("Datastreams", "id desc", [4, 3, 2, 1]),
        ("Things", "properties/height desc", [2, 1]),
        ("Things", "tolower(name)", [1, 2]),
        ("Things", "indexof(name, 'a') desc", [1, 2]),  # 12 in 'Air sensor Markt', 1 in 'Garage Centrum'
        ("Locations", "name", [1, 2, 5, 7, 6, 4, 3]),  # code point order: capitals first
        ("HistoricalLocations", "time", [3, 4, 1, 2]),
        ("HistoricalLocations", "Thing/name desc, time desc", [2, 4, 1, 3]),
    ]
    wrong = {
        f"{path}?$orderby={orderby}": (got, expected)
        for path, orderby, expected in cases
        if (got := ids(client, path, **{"$orderby": orderby})) != expected
    }
    assert not wrong, wrong


def test_orderby_in_any_case(client: TestClient, city: dict[str, Any]) -> None:
    base = ids(client, "Datastreams", **{"$orderby": "name desc"})
    for spelling in ("name DESC", "name Desc", "name dEsC"):
        assert ids(client, "Datastreams", **{"$orderby": spelling}) == base
    ascending = ids(client, "Datastreams", **{"$orderby": "name"})
    for spelling in ("name asc", "name ASC", "name aSc"):
        assert ids(client, "Datastreams", **{"$orderby": spelling}) == ascending
    assert ascending == base[::-1]


# -- $top, $skip, $count and paging --------------------------------------------------------


def test_default_top_is_100_with_next_link(client: TestClient, city: dict[str, Any]) -> None:
    created = bulk_observations(client, 2, list(range(150)))
    assert created == list(range(14, 164))
    page = body(client, "Datastreams(2)/Observations", **{"$orderby": "id"})
    assert [o["@iot.id"] for o in page["value"]] == [4, 5, *range(14, 112)]
    link = page["@iot.nextLink"]
    assert link.startswith(f"{ROOT}/Datastreams(2)/Observations?")
    assert query_of(link) == {"$orderby": "id", "$top": "100", "$skip": "100"}
    rest = client.get(link).json()
    assert [o["@iot.id"] for o in rest["value"]] == list(range(112, 164))
    assert "@iot.nextLink" not in rest
    # the top-level collection too
    everything = body(client, "Observations")
    assert len(everything["value"]) == 100
    assert query_of(everything["@iot.nextLink"]) == {"$top": "100", "$skip": "100"}


def test_top_is_capped_at_max_top(client: TestClient, city: dict[str, Any], store: Store, tmp_path: Path) -> None:
    small = TestClient(
        create_app(Settings(database=str(tmp_path / "stadsdata.db"), max_top=5), store=store),
        base_url="http://testserver",
    )
    page = small.get(f"{V}/Observations", params={"$top": "1000", "$orderby": "id"}).json()
    assert [o["@iot.id"] for o in page["value"]] == [1, 2, 3, 4, 5]
    assert query_of(page["@iot.nextLink"]) == {"$orderby": "id", "$top": "5", "$skip": "5"}
    default = small.get(f"{V}/Observations", params={"$orderby": "id"}).json()  # default 100, capped
    assert [o["@iot.id"] for o in default["value"]] == [1, 2, 3, 4, 5]
    expanded = small.get(
        f"{V}/Datastreams(4)", params={"$expand": "Observations($top=50;$orderby=id;$select=id)"}
    ).json()
    assert [o["@iot.id"] for o in expanded["Observations"]] == [8, 9, 10, 11, 12]
    assert query_of(expanded["Observations@iot.nextLink"])["$top"] == "5"
    entities, _ = follow(small, f"{V}/Observations?$top=1000&$orderby=id")
    assert [o["@iot.id"] for o in entities] == list(range(1, 14))


def test_top_and_skip(client: TestClient, city: dict[str, Any]) -> None:
    cases = [
        ({"$top": "3"}, [1, 2, 3]),
        ({"$skip": "10"}, [11, 12, 13]),
        ({"$skip": "2", "$top": "2"}, [3, 4]),
        ({"$top": "2", "$skip": "2"}, [3, 4]),
        ({"$skip": "13"}, []),
        ({"$skip": "1000"}, []),
        ({"$top": "0"}, []),
        ({"$top": "1", "$orderby": "result desc", "$filter": "result gt 0"}, [6]),
        ({"$top": "2", "$skip": "1", "$orderby": "result desc", "$filter": "result gt 0"}, [3, 2]),
    ]
    for params, expected in cases:
        page = body(client, "Observations", **{"$orderby": "id", **params})
        assert [o["@iot.id"] for o in page["value"]] == expected, params


def test_count(client: TestClient, city: dict[str, Any]) -> None:
    counted = body(client, "Observations", **{"$count": "true", "$top": "2", "$skip": "3"})
    assert counted["@iot.count"] == 13 and len(counted["value"]) == 2
    assert body(client, "Observations", **{"$count": "true", "$filter": "result gt 10"})["@iot.count"] == 4
    assert body(client, "Observations", **{"$count": "true", "$filter": "result gt 10", "$top": "1"})["@iot.count"] == 4
    assert body(client, "Observations", **{"$count": "true", "$filter": "result gt 1000"}) == {
        "@iot.count": 0,
        "value": [],
    }
    assert body(client, "Datastreams(1)/Observations", **{"$count": "true"})["@iot.count"] == 3
    assert body(client, "Things", **{"$count": "TRUE"})["@iot.count"] == 2
    assert "@iot.count" not in body(client, "Observations", **{"$count": "false"})
    assert "@iot.count" not in body(client, "Observations", **{"$count": "False"})
    assert "@iot.count" not in body(client, "Observations")
    zero = body(client, "Observations", **{"$count": "true", "$top": "0"})
    assert zero == {"@iot.count": 13, "value": []}  # no nextLink: it would name this same page


def test_evaluation_order_filter_count_orderby_skip_top(client: TestClient, city: dict[str, Any]) -> None:
    """§9.3.1: $filter, then $count, then $orderby, $skip and $top; the option order in the URL
    does not matter."""
    created = bulk_observations(client, 3, list(range(40)))  # results 0..39
    params = {
        "$top": "4",
        "$skip": "3",
        "$orderby": "result desc",
        "$count": "true",
        "$filter": "Datastream/id eq 3 and result lt 30",
    }
    page = body(client, "Observations", **params)
    # filter: 0..29 and 140 excluded (not lt 30), 'closed' excluded -> 30 entities
    assert page["@iot.count"] == 30
    assert [o["result"] for o in page["value"]] == [26, 25, 24, 23]
    assert [o["@iot.id"] for o in page["value"]] == [created[26], created[25], created[24], created[23]]
    link = page["@iot.nextLink"]
    assert query_of(link) == {**params, "$top": "4", "$skip": "7"}
    reordered = client.get(
        f"{V}/Observations?$filter=Datastream/id eq 3 and result lt 30&$count=true&$orderby=result desc&$skip=3&$top=4"
    ).json()
    assert (reordered["@iot.count"], reordered["value"]) == (page["@iot.count"], page["value"])


def test_following_next_links_collects_everything_once_in_order(client: TestClient, city: dict[str, Any]) -> None:
    bulk_observations(client, 1, [i * 1.5 for i in range(60)])
    expected = [
        o["@iot.id"]
        for o in body(
            client, "Observations", **{"$orderby": "result desc,id", "$filter": "result ge 3", "$top": "1000"}
        )["value"]
    ]
    assert len(expected) == 64  # 58 of the new ones (3 .. 88.5) and 12.5 20 31.25 7.5 8 140
    entities, links = follow(client, f"{V}/Observations?$orderby=result desc,id&$filter=result ge 3&$top=7&$count=true")
    got = [o["@iot.id"] for o in entities]
    assert got == expected
    assert len(got) == len(set(got))
    assert len(links) == (len(expected) - 1) // 7
    assert all(query_of(link)["$count"] == "true" and query_of(link)["$top"] == "7" for link in links)


# -- errors ------------------------------------------------------------------------------------

# (collection, option, text, position): the 400's `field` is the option and `position` the
# 0-based offset in its text (in the whole `$expand` text for options nested in an expand).
BAD_OPTIONS = [
    # syntax
    ("Things", "$filter", "name eq", 7),
    ("Things", "$filter", "name eq 'x", 8),
    ("Things", "$filter", "(name eq 'x'", 12),
    ("Things", "$filter", "name eq 'x')", 11),
    ("Things", "$filter", "name eq 'x' xor name eq 'y'", 12),
    ("Things", "$filter", "name eq 'x' and", 15),
    ("Things", "$filter", "name eq 'x' and and name eq 'y'", 20),  # the 2nd and: a property name
    ("Things", "$filter", "", 0),
    ("Things", "$filter", "name eq ''; DROP TABLE things; --'", 10),
    ("Things", "$filter", "'; DROP TABLE things; --", 0),
    ("Things", "$filter", "name eq 'x' -- comment", 12),
    ("Things", "$filter", "Datastreams/ name eq 'x'", 11),
    # unknown properties
    ("Things", "$filter", "nope eq 1", 0),
    ("Things", "$filter", "name eq 'a' and nope eq 1", 16),
    ("Things", "$filter", "Datastreams/nope eq 1", 0),
    ("Things", "$filter", "name/first eq 'x'", 0),
    ("Things", "$filter", "Datastreams eq 1", 0),
    ("Observations", "$filter", "Datastream/Thing/nope eq 1", 0),
    # unknown functions and wrong arity
    ("Things", "$filter", "foo(name) eq 1", 0),
    ("Things", "$filter", "properties/owner eq 'x' or foo(name) eq 1", 27),
    ("Things", "$filter", "geo.foo(name) eq 1", 0),
    ("Things", "$filter", "name eq 'x' or length() eq 1", 15),
    ("Things", "$filter", "substring(name) eq 'x'", 0),
    ("Things", "$filter", "concat('a', 'b', 'c') eq 'abc'", 0),
    ("Things", "$filter", "now(name) eq 1", 0),
    ("Locations", "$filter", "st_relate(location, geography'POINT(1 1)') eq 1", 0),
    # bad literals
    ("Observations", "$filter", "phenomenonTime gt 2024-13-45T00:00:00Z", 18),
    ("Observations", "$filter", "phenomenonTime gt 2024-02-30T00:00:00Z", 18),
    ("Observations", "$filter", "phenomenonTime sub duration'P1Y' gt 2024-01-01T00:00:00Z", 19),
    ("Observations", "$filter", "phenomenonTime sub duration'XYZ' gt 2024-01-01T00:00:00Z", 19),
    ("Observations", "$filter", "result eq 1e999", 10),
    ("Observations", "$filter", "time(phenomenonTime) eq 25:00:00", 24),
    ("Observations", "$filter", "date(phenomenonTime) eq 2024-02-30", 24),
    ("Locations", "$filter", "st_within(location, geography'POLYGON((0 0, 1 1))')", 20),
    ("Locations", "$filter", "st_within(location, geography'NOT WKT')", 20),
    ("Locations", "$filter", "st_within(location, geography'')", 20),
    ("Locations", "$filter", "st_relate(location, geography'POINT(1 1)', 'TTT')", 43),
    # type errors
    ("Things", "$filter", "name", 0),
    ("Things", "$filter", "name eq 'x' and 1", 16),
    ("Things", "$filter", "year(name) eq 2024", 0),
    ("Things", "$filter", "name add 1 eq 2", 0),
    ("Things", "$filter", "contains(name, 1)", 0),
    ("Things", "$filter", "geo.length(name) gt 0", 0),
    ("Observations", "$filter", "result lt null", 0),
    ("Observations", "$filter", "phenomenonTime gt 5", 0),
    ("Datastreams", "$filter", "observedArea eq null", 0),
    # $top, $skip, $count, unknown options
    ("Things", "$top", "-1", 0),
    ("Things", "$top", "abc", 0),
    ("Things", "$top", "", 0),
    ("Things", "$top", "1.5", 0),
    ("Things", "$skip", "-3", 0),
    ("Things", "$count", "maybe", 0),
    ("Things", "$count", "1", 0),
    ("Things", "$foo", "1", 0),
    ("Things", "$Filter", "name eq 'x'", 0),
    ("Things", "$", "x", 0),
    # $orderby
    ("Things", "$orderby", "name sideways", 5),
    ("Things", "$orderby", "name,nope desc", 5),
    ("Things", "$orderby", "Datastreams/name", 0),
    ("Things", "$orderby", "", 0),
    ("Things", "$orderby", "name desc desc", 10),
    ("Things", "$orderby", "name,", 5),
    # $select
    ("Things", "$select", "name,nonsense", 5),
    ("Things", "$select", "name,", 5),
    ("Things", "$select", "", 0),
    ("Observations", "$select", "Datastream/name", 0),
    ("Things", "$select", "name; DROP TABLE things", 0),
    # $expand and options nested in it
    ("Things", "$expand", "Nope", 0),
    ("Things", "$expand", "Datastreams/Nope", 12),
    ("Things", "$expand", "Datastreams,Nope", 12),
    ("Things", "$expand", "Datastreams($filter=nope eq 1)", 20),
    ("Things", "$expand", "Datastreams($filter=name eq)", 27),
    ("Things", "$expand", "Datastreams($orderby=nope)", 21),
    ("Things", "$expand", "Datastreams($top=-1)", 17),
    ("Things", "$expand", "Datastreams($foo=1)", 12),
    ("Things", "$expand", "Datastreams($select=nope)", 20),
    ("Things", "$expand", "Datastreams($expand=Observations($filter=result eq))", 50),
    ("Things", "$expand", "Datastreams(", 11),
    ("Things", "$expand", "Datastreams($top=1", 11),
    ("Things", "$expand", "", 0),
]


def test_bad_options_are_400_with_field_and_position(client: TestClient, city: dict[str, Any]) -> None:
    wrong = {}
    for path, option, text, position in BAD_OPTIONS:
        response = client.get(f"{V}/{path}", params={option: text})
        got: Any = response.status_code
        if response.status_code == 400:
            assert response.headers["content-type"].startswith(PROBLEM), text
            error = response.json()
            assert error["status"] == 400 and error["title"] and error["detail"], error
            got = (error.get("field"), error.get("position"))
        if got != (option, position):
            wrong[f"{path}?{option}={text}"] = {
                "got": got,
                "expected": (option, position),
                "detail": response.json().get("detail"),
            }
    assert not wrong, wrong


def test_error_document(client: TestClient, seed: dict[str, Any]) -> None:
    error = problem(client, "Things", {"$filter": "name eq 'x' and nope eq 1"})
    assert error == {
        "type": "about:blank",
        "title": error["title"],
        "status": 400,
        "detail": error["detail"],
        "instance": "/v1.1/Things",
        "field": "$filter",
        "position": 16,
        "code": 400,
        "message": error["detail"],
    }
    assert "nope" in error["detail"]
    syntax = problem(client, "Things", {"$filter": "name eq"})
    assert "position 7" in syntax["detail"]


def test_system_query_options_on_other_parameters_are_ignored(client: TestClient, seed: dict[str, Any]) -> None:
    """Parameters without `$` are not system query options (OData: custom options)."""
    assert ids(client, "Things", foo="bar", filter="nonsense") == [1, 2]


# -- robustness: malformed and hostile options -------------------------------------------------

VALID_FILTERS = [
    "result gt 10 and result lt 30",
    "Datastream/Thing/name eq 'Garage Centrum'",
    "substringof('Markt', Datastream/name) or startswith(result, 'cl')",
    "year(phenomenonTime) eq 2024 and hour(phenomenonTime) ge 10",
    "phenomenonTime sub duration'PT1H' gt 2024-03-01T10:30:00+01:00",
    "parameters/depth add 1 eq 6 or parameters/some-key eq 'x'",
    "not (result eq null) and round(result mul 2) mod 3 eq 1",
    "geo.intersects(FeatureOfInterest/feature, geography'POLYGON((5 52, 5.2 52, 5.2 52.2, 5 52.2, 5 52))')",
    "st_relate(FeatureOfInterest/feature, geography'POINT(5.1 52.09)', 'T********')",
    "geo.distance(FeatureOfInterest/feature, geography'POINT(4 51)') lt 2.5",
    "length(concat(tolower(trim(Datastream/name)), 'x')) ge indexof(Datastream/name, 'a')",
    "resultTime le now() or phenomenonTime gt mindatetime()",
    "-result lt -20 and date(phenomenonTime) eq 2024-03-01",
    "result eq true or result eq 'closed' or result/a eq 1",
]
VALID_ORDERBY = [
    "result desc,id",
    "phenomenonTime asc, Datastream/name DESC",
    "geo.distance(FeatureOfInterest/feature, geography'POINT(4 51)')",
]
VALID_EXPAND = [
    "Datastream($select=name;$expand=Thing($select=id)),FeatureOfInterest",
    "Datastream/ObservedProperty($select=name)",
    "Datastream($filter=name eq 'pm10 Markt';$orderby=id desc;$top=1;$skip=0;$count=true)",
]
VALID_SELECT = ["id,result,phenomenonTime", "parameters/depth,Datastream", "@iot.id,resultTime"]
HOSTILE = [
    "name eq '1'' OR 1=1 --'",
    "'; DROP TABLE things; --",
    "result eq 1; DROP TABLE observations",
    "result eq 1) OR (1=1",
    "result eq 1 OR 1=1",
    "1=1",
    "Datastream/name eq '' UNION SELECT * FROM things --'",
    'parameters/x" OR 1=1 --" eq 1',
    "parameters/x') OR 1=1 -- eq 1",
    "json_extract(parameters, '$') eq 1",
    "load_extension('x') eq 1",
    "st_intersects(FeatureOfInterest/feature, geography'POINT(1 1)'); DELETE FROM observations; --')",
    "geo.intersects(FeatureOfInterest/feature, geography'POINT(1 1)'')) OR 1=1 --')",
    "result eq '\\' OR 1=1 --'",
    "result eq 0x1F",
    "result eq 1e308 mul 1e308",
    "result eq 9223372036854775808",
    "result eq -9223372036854775809",
    "result eq 99999999999999999999999999999999999999",
    "id eq 1.7976931348623157e308",
    "result div 0 eq 0 or result mod 0 eq 0",
    "phenomenonTime add duration'P999999999D' gt now()",
    "phenomenonTime sub duration'-P99999999999999999999D' gt now()",
    "phenomenonTime gt 0000-01-01T00:00:00Z",
    "phenomenonTime gt 9999-12-31T23:59:59.9999999999Z",
    "phenomenonTime gt 2024-03-01T10:00:00+99:99",
    "substring(Datastream/name, -5, -5) eq '' or substring(Datastream/name, 99999999999) eq ''",
    "indexof(Datastream/name, '') eq 0",
    "concat(Datastream/name, '\u0000') eq 'x'",
    "Datastream/name eq '\u00e9\u00e8\u4e2d\u6587\U0001f600'",
    "Datastream/name eq '%00%27'",
    "(" * 300 + "result eq 1" + ")" * 300,
    "not " * 300 + "true",
    "- " * 300 + "1 eq 1",
    " or ".join(["result eq 1"] * 150),
    "result eq 1 and " * 100 + "true",
    "geo.intersects(FeatureOfInterest/feature, geography'POLYGON(("
    + ", ".join(f"{i} {i}" for i in range(500))
    + ", 0 0))')",
    "st_within(FeatureOfInterest/feature, geography'GEOMETRYCOLLECTION EMPTY')",
    "st_within(FeatureOfInterest/feature, geography'SRID=3857;POINT(1 1)')",
    "st_within(FeatureOfInterest/feature, geography'POINT(nan inf)')",
    "st_relate(FeatureOfInterest/feature, FeatureOfInterest/feature, Datastream/name)",
    "parameters/" + "/".join(["a"] * 200) + " eq 1",
    "Datastream/Thing/Datastreams/Thing/Datastreams/Thing/Datastreams/Observations/result gt 1",
    "@iot.id eq 1",
    "@iot.selfLink eq 1",
    "result eq @iot.id",
    "$it eq 1",
    "result in (1, 2)",
    "result has 1",
    "any(Datastream/name)",
    "Datastreams/any(d: d/name eq 'x')",
    "cast(result, Edm.String) eq '1'",
    "isof(result, Edm.Double)",
    "result eq 1 &$top=1",
    "result eq 1\n",
    "\t result \t eq \r\n 1",
    "RESULT EQ 20",
    "Result eq 20",
    "result gt result lt 30",
    "(result gt 5) lt 30",
    "floor(Datastream/unitOfMeasurement/symbol) eq 1",
    "ceiling(parameters/method) eq 1",
]
ODD_ORDERBY = [
    "ceiling(Datastream/unitOfMeasurement/symbol)",
    "floor(parameters/method) desc",
    "round(result), result, result desc",
    "result eq 20 desc",
    "geo.length(FeatureOfInterest/feature)",
    "Datastream/Thing/Datastreams/name",
    "Datastream/observedArea",
    "1",
    "'x' desc",
    "null",
]


def _mutants(seeds: list[str], count: int, rng: random.Random) -> list[str]:
    """Random small edits of valid option texts: the kind of typo and truncation a real
    client produces, and worse."""
    alphabet = "()',/;=-$@.*\\\"%&+ TZ:0123456789aeqnotdxyz_\u00e9"
    keywords = [
        "eq",
        "and",
        "or",
        "not",
        "add",
        "(",
        ")",
        "'",
        ",",
        "/",
        "geography'",
        "duration'",
        "$top=",
        ";",
        "desc",
        "null",
        "true",
    ]
    out = []
    for _ in range(count):
        text = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text) + 1)
            j = min(len(text), i + rng.randint(1, 8))
            kind = rng.randrange(7)
            if kind == 0:  # delete a span
                text = text[:i] + text[j:]
            elif kind == 1:  # insert a character
                text = text[:i] + rng.choice(alphabet) + text[i:]
            elif kind == 2:  # insert a keyword or token
                text = text[:i] + rng.choice(keywords) + text[i:]
            elif kind == 3:  # duplicate a span
                text = text[:j] + text[i:j] + text[j:]
            elif kind == 4:  # truncate
                text = text[:i]
            elif kind == 5:  # swap two characters
                if len(text) > 1:
                    a, b = sorted(rng.sample(range(len(text)), 2))
                    text = text[:a] + text[b] + text[a + 1 : b] + text[a] + text[b + 1 :]
            else:  # splice with another seed
                other = rng.choice(seeds)
                text = text[:i] + other[rng.randrange(len(other) + 1) :]
        out.append(text)
    return out


def test_malformed_and_hostile_options_never_fail_the_server(client: TestClient, city: dict[str, Any]) -> None:
    rng = random.Random(18088)
    requests: list[tuple[str, dict[str, str]]] = []
    requests += [("Observations", {"$filter": text}) for text in HOSTILE]
    requests += [("Observations", {"$filter": text}) for text in _mutants(VALID_FILTERS, 150, rng)]
    requests += [("Observations", {"$orderby": text}) for text in _mutants(VALID_ORDERBY + VALID_FILTERS[:4], 40, rng)]
    requests += [("Observations", {"$expand": text}) for text in _mutants(VALID_EXPAND, 40, rng)]
    requests += [("Observations", {"$select": text}) for text in _mutants(VALID_SELECT, 20, rng)]
    requests += [("Observations", {"$orderby": text}) for text in ODD_ORDERBY]
    requests += [
        (
            "Things",
            {"$orderby": "name; DROP TABLE things", "$select": "name,(SELECT 1)", "$top": "1;DELETE FROM things"},
        )
    ]
    assert len(requests) >= 300
    statuses: dict[int, int] = {}
    for path, params in requests:
        response = client.get(f"{V}/{path}", params=params)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code in (200, 400), (params, response.status_code, response.text[:500])
        if response.status_code == 400:
            assert response.headers["content-type"].startswith(PROBLEM), params
            error = response.json()
            (option,) = params if len(params) == 1 else (error["field"],)
            assert error["field"] == option, (params, error)
            position = error.get("position")
            assert position is None or 0 <= position <= len(params[option]), (params, error)
        else:
            assert isinstance(response.json()["value"], list)
    assert statuses.get(200, 0) > 20 and statuses.get(400, 0) > 100, statuses  # the mix is real
    # the data is intact
    assert ids(client, "Things", **{"$orderby": "id"}) == [1, 2]
    assert ids(client, "Observations", **{"$orderby": "id"}) == list(range(1, 14))
    assert [t["name"] for t in body(client, "Things", **{"$orderby": "id"})["value"]] == [
        "Air sensor Markt",
        "Garage Centrum",
    ]
    assert body(client, "Observations(7)")["result"] == "closed"
    assert filtered(client, "Observations", "result gt 10 and result lt 30") == [1, 2]
