"""Hypothesis on the SensorThings face (it has no OpenAPI document to hand to schemathesis):
resource paths and every query option built from the OData grammar's parts — valid pieces,
pieces in the wrong place, and raw garbage — plus SQL injection strings in every slot, on both
backends, through the real HTTP app with access control on. No answer may be a 5xx; every 4xx is
problem+json; and the database is unchanged afterwards (reads cannot write)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.fuzz.figures import EXAMPLES, record
from tests.integration.sta.conftest import stream_body, thing_body

SETS = ["Things", "Locations", "HistoricalLocations", "Datastreams", "MultiDatastreams", "Sensors", "ObservedProperties",
        "Observations", "FeaturesOfInterest"]  # fmt: skip
NAVS = ["Thing", "Things", "Locations", "Datastream", "Datastreams", "Sensor", "ObservedProperty", "Observations",
        "FeatureOfInterest", "HistoricalLocations", "MultiDatastream"]  # fmt: skip
PROPERTIES = ["name", "description", "result", "phenomenonTime", "resultTime", "properties/height", "properties",
              "unitOfMeasurement/name", "location", "id", "@iot.id", "observedArea", "parameters/f_cnt"]  # fmt: skip
INJECTIONS = ["' OR 1=1 --", "'; DROP TABLE observations; --", "1; DELETE FROM things", "\" OR \"\"=\"", "%27%20OR%201=1",
              "1) UNION SELECT * FROM api_keys --", "name eq 'x' or 1 eq 1", "\\x00", "\u0000", "'||pg_sleep(5)||'"]  # fmt: skip
FUNCTIONS = ["substringof", "contains", "endswith", "startswith", "length", "indexof", "substring", "tolower", "toupper",
             "trim", "concat", "year", "month", "day", "hour", "minute", "second", "fractionalseconds", "date", "time",
             "totaloffsetminutes", "now", "mindatetime", "maxdatetime", "round", "floor", "ceiling", "geo.distance",
             "geo.length", "geo.intersects", "st_equals", "st_disjoint", "st_touches", "st_within", "st_overlaps",
             "st_crosses", "st_intersects", "st_contains", "st_relate", "any", "all", "cast", "isof"]  # fmt: skip

SAFE = "/()$',@=:;"  # what stays as is in a generated path; the rest is percent-encoded (as a client would)
literal = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=12).map(lambda t: "'" + t.replace("'", "''") + "'"),
    st.text(max_size=12).map(lambda t: f"'{t}'"),  # quotes not doubled: often broken on purpose
    st.sampled_from(["null", "true", "false", "2026-05-01T10:00:00Z", "2026-13-45T99:99:99Z", "0001-01-01T00:00:00+14:00",
                     "geography'POINT(5 52)'", "geography'POLYGON((5 52,6 52,6 53,5 52))'", "geography'LINESTRING(1 2'",
                     "duration'P1D'", "-INF", "NaN", "1e400"]),  # fmt: skip
    st.sampled_from(INJECTIONS),
)
path_expr = st.lists(st.sampled_from(NAVS + PROPERTIES), min_size=1, max_size=3).map("/".join)
operand = st.one_of(path_expr, literal)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "and", "or", "add", "sub", "mul", "div", "mod", "has", "in"]), children).map(" ".join),
        children.map(lambda c: f"not {c}"),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        st.tuples(st.sampled_from(FUNCTIONS), st.lists(children, max_size=3)).map(lambda f: f"{f[0]}({', '.join(f[1])})"),
    )


filter_expr = st.one_of(st.recursive(operand, _combine, max_leaves=12), st.text(max_size=40))


def expand_expr(depth: int = 0) -> st.SearchStrategy[str]:
    inner = st.lists(st.sampled_from(["$top=2", "$skip=1", "$count=true", "$select=id,name", "$orderby=id desc", "$filter=id gt 0",
                                      "$expand=Sensor", "$top=-1", "$filter=", "$bogus=1"]), max_size=3)  # fmt: skip
    one = st.tuples(st.lists(st.sampled_from(NAVS), min_size=1, max_size=3).map("/".join), inner).map(
        lambda t: t[0] + (f"({';'.join(t[1])})" if t[1] else "")
    )
    return st.one_of(st.lists(one, min_size=1, max_size=3).map(",".join), st.text(max_size=30))


options = st.fixed_dictionaries(
    {},
    optional={
        "$filter": filter_expr,
        "$expand": expand_expr(),
        "$orderby": st.one_of(st.tuples(path_expr, st.sampled_from(["", " asc", " desc", " sideways"])).map("".join), st.text(max_size=20)),
        "$select": st.one_of(st.lists(st.sampled_from(PROPERTIES + NAVS), max_size=4).map(",".join), st.text(max_size=20)),
        "$top": st.one_of(st.integers(-5, 2**64).map(str), st.text(max_size=8)),
        "$skip": st.one_of(st.integers(-5, 2**64).map(str), st.text(max_size=8)),
        "$count": st.sampled_from(["true", "false", "TRUE", "1", "", "yes"]),
        "$resultFormat": st.sampled_from(["dataArray", "GeoJSON", "csv", "x"]),
        "$bogus": st.text(max_size=5),
    },
)
resource = st.one_of(
    st.tuples(
        st.sampled_from(SETS),
        st.one_of(st.none(), st.integers(-3, 2**70).map(str), st.sampled_from(INJECTIONS), st.text(max_size=6)),
        st.lists(st.sampled_from(NAVS + PROPERTIES + ["$value", "$ref"]), max_size=3),
    ).map(lambda r: r[0] + (f"({r[1]})" if r[1] is not None else "") + "".join(f"/{p}" for p in r[2])),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
)


@pytest.fixture
def city(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "fuzz", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    settings_ = Settings(database=str(tmp_path / "x.db"), mqtt_embedded=False, rate_limit_anonymous="none", rate_limit_authenticated="none")
    with TestClient(create_app(settings_, store=store), raise_server_exceptions=False) as client:
        admin = {"X-API-Key": key.secret_key}
        for i, name in enumerate(("Markt", "Station")):
            body = thing_body(name, 6.09 + i / 100, 52.51, [stream_body(f"pm10 {name}", "pm10", {"name": "µg/m³"}, [("2026-05-01T10:00:00Z", 12.5), ("2026-05-01T11:00:00Z", 14.0)])])
            assert client.post("/v1.1/Things", json=body, headers=admin).status_code == 201
        yield client, admin, store.dialect or "sqlite"


def snapshot(client: TestClient, admin: dict[str, str]) -> list[int]:
    return [client.get(f"/v1.1/{s}?$count=true&$top=0", headers=admin).json()["@iot.count"] for s in SETS]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=resource, query=options, anonymous=st.booleans(), version=st.sampled_from(["v1.1", "v1.0"]))
def test_no_server_error_for_generated_requests(city: tuple[TestClient, dict[str, str], str], path: str, query: dict[str, str], anonymous: bool, version: str) -> None:
    client, admin, backend = city
    response = client.get(f"/{version}/{quote(path, safe=SAFE)}", params=query, headers={} if anonymous else admin)
    record(f"SensorThings GET (hypothesis, {backend})", response.status_code)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), response.text


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=10), st.sampled_from(INJECTIONS)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=15,
)
ENTITY_KEYS = ["name", "description", "encodingType", "location", "Locations", "Datastreams", "unitOfMeasurement", "observationType",
               "Sensor", "ObservedProperty", "Thing", "result", "phenomenonTime", "resultTime", "validTime", "parameters",
               "FeatureOfInterest", "feature", "definition", "metadata", "properties", "@iot.id", "Observations"]  # fmt: skip
entity_body = st.one_of(json_value, st.dictionaries(st.sampled_from(ENTITY_KEYS), json_value, max_size=8))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(target=st.sampled_from([*SETS, "Things(1)", "Datastreams(1)/Observations", "CreateObservations", "$batch"]),
       method=st.sampled_from(["POST", "PATCH", "PUT"]), body=entity_body)  # fmt: skip
def test_no_server_error_for_generated_writes(city: tuple[TestClient, dict[str, str], str], target: str, method: str, body: Any) -> None:
    client, admin, backend = city
    if method != "POST" and "(" not in target:
        target += "(1)"
    data = json.dumps(body).encode()  # NaN and Infinity as bare tokens too: not JSON, must be a 400
    response = client.request(method, f"/v1.1/{target}", content=data, headers={**admin, "Content-Type": "application/json"})
    record(f"SensorThings writes (hypothesis, {backend})", response.status_code)


def test_injection_in_every_slot_changes_nothing(city: tuple[TestClient, dict[str, str], str]) -> None:
    client, admin, backend = city
    before = snapshot(client, admin)
    slots = ["$filter", "$orderby", "$select", "$expand", "$top", "$skip", "$count"]
    for injection in INJECTIONS:
        for entity in SETS:
            for slot in slots:
                response = client.get(f"/v1.1/{entity}", params={slot: injection}, headers=admin)
                record(f"SensorThings SQL injection attempts ({backend})", response.status_code)
                assert response.status_code in (200, 400), (slot, injection, response.text)
            response = client.get(f"/v1.1/{entity}({quote(injection, safe=SAFE)})", headers=admin)
            record(f"SensorThings SQL injection attempts ({backend})", response.status_code)
            assert response.status_code in (400, 404)
            response = client.get(f"/v1.1/{entity}", params={"$filter": f"name eq '{injection}'"}, headers=admin)
            record(f"SensorThings SQL injection attempts ({backend})", response.status_code)
            assert response.status_code in (200, 400) and (response.status_code == 400 or response.json()["value"] == [])
    assert snapshot(client, admin) == before
