"""Downloads and a party's own export, end to end on both backends (`stadsdata/catalog/downloads/`,
`/api/v1/datasets/{id}/download`, `/api/v1/downloads`, `/api/v1/me/export`).

A small town, served with access control enforced and downloads read in chunks of 4 rows (so every
download spans several chunks): the municipality's public air data (CC BY 4.0, with an
attribution), a garage company's restricted parking data shared under an ODRL offer limited to the
centre, and a resident's non-public home sensors (a Datastream and a MultiDatastream)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from stadsdata.access.api_keys import generate_api_key
from stadsdata.app import create_app
from stadsdata.catalog.vocabularies import LICENSES
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.access.test_management_api import API, City
from tests.integration.access.test_policy_constraints import centre_offer
from tests.integration.sta.conftest import COMPLEX, MEASUREMENT, assert_problem, stream_body, thing_body

T0 = datetime(2026, 5, 1, tzinfo=UTC)
CHUNK = 4
GEOJSON_LIMIT = 30
CC_BY = LICENSES["CC-BY-4.0"].uri
CLOSED = LICENSES["other-closed"].uri


def at(hour: int) -> str:
    return (T0 + timedelta(hours=hour)).isoformat().replace("+00:00", "Z")


# Thing -> (place, [(Datastream, ObservedProperty, dataset, results)]); the centre (CENTRE of the
# ODRL offer) holds the Markt, the Garage Markt and the Woning; the Haven and Garage Zuid lie outside.
TOWN: dict[str, tuple[tuple[float, float], list[tuple[str, str, str, list[tuple[str, Any]]]]]] = {
    "Luchtkast Markt": ((6.09, 52.51), [("pm10 markt", "PM10", "lucht", [(at(h), 10.0 + h) for h in range(25)])]),
    "Luchtkast Haven": ((6.20, 52.45), [
        ("pm10 haven", "PM10", "lucht", [(at(1), 1.5), (at(1), 2.5), (at(1), 3.5), (at(1), 4.5), (at(2), 5)]),  # ties in time
        ("lamp haven", "lamp", "lucht", [(at(1), "aan"), (at(2), True), (at(3), {"mode": "dim", "level": 3})]),
    ]),
    "Garage Markt": ((6.10, 52.505), [("garage markt vrij", "vacant", "parkeren", [(at(h), 100 - h) for h in range(3)])]),
    "Garage Zuid": ((6.20, 52.45), [("garage zuid vrij", "vacant", "parkeren", [(at(h), 50 - h) for h in range(3)])]),
    "Woning": ((6.095, 52.515), [("woning temperatuur", "temperature", "woning", [(at(h), 20.0 + h / 10) for h in range(4)])]),
}  # fmt: skip
DATASETS = {  # name -> (access level, owner, metadata)
    "lucht": ("public", "gemeente", {"license": "CC-BY-4.0", "attribution": "Gemeente Veenhaven"}),
    "parkeren": ("restricted", "garagebedrijf", None),
    "woning": ("non-public", "bewoner", None),
}
PARTIES = {"gemeente": "organisation", "garagebedrijf": "company", "afvalbedrijf": "company", "bewoner": "resident", "buurman": "resident"}
LUCHT_ROWS = 25 + 5 + 3


def rows_of(dataset: str) -> int:
    return sum(len(results) for _, streams in TOWN.values() for _, _, ds, results in streams if ds == dataset)


@dataclass
class Town:
    city: City
    streams: dict[str, int]  # Datastream name -> id
    multi: int  # the resident's MultiDatastream
    datasets: dict[str, int]
    parties: dict[str, int]

    def get(self, path: str, who: str = "anonymous", **params: Any) -> Any:
        return self.city.client.get(f"{API}{path}", params=params, headers=self.city.h[who])


@pytest.fixture
def town(store: Store, tmp_path: Path) -> Iterator[Town]:
    key = generate_api_key()
    with store.write() as tx:
        tx.access.add_api_key(key.prefix, key.key_hash, "beheer", None, is_admin=True, can_write=True, expires_at=None, now=datetime.now(UTC))
    settings = Settings(
        database=str(tmp_path / "x.db"), access_mode="enforced", default_access_level="public",
        download_chunk_rows=CHUNK, download_max_rows=GEOJSON_LIMIT,
    )  # fmt: skip
    with TestClient(create_app(settings, store=store)) as client:
        city = City(client, {"Authorization": f"Bearer {key.secret_key}"})
        for thing, ((lon, lat), streams) in TOWN.items():
            bodies = [stream_body(name, prop, {"name": "unit", "symbol": "u"}, results) for name, prop, _, results in streams]
            assert client.post("/v1.1/Things", json=thing_body(thing, lon, lat, bodies), headers=city.h["admin"]).status_code == 201
        woning = client.get("/v1.1/Things?$filter=name eq 'Woning'", headers=city.h["admin"]).json()["value"][0]["@iot.id"]
        multi = {
            "name": "woning klimaat", "description": "klimaat", "observationType": COMPLEX, "Thing": {"@iot.id": woning},
            "unitOfMeasurements": [{"name": "graden", "symbol": "degC"}, {"name": "procent", "symbol": "%"}],
            "multiObservationDataTypes": [MEASUREMENT] * 2,
            "Sensor": {"name": "klimaat sensor", "description": "s", "encodingType": "application/pdf", "metadata": "m"},
            "ObservedProperties": [{"name": "binnen temperatuur", "definition": "d1", "description": "t"},
                                   {"name": "binnen vocht", "definition": "d2", "description": "h"}],
            "Observations": [{"phenomenonTime": at(0), "result": [20.5, 55]}, {"phenomenonTime": at(1), "result": [20.7, 54]}],
        }  # fmt: skip
        assert client.post("/v1.1/MultiDatastreams", json=multi, headers=city.h["admin"]).status_code == 201
        streams = {d["name"]: d["@iot.id"] for d in client.get("/v1.1/Datastreams", headers=city.h["admin"]).json()["value"]}
        multi_id = client.get("/v1.1/MultiDatastreams", headers=city.h["admin"]).json()["value"][0]["@iot.id"]
        parties = {name: city.party(name, kind) for name, kind in PARTIES.items()}
        for name in parties:
            city.key(name, parties[name], write=name in ("garagebedrijf", "bewoner"))
        datasets = {}
        for name, (level, owner, metadata) in DATASETS.items():
            body = {"name": name, "title": name.title(), "accessLevel": level, "ownerPartyId": parties[owner], "metadata": metadata}
            datasets[name] = city.call("POST", "/datasets", "admin", 201, {k: v for k, v in body.items() if v is not None})["id"]
        for _, streams_of in TOWN.values():
            for name, _, dataset, _ in streams_of:
                city.call("PUT", f"/datasets/{datasets[dataset]}/datastreams/{streams[name]}", "admin", 204)
        city.call("PUT", f"/datasets/{datasets['woning']}/multi-datastreams/{multi_id}", "admin", 204)
        # the garage company offers its data for the centre only; the waste company takes it
        offer = city.call("POST", f"/datasets/{datasets['parkeren']}/offers", "garagebedrijf", 201,
                          {"policy": centre_offer(parties["buurman"]), "autoAccept": True})  # fmt: skip
        city.call("POST", "/access-requests", "afvalbedrijf", 201, {"offerId": offer["id"], "purpose": "route planning"})
        yield Town(city, streams, multi_id, datasets, parties)


def table(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def stream_names(rows: list[dict[str, str]]) -> set[str]:
    return {r["datastream"] for r in rows}


# -- formats ------------------------------------------------------------------------------------
def test_csv_rows_links_and_file_name(town: Town) -> None:
    response = town.get(f"/datasets/{town.datasets['lucht']}/download")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="lucht.csv"'
    assert f'<{CC_BY}>; rel="license"' in response.headers["link"]
    rows = table(response)
    assert len(rows) == LUCHT_ROWS == len({r["observation_id"] for r in rows})
    markt = [r for r in rows if r["datastream"] == "pm10 markt"]
    assert [r["phenomenon_time"] for r in markt] == [at(h) for h in range(25)]  # in time order across the chunks
    assert [float(r["result"]) for r in markt] == [10.0 + h for h in range(25)]
    first = markt[0]
    assert first["datastream_id"] == str(town.streams["pm10 markt"]) and first["multi_datastream_id"] == ""
    assert (first["observed_property"], first["unit"], first["longitude"], first["latitude"]) == ("PM10", "u", "6.09", "52.51")
    assert first["phenomenon_time_end"] == "" and first["result_time"] == ""
    lamp = [r["result"] for r in rows if r["datastream"] == "lamp haven"]
    assert lamp == ["aan", "true", '{"mode":"dim","level":3}']


def test_geojson_carries_licence_and_attribution_as_members(town: Town) -> None:
    response = town.get(f"/datasets/{town.datasets['lucht']}/download", format="geojson", to=at(3))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = orjson.loads(response.content)
    assert body["type"] == "FeatureCollection" and body["license"] == CC_BY and body["attribution"] == "Gemeente Veenhaven"
    assert [d["name"] for d in body["datasets"]] == ["lucht"] and body["datasets"][0]["licenseCode"] == "CC-BY-4.0"
    features = body["features"]
    assert len(features) == 3 + 5 + 2  # hours 0-2 of the Markt, all of the Haven's PM10 and two lamp readings
    markt = next(f for f in features if f["properties"]["datastream"] == "pm10 markt")
    assert markt["geometry"] == {"type": "Point", "coordinates": [6.09, 52.51]} and markt["properties"]["result"] == 10.0
    assert {f["properties"]["result"] is True for f in features if f["properties"]["datastream"] == "lamp haven"} == {False, True}


def test_parquet_has_typed_columns_and_the_licence_in_its_metadata(town: Town) -> None:
    response = town.get(f"/datasets/{town.datasets['lucht']}/download", format="parquet")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert response.headers["content-disposition"] == 'attachment; filename="lucht.parquet"'
    data = pq.read_table(io.BytesIO(response.content))
    metadata = data.schema.metadata
    assert metadata[b"license"].decode() == CC_BY and metadata[b"attribution"].decode() == "Gemeente Veenhaven"
    assert orjson.loads(metadata[b"stadsdata:datasets"])[0]["name"] == "lucht"
    assert data.num_rows == LUCHT_ROWS
    rows = data.to_pylist()
    markt = [r for r in rows if r["datastream"] == "pm10 markt"]
    assert [r["phenomenon_time"] for r in markt] == [T0 + timedelta(hours=h) for h in range(25)]
    assert [r["result"] for r in markt] == [10.0 + h for h in range(25)] and {r["result_text"] for r in markt} == {None}
    assert [r["result_text"] for r in rows if r["datastream"] == "lamp haven"] == ["aan", "true", '{"mode":"dim","level":3}']
    assert str(data.schema.field("phenomenon_time").type) == "timestamp[us, tz=UTC]"


def test_a_zip_bundle_holds_the_data_readme_and_datapackage(town: Town) -> None:
    response = town.get(f"/datasets/{town.datasets['lucht']}/download", bundle="zip")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == 'attachment; filename="lucht.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"README.md", "datapackage.json", "lucht.csv"}
    readme = archive.read("README.md").decode()
    assert CC_BY in readme and "Attribution: Gemeente Veenhaven" in readme
    package = orjson.loads(archive.read("datapackage.json"))
    assert package["licenses"] == [{"name": "CC-BY-4.0", "path": CC_BY, "title": LICENSES["CC-BY-4.0"].en}]
    assert package["resources"][0]["path"] == "lucht.csv"
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]][:2] == ["observation_id", "datastream_id"]
    assert package["sources"][0]["path"].endswith("/api/v1/catalog/lucht")
    assert len(list(csv.DictReader(io.StringIO(archive.read("lucht.csv").decode())))) == LUCHT_ROWS


# -- selection ----------------------------------------------------------------------------------
def test_selection_by_stream_time_property_and_area(town: Town) -> None:
    markt = town.streams["pm10 markt"]
    rows = table(town.get("/downloads", datastreams=str(markt), **{"from": at(2), "to": at(5)}))
    assert [r["phenomenon_time"] for r in rows] == [at(2), at(3), at(4)]
    rows = table(town.get(f"/datasets/{town.datasets['lucht']}/download", datastreams=f"{town.streams['pm10 haven']}"))
    assert stream_names(rows) == {"pm10 haven"} and len(rows) == 5  # four at the same time: none lost or repeated over chunks
    assert stream_names(table(town.get("/downloads", observedProperty="PM10"))) == {"pm10 markt", "pm10 haven"}
    assert stream_names(table(town.get("/downloads", bbox="6.0,52.5,6.15,52.52"))) == {"pm10 markt"}  # anonymous: public only
    assert stream_names(table(town.get("/downloads", "admin", bbox="6.0,52.5,6.15,52.52"))) == {
        "pm10 markt", "garage markt vrij", "woning temperatuur", "woning klimaat"}  # fmt: skip
    assert stream_names(table(town.get("/downloads", "admin", dataset="parkeren,lucht", observedProperty="vacant,lamp"))) == {
        "garage markt vrij", "garage zuid vrij", "lamp haven"}  # fmt: skip
    assert table(town.get("/downloads", observedProperty="PM10", **{"from": at(30)})) == []  # a selection of nothing is empty


def test_multidatastreams_are_downloaded_with_their_arrays(town: Town) -> None:
    rows = table(town.get("/downloads", "bewoner", multiDatastreams=str(town.multi)))
    assert [(r["multi_datastream_id"], r["datastream_id"], r["result"]) for r in rows] == [
        (str(town.multi), "", "[20.5,55]"), (str(town.multi), "", "[20.7,54]")]  # fmt: skip
    assert rows[0]["observed_property"] == '["binnen temperatuur","binnen vocht"]' and rows[0]["unit"] == '["degC","%"]'
    assert stream_names(table(town.get("/downloads", "bewoner", observedProperty="binnen vocht"))) == {"woning klimaat"}
    assert table(town.get("/downloads", "buurman", observedProperty="binnen vocht")) == []
    data = pq.read_table(io.BytesIO(town.get(f"/datasets/{town.datasets['woning']}/download", "bewoner", format="parquet").content))
    assert sorted(data.column("result_text").to_pylist(), key=str) == [None] * 4 + ["[20.5,55]", "[20.7,54]"]


@pytest.mark.parametrize(
    ("path", "params", "who", "status", "field"),
    [
        ("/downloads", {"datastreams": "999999"}, "anonymous", 404, "datastreams"),
        ("/downloads", {"multiDatastreams": "999999"}, "admin", 404, "multiDatastreams"),
        ("/downloads", {"datastreams": "1,zeven"}, "anonymous", 400, "datastreams"),
        ("/downloads", {"datastreams": "99999999999999999999"}, "anonymous", 400, "datastreams"),
        ("/downloads", {"observedProperty": "PM10", "from": at(5), "to": at(2)}, "anonymous", 400, "to"),
        ("/downloads", {"observedProperty": "PM10", "from": "gisteren"}, "anonymous", 400, "from"),
        ("/downloads", {"observedProperty": "PM10", "to": "2026-05-01T10:00:00"}, "anonymous", 400, "to"),
        ("/downloads", {"observedProperty": "PM10", "format": "xlsx"}, "anonymous", 400, "format"),
        ("/downloads", {"observedProperty": "PM10", "bbox": "1,2,3"}, "anonymous", 400, "bbox"),
        ("/downloads", {"observedProperty": "PM10", "bbox": "6.2,52,6.1,53"}, "anonymous", 400, "bbox"),
        ("/downloads", {"observedProperty": "PM10", "bundle": "tar"}, "anonymous", 400, "bundle"),
        ("/downloads", {}, "anonymous", 400, "datastreams"),
        ("/downloads", {"dataset": "onbekend"}, "anonymous", 404, "dataset"),
        ("/downloads", {"dataset": "woning"}, "buurman", 404, "dataset"),  # a resident's dataset is listed to no one else
        ("/downloads", {"dataset": "parkeren"}, "anonymous", 401, "dataset"),
        ("/downloads", {"dataset": "parkeren"}, "gemeente", 403, "dataset"),
        ("/downloads", {"dataset": "lucht", "format": "geojson"}, "anonymous", 400, "format"),  # 33 rows > the GeoJSON limit
    ],
)
def test_impossible_selections_are_problems_naming_the_parameter(town: Town, path: str, params: dict[str, str], who: str,
                                                                 status: int, field: str) -> None:  # fmt: skip
    assert_problem(town.get(path, who, **params), status, field)


def test_a_stream_of_another_dataset_is_not_in_this_one(town: Town) -> None:
    other = town.streams["garage markt vrij"]
    assert_problem(town.get(f"/datasets/{town.datasets['lucht']}/download", "admin", datastreams=str(other)), 404, "datastreams")
    assert_problem(town.get("/datasets/999999/download"), 404)


def test_the_store_pages_observations_by_stream_time_and_id(town: Town, store: Store) -> None:
    """`Transaction.observation_chunk`: keyset pages of any size add up to the same rows, in
    (stream, phenomenon time, id) order, ties in time included; a time range narrows them."""
    ids = [town.streams[name] for name in ("lamp haven", "pm10 haven", "pm10 markt")]

    def paged(limit: int, start: datetime | None = None, end: datetime | None = None) -> list[Any]:
        out: list[Any] = []
        after = None
        while True:
            with store.read_only() as tx:
                rows = tx.observation_chunk("Datastream", ids, start, end, after, limit)
            out += rows
            if len(rows) < limit:
                return out
            after = (rows[-1].stream_id, rows[-1].phenomenon_time_start, rows[-1].id)

    everything = paged(1000)
    assert len(everything) == LUCHT_ROWS
    assert [(r.stream_id, r.phenomenon_time_start, r.id) for r in everything] == sorted(
        (r.stream_id, r.phenomenon_time_start, r.id) for r in everything)  # fmt: skip
    for limit in (1, 2, 3, 4, 7):
        assert paged(limit) == everything, limit
    start, end = T0 + timedelta(hours=1), T0 + timedelta(hours=3)
    assert paged(2, start, end) == [r for r in everything if start <= r.phenomenon_time_start < end]
    assert {type(r.result) for r in everything} == {float, int, str, bool, dict}
    with store.read_only() as tx:
        multi = tx.observation_chunk("MultiDatastream", [town.multi], None, None, None, 10)
    assert [(r.phenomenon_time_start, r.result) for r in multi] == [(T0, [20.5, 55]), (T0 + timedelta(hours=1), [20.7, 54])]


# -- access -------------------------------------------------------------------------------------
def test_a_restricted_dataset_is_listed_but_downloads_only_with_a_right(town: Town) -> None:
    parkeren = town.datasets["parkeren"]
    listed = town.get("/catalog").json()["_embedded"]["datasets"]
    assert "parkeren" in {d["name"] for d in listed}  # in the catalog for everyone
    assert_problem(town.get(f"/datasets/{parkeren}/download"), 401)
    for fmt in ("csv", "geojson", "parquet"):
        assert_problem(town.get(f"/datasets/{parkeren}/download", "gemeente", format=fmt), 403)
    assert_problem(town.get("/downloads", "gemeente", datastreams=str(town.streams["garage zuid vrij"])), 404, "datastreams")
    owner = table(town.get(f"/datasets/{parkeren}/download", "garagebedrijf"))
    assert stream_names(owner) == {"garage markt vrij", "garage zuid vrij"} and len(owner) == rows_of("parkeren")
    response = town.get(f"/datasets/{parkeren}/download", "garagebedrijf")
    assert f'<{CLOSED}>; rel="license"' in response.headers["link"]  # no licence named: the default of its access level
    town.city.call("POST", f"/datasets/{parkeren}/grants", "garagebedrijf", 201, {"partyId": town.parties["gemeente"]})
    assert len(table(town.get(f"/datasets/{parkeren}/download", "gemeente"))) == rows_of("parkeren")


def test_an_area_limited_agreement_downloads_only_the_streams_inside(town: Town) -> None:
    parkeren = town.datasets["parkeren"]
    rows = table(town.get(f"/datasets/{parkeren}/download", "afvalbedrijf"))
    assert stream_names(rows) == {"garage markt vrij"} and len(rows) == 3
    data = pq.read_table(io.BytesIO(town.get(f"/datasets/{parkeren}/download", "afvalbedrijf", format="parquet").content))
    assert set(data.column("datastream").to_pylist()) == {"garage markt vrij"}
    assert_problem(town.get("/downloads", "afvalbedrijf", datastreams=str(town.streams["garage zuid vrij"])), 404, "datastreams")
    assert stream_names(table(town.get("/downloads", "afvalbedrijf", observedProperty="vacant"))) == {"garage markt vrij"}


def test_downloads_of_non_public_data_are_audited_with_the_rows_given(town: Town) -> None:
    def events(dataset: str) -> list[dict[str, Any]]:
        found = town.city.call("GET", f"/audit-events?datasetId={town.datasets[dataset]}&limit=1000", "admin", 200)
        return found["_embedded"]["auditEvents"]

    assert events("parkeren") == []
    table(town.get(f"/datasets/{town.datasets['parkeren']}/download", "garagebedrijf", format="csv"))
    given = events("parkeren")
    assert {(e["action"], e["basis"], e["subject"].split(":")[0]) for e in given} == {("download", "owner", "key")}
    assert sum(e["records"] for e in given) == rows_of("parkeren") and len(given) == 2  # 6 rows in chunks of 4
    assert all(e["request"].startswith(f"GET /api/v1/datasets/{town.datasets['parkeren']}/download") for e in given)
    town.get(f"/datasets/{town.datasets['parkeren']}/download", "afvalbedrijf", format="parquet")
    by_agreement = [e for e in events("parkeren") if e["basis"] == "agreement"]
    assert sum(e["records"] for e in by_agreement) == 3 and by_agreement[0]["partyId"] == town.parties["afvalbedrijf"]
    table(town.get(f"/datasets/{town.datasets['lucht']}/download", "gemeente"))
    assert events("lucht") == []  # public data is not audited


@pytest.mark.parametrize("fmt", ["csv", "geojson", "parquet"])
def test_nothing_of_hidden_data_leaks_into_a_download(town: Town, fmt: str) -> None:
    """Anonymous and the other resident ask for everything in the town's area: they get the public
    air data and nothing of the parking or home data — no rows, names, places or licences."""
    hidden = ("garage", "woning", "klimaat", "vacant", "temperatuur", "parkeren", CLOSED)
    for who in ("anonymous", "buurman"):
        params = {"bbox": "-180,-90,180,90", "format": fmt, "to": at(2)}
        response = town.get("/downloads", who, **params)
        assert response.status_code == 200, response.text
        if fmt == "parquet":
            data = pq.read_table(io.BytesIO(response.content))
            text = orjson.dumps([data.to_pylist(), {k.decode(): v.decode() for k, v in data.schema.metadata.items()}], default=str).decode()
            assert set(data.column("datastream").to_pylist()) == {"pm10 markt", "pm10 haven", "lamp haven"}
        else:
            text = response.text
        assert not [word for word in hidden if word in text.lower()], who
        assert not [word for word in hidden if word in response.headers.get("link", "").lower()]
        assert_problem(town.get(f"/datasets/{town.datasets['woning']}/download", who, format=fmt), 404)


# -- a party's own export -----------------------------------------------------------------------
def export(town: Town, who: str) -> zipfile.ZipFile:
    response = town.get("/me/export", who)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="stadsdata-export-')
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_a_residents_export_holds_everything_about_them_and_who_read_it(town: Town) -> None:
    woning = town.datasets["woning"]
    town.city.call("POST", "/consents", "bewoner", 201, {"datasetId": woning, "partyId": town.parties["gemeente"], "purpose": "energy advice"})
    assert len(table(town.get(f"/datasets/{woning}/download", "gemeente"))) == 4 + 2  # read by consent: audited
    device = {"name": "Weerstation Woning", "type": "weather", "themes": ["ENVI"], "purpose": "het weer thuis", "personalData": False,
              "geometry": {"type": "Point", "coordinates": [6.095, 52.515]}, "sensors": [{"name": "Thermometer", "observes": ["temperatuur"]}]}  # fmt: skip
    assert town.city.client.post(f"{API}/register/devices", json=device, headers=town.city.h["bewoner"]).status_code == 201
    archive = export(town, "bewoner")
    names = set(archive.namelist())
    temperature, multi = town.streams["woning temperatuur"], town.multi
    assert {"README.md", "party.json", "accounts.json", "datasets.json", "sensorthings.json", "sharing.json",
            f"observations/datastream-{temperature}.csv", f"observations/multidatastream-{multi}.csv",
            "audit/reads-of-my-data.csv", "audit/my-reads.csv", "register.json"} <= names  # fmt: skip
    assert orjson.loads(archive.read("party.json"))["name"] == "bewoner"
    accounts = archive.read("accounts.json").decode()
    assert "keyHash" not in accounts and "passwordHash" not in accounts and "key_hash" not in accounts
    assert [k["name"] for k in orjson.loads(accounts)["apiKeys"]] == ["bewoner"]
    assert [d["name"] for d in orjson.loads(archive.read("datasets.json"))] == ["woning"]
    records = orjson.loads(archive.read("sensorthings.json"))
    assert [d["name"] for d in records["Datastreams"]] == ["woning temperatuur"]
    assert records["Datastreams"][0]["Thing"]["name"] == "Woning" and records["Datastreams"][0]["Thing"]["Locations"]
    assert [d["name"] for d in records["MultiDatastreams"]] == ["woning klimaat"]
    observations = list(csv.DictReader(io.StringIO(archive.read(f"observations/datastream-{temperature}.csv").decode())))
    assert [float(r["result"]) for r in observations] == [20.0, 20.1, 20.2, 20.3]
    assert len(list(csv.DictReader(io.StringIO(archive.read(f"observations/multidatastream-{multi}.csv").decode())))) == 2
    sharing = orjson.loads(archive.read("sharing.json"))
    assert [(c["partyId"], c["purpose"], c["status"]) for c in sharing["consents"]] == [(town.parties["gemeente"], "energy advice", "given")]
    reads = list(csv.DictReader(io.StringIO(archive.read("audit/reads-of-my-data.csv").decode())))
    by_gemeente = [r for r in reads if r["party"] == "gemeente"]
    assert {(r["action"], r["basis"], r["dataset"]) for r in by_gemeente} == {("download", "consent", "woning")}
    assert sum(int(r["records"]) for r in by_gemeente) == 6
    assert {r["action"] for r in reads if r["party"] == "bewoner"} == {"export"}  # the export itself is in the log
    register = orjson.loads(archive.read("register.json"))
    assert [(d["name"], d["status"], [x["name"] for x in d["sensors"]]) for d in register] == [("Weerstation Woning", "submitted", ["Thermometer"])]


def test_an_export_is_only_ever_the_callers_own(town: Town) -> None:
    archive = export(town, "buurman")
    assert orjson.loads(archive.read("party.json"))["name"] == "buurman"
    assert orjson.loads(archive.read("datasets.json")) == []
    assert not [n for n in archive.namelist() if n.startswith("observations/")]
    for name in archive.namelist():
        text = archive.read(name).decode().lower()
        assert "woning" not in text and "bewoner" not in text, name
    assert_problem(town.get("/me/export"), 401)
    assert_problem(town.get("/me/export", "admin"), 403)  # an administrator of no party has no export of its own
