"""The file kind end to end, as a source of the API: a municipality's CSV export (RD New
coordinates, Dutch CSV), an Excel sheet, a GeoJSON with a legacy `crs`, a GeoPackage; reading the
same file again stores nothing twice; bad rows are quarantined with their bytes. (`stadsdata
import`: tests/integration/sources/test_file_import.py.)"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
import shapely
import yaml

from stadsdata.sources.conftest import SourcePlatform

RECORDED = Path(__file__).with_name("recorded")
MAPPING = yaml.safe_load((RECORDED / "grondwater.mapping.yaml").read_text())


def _observations(platform: SourcePlatform) -> list[dict[str, Any]]:
    return platform.get("/v1.1/Observations?$orderby=id&$expand=Datastream($select=name)&$top=1000")["value"]


def test_a_csv_export_with_rd_coordinates_through_the_api(source_platform: SourcePlatform, tmp_path: Path) -> None:
    file = tmp_path / "grondwater.csv"
    shutil.copy(RECORDED / "grondwater.csv", file)
    made = source_platform.add_source({"name": "peilbuizen", "kind": "file", "config": {**MAPPING, "path": str(file)}})
    assert made["connectionTest"] == "grondwater.csv: csv, 5 rows; the first record is Thing 'Peilbuis Spoolde' with 1 readings"

    run = source_platform.run("peilbuizen")

    assert (run["status"], run["itemsRead"], run["itemsStored"], run["itemsQuarantined"]) == ("partial", 5, 3, 2)
    things = source_platform.get("/v1.1/Things?$orderby=name&$expand=Locations")["value"]
    assert [t["name"] for t in things] == ["Peilbuis Kamperpoort", "Peilbuis Spoolde"]
    lon, lat = things[1]["Locations"][0]["location"]["coordinates"]
    assert (round(lon, 3), round(lat, 3)) == (6.096, 52.524)  # RD (203120, 504310): Zwolle
    stored = _observations(source_platform)
    assert [(o["phenomenonTime"], o["result"]) for o in stored] == [
        ("2026-11-29T23:00:00Z", -42), ("2026-11-30T23:00:00Z", -40), ("2026-11-29T23:00:00Z", -55)]  # fmt: skip
    held = {h["topic"]: h for h in source_platform.held()}
    assert "stand_cm_nap" in held["grondwater.csv:5"]["reason"] and "onbekend" in held["grondwater.csv:5"]["payload"]
    assert "8 values for 7 columns" in held["grondwater.csv:6"]["reason"]

    again = source_platform.run("peilbuizen")  # the same file: not read again
    assert (again["status"], again["itemsRead"], again["itemsStored"]) == ("succeeded", 0, 0)
    with file.open("a") as handle:
        handle.write("PB-001;Peilbuis Spoolde;203120;504310;2026-12-02;08:00;-38\n")
    changed = source_platform.run("peilbuizen")  # read from the start: only the new row is new
    assert (changed["itemsRead"], changed["itemsStored"], changed["itemsDuplicate"]) == (6, 1, 3)
    assert len(_observations(source_platform)) == 4


def test_an_excel_sheet(source_platform: SourcePlatform, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.create_sheet("metingen")
    sheet.append(["meter", "omschrijving", "lon", "lat", "moment", "kWh"])
    sheet.append(["M-1", "Stadhuis", 6.0917, 52.5125, "2026-12-01T08:00:00Z", 1234.5])
    sheet.append(["M-1", "Stadhuis", 6.0917, 52.5125, "2026-12-02T08:00:00Z", 1250.0])
    book.save(tmp_path / "meters.xlsx")
    config = {"path": str(tmp_path / "meters.xlsx"), "sheet": "metingen", "thing": {"key": "meter", "name": "omschrijving"},
              "location": {"lon": "lon", "lat": "lat"}, "time": {"path": "moment"}, "key": ["meter", "moment"],
              "datastreams": [{"name": "energie", "result": "kWh", "unit": {"name": "kilowatt hour", "symbol": "kWh"},
                              "observed_property": {"name": "energy"}}]}  # fmt: skip
    source_platform.add_source({"name": "meters", "kind": "file", "config": config})
    run = source_platform.run("meters")
    assert (run["status"], run["itemsStored"]) == ("succeeded", 2)
    assert [o["result"] for o in _observations(source_platform)] == [1234.5, 1250.0]


def test_a_geojson_with_a_legacy_crs_and_a_geopackage(source_platform: SourcePlatform, tmp_path: Path) -> None:
    features = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [203120, 504310]},
                              "properties": {"id": "boom-1", "soort": "Linde", "hoogte_m": 14.5, "gemeten": "2026-11-01T10:00:00Z"}}]}  # fmt: skip
    (tmp_path / "bomen.geojson").write_text(json.dumps(features))
    mapping = {"thing": {"key": "properties.id", "name": "properties.soort"}, "location": {"geometry": "geometry"},
               "time": {"path": "properties.gemeten"},
               "datastreams": [{"name": "hoogte", "result": "properties.hoogte_m", "unit": {"name": "metre", "symbol": "m"},
                                "observed_property": {"name": "tree height"}}]}  # fmt: skip
    source_platform.add_source({"name": "bomen", "kind": "file", "config": {**mapping, "path": str(tmp_path / "bomen.geojson")}})
    assert source_platform.run("bomen")["itemsStored"] == 1
    _geopackage(tmp_path / "bomen.gpkg", [("boom-2", "Eik", 9.0, "2026-11-01T10:00:00Z", (202480, 503050))])
    gpkg = {"thing": {"key": "id", "name": "soort"}, "location": {"geometry": "geometry"}, "time": {"path": "gemeten"},
            "datastreams": [{"name": "hoogte", "result": "hoogte_m", "unit": {"name": "metre", "symbol": "m"}, "observed_property": {"name": "tree height"}}]}  # fmt: skip
    source_platform.add_source({"name": "bomen-gpkg", "kind": "file", "config": {**gpkg, "path": str(tmp_path / "bomen.gpkg")}})
    assert source_platform.run("bomen-gpkg")["itemsStored"] == 1
    things = {t["name"]: t for t in source_platform.get("/v1.1/Things?$expand=Locations")["value"]}
    for name, (lon, lat) in (("Linde", (6.096, 52.524)), ("Eik", (6.087, 52.512))):
        coordinates = things[name]["Locations"][0]["location"]["coordinates"]
        assert (round(coordinates[0], 3), round(coordinates[1], 3)) == pytest.approx((lon, lat), abs=0.002)


def _geopackage(path: Path, rows: list[tuple[str, str, float, str, tuple[float, float]]]) -> None:
    """A minimal GeoPackage (OGC 12-128r18): its spatial reference, contents and one feature table in RD New."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT);
        INSERT INTO gpkg_spatial_ref_sys VALUES ('Amersfoort / RD New', 28992, 'EPSG', 28992, 'undefined', NULL);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER);
        INSERT INTO gpkg_contents VALUES ('bomen', 'features', 'bomen', 28992);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
        INSERT INTO gpkg_geometry_columns VALUES ('bomen', 'geom', 'POINT', 28992, 0, 0);
        CREATE TABLE bomen (fid INTEGER PRIMARY KEY, geom BLOB, id TEXT, soort TEXT, hoogte_m REAL, gemeten TEXT);
    """)
    for key, kind, height, time, point in rows:
        blob = b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", 28992) + shapely.to_wkb(shapely.Point(point))  # no envelope, little-endian
        conn.execute("INSERT INTO bomen (geom, id, soort, hoogte_m, gemeten) VALUES (?, ?, ?, ?, ?)", (blob, key, kind, height, time))
    conn.commit()
    conn.close()


def test_a_quarantined_row_is_stored_on_replay_once_the_mapping_is_fixed(source_platform: SourcePlatform, tmp_path: Path) -> None:
    file = tmp_path / "grondwater.csv"
    shutil.copy(RECORDED / "grondwater.csv", file)
    mapping = {**MAPPING, "datastreams": [{**MAPPING["datastreams"][0], "result": "stand"}]}  # a column that is not there
    source_platform.add_source({"name": "peilbuizen", "kind": "file", "config": {**mapping, "path": str(file)}, "test": False})
    assert source_platform.run("peilbuizen")["itemsQuarantined"] == 5
    held = {h["topic"]: h for h in source_platform.held()}
    assert held["grondwater.csv:2"]["payload"].startswith("peilbuis;naam;")  # the header line kept with the row

    admin = source_platform.admin
    again = source_platform.client.patch(f"/api/v1/quarantine/{held['grondwater.csv:2']['id']}", json={"status": "replayed"}, headers=admin)
    assert again.status_code == 200 and again.json()["outcome"] == "quarantined"  # refused again: still held, the reason anew
    assert source_platform.client.patch("/api/v1/sources/peilbuizen", json={"config": {**MAPPING, "path": str(file)}}, headers=admin).status_code == 200
    replayed = source_platform.client.patch(f"/api/v1/quarantine/{held['grondwater.csv:2']['id']}", json={"status": "replayed"}, headers=admin)
    assert replayed.json()["outcome"] == "stored" and replayed.json()["status"] == "replayed"
    [observation] = _observations(source_platform)
    assert (observation["result"], observation["phenomenonTime"]) == (-42, "2026-11-29T23:00:00Z")
    bad = source_platform.client.patch(f"/api/v1/quarantine/{held['grondwater.csv:5']['id']}", json={"status": "replayed"}, headers=admin)
    assert bad.json()["outcome"] == "quarantined" and "stand_cm_nap" in bad.json()["reason"]  # 'onbekend' is still no number
    runs = source_platform.client.get("/api/v1/sources/peilbuizen/runs", headers=admin).json()["_embedded"]["runs"]
    assert runs[1]["owner"].startswith("replay by ") and runs[1]["itemsStored"] == 1  # a replay is a run of its own (provenance)
    assert observation["parameters"]["provenance"] == {"source": "peilbuizen", "run": runs[1]["id"]}
