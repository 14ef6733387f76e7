"""Records of a file from the city's own systems, one at a time (a file of a million rows is never
held in memory, except GeoJSON, which is one JSON document): each as (record, its raw bytes as
kept in the quarantine, where it is: '<file>:<row>').

- CSV: a dict of column -> text per row (the header row names the columns; a row of another
  width says so, and is quarantined; its raw bytes are the header line and the row, re-written
  as UTF-8 CSV); the delimiter is the one of `, ; tab |` the header line has most of, unless given; the encoding is UTF-8
  (with or without BOM) unless given.
- Excel (xlsx, openpyxl in read-only mode): a dict of column -> value per row of a sheet (the
  first unless named); numbers, dates and texts as Excel keeps them.
- GeoJSON: each Feature of a FeatureCollection as it is (`properties.<name>`, `geometry`); a
  legacy `crs` member (e.g. urn:ogc:def:crs:EPSG::28992) is honoured: geometries made WGS 84 (the
  raw bytes kept of a feature are then those of the converted feature).
- GeoPackage (a SQLite file): a dict of column -> value per row of a feature table (the first
  unless named), its geometry (GeoPackage binary: header + WKB, read with shapely) as GeoJSON in
  `geometry`, made WGS 84 from the table's reference system (`crs.py`)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import shapely
from shapely.geometry import mapping as geojson_of

from stadsdata.sources.file import crs
from stadsdata.sources.web_api.paging import CsvRow

FORMATS = ("csv", "xlsx", "geojson", "gpkg")
Record = tuple[Any, bytes, str]  # (record, raw bytes, where)


class FileError(ValueError):
    """A file that cannot be read as the format it is said to be (names the file and why)."""


def file_format(path: Path, given: str | None = None) -> str:
    """The format given, or the one of the file's extension."""
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    found = {"csv": "csv", "txt": "csv", "tsv": "csv", "xlsx": "xlsx", "geojson": "geojson", "json": "geojson", "gpkg": "gpkg"}.get(suffix)
    if found is None:
        raise FileError(f"{path.name}: cannot tell the format from '.{suffix}'; give one of {', '.join(FORMATS)}")
    return found


def records(path: Path, fmt: str, *, delimiter: str | None = None, encoding: str = "utf-8-sig", sheet: str | None = None,
            layer: str | None = None) -> Iterator[Record]:  # fmt: skip
    """The records of the file, in order."""
    if not path.is_file():
        raise FileError(f"{path}: no such file")
    if fmt == "csv":
        return _csv(path, delimiter, encoding)
    if fmt == "xlsx":
        return _xlsx(path, sheet)
    if fmt == "geojson":
        return _geojson(path)
    if fmt == "gpkg":
        return _gpkg(path, layer)
    raise FileError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def count_rows(path: Path, fmt: str) -> int | None:
    """How many records the file holds, when that is cheap to know (for a progress bar)."""
    if fmt != "csv":
        return None
    with path.open("rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


def delimiter_of(header_line: str) -> str:
    """The one of `, ; tab |` a CSV header line has most of."""
    return max(",;\t|", key=header_line.count)


def _csv(path: Path, delimiter: str | None, encoding: str) -> Iterator[Record]:
    with path.open(encoding=encoding, newline="") as handle:
        header_line = handle.readline()
        handle.seek(0)
        if delimiter is None:
            delimiter = delimiter_of(header_line)
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        for row in reader:
            if not row:
                continue
            raw = io.StringIO()  # the header line and the row, as the web-api kind keeps CSV rows
            csv.writer(raw, delimiter=delimiter, lineterminator="\n").writerows([header, row])
            record = CsvRow(zip(header, row, strict=False))
            record.raw = raw.getvalue().encode()
            if len(row) != len(header):
                record.problem = f"{len(row)} values for {len(header)} columns"
            yield record, record.raw, f"{path.name}:{reader.line_num}"


def _xlsx(path: Path, sheet: str | None) -> Iterator[Record]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl's own errors
        raise FileError(f"{path.name} is not an Excel (xlsx) workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileError(f"{path.name} has no sheet {sheet!r} (it has {', '.join(book.sheetnames)})")
        rows = book[sheet or book.sheetnames[0]].iter_rows(values_only=True)
        header = [str(h) if h is not None else f"column{i + 1}" for i, h in enumerate(next(rows, ()))]
        for number, row in enumerate(rows, start=2):
            if all(v is None for v in row):
                continue
            record = {h: _plain(v) for h, v in zip(header, row, strict=False)}
            yield record, orjson.dumps(record), f"{path.name}:{number}"
    finally:
        book.close()


def _geojson(path: Path) -> Iterator[Record]:
    """The Features; geometries in the reference system of a (pre-RFC 7946) `crs` member made WGS 84."""
    try:
        document = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileError(f"{path.name} is not GeoJSON: {exc}") from None
    if not isinstance(document, dict):
        raise FileError(f"{path.name} is not a GeoJSON object")
    features = [document] if document.get("type") == "Feature" else document.get("features")
    if not isinstance(features, list):
        raise FileError(f"{path.name} is not a GeoJSON FeatureCollection (no 'features' array)")
    named = (document.get("crs") or {}).get("properties", {}).get("name") if isinstance(document.get("crs"), dict) else None
    for number, feature in enumerate(features):
        if named and isinstance(feature, dict) and isinstance(feature.get("geometry"), dict):
            feature = {**feature, "geometry": crs.to_wgs84(feature["geometry"], named)}
        yield feature, orjson.dumps(feature), f"{path.name}:features[{number}]"


def _gpkg(path: Path, layer: str | None) -> Iterator[Record]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        layers = {
            table: (column, f"{organisation}:{code}" if organisation and organisation.upper() != "NONE" else None)
            for table, column, organisation, code in conn.execute(
                "SELECT c.table_name, g.column_name, s.organization, s.organization_coordsys_id FROM gpkg_contents c"
                " JOIN gpkg_geometry_columns g ON g.table_name = c.table_name LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id"
                " WHERE c.data_type = 'features'"
            )
        }  # fmt: skip
    except sqlite3.DatabaseError as exc:
        raise FileError(f"{path.name} is not a GeoPackage: {exc}") from None
    try:
        if not layers or (layer is not None and layer not in layers):
            raise FileError(f"{path.name} has no feature table {layer or ''!r} (it has {', '.join(layers) or 'none'})")
        table = layer or next(iter(layers))
        column, srs = layers[table]
        cursor = conn.execute(f'SELECT * FROM "{table.replace(chr(34), "")}"')  # noqa: S608 - a table name from gpkg_contents
        names = [d[0] for d in cursor.description]
        for number, row in enumerate(cursor, start=1):
            record = {n: _plain(v) for n, v in zip(names, row, strict=True) if n != column}
            blob = row[names.index(column)]
            geometry = _gpkg_geometry(blob) if blob is not None else None
            record["geometry"] = crs.to_wgs84(geometry, srs) if geometry is not None else None
            yield record, orjson.dumps(record), f"{path.name}:{table}[{number}]"
    finally:
        conn.close()


def _gpkg_geometry(blob: bytes) -> dict[str, Any] | None:
    """A GeoPackage geometry blob (GP header, envelope, WKB) as GeoJSON (OGC 12-128r18 §2.1.3)."""
    if blob[:2] != b"GP":
        return None
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111, 0)
    if flags & 0b10000:  # an empty geometry
        return None
    return dict(geojson_of(shapely.from_wkb(blob[8 + envelope :])))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value
