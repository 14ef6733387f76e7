"""Read a file of the city's own systems as a source: each record through the web-api kind's
mapping (`sources/web_api/`: `thing`, `location`, `time`, `key`, `datastreams`, `where`, …; for
CSV and Excel the paths are column names, for GeoJSON and GeoPackage JSONPaths into the feature
or row), mirrored and stored in batches, a checkpoint after each.

State (`run.cursor`): the file's SHA-256, the records done and whether the run got to the end.
The same file again goes on where the last run stopped (after a finished run: nothing is read). A changed file
is read from the start; every reading's key (the record's identity, the Datastream, the time)
makes what was stored before a duplicate, not a double."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stadsdata.errors import BadRequest
from stadsdata.sources.connector import Probe
from stadsdata.sources.file import crs, readers
from stadsdata.sources.http import SourceError
from stadsdata.sources.run import Run
from stadsdata.sources.web_api.mapping import Mapping, Unmappable, compile_mapping
from stadsdata.sources.web_api.mapping import config_schema as web_api_schema
from stadsdata.sources.web_api.records import map_record

MAPPING_MEMBERS = ("csv", "where", "thing", "location", "time", "key", "parameters", "sensor", "datastreams")
FILE_MEMBERS: dict[str, Any] = {
    "path": {"type": "string", "minLength": 1, "description": "the file, as the process that runs the source sees it"},
    "format": {"enum": list(readers.FORMATS), "description": "default: from the file's extension"},
    "sheet": {"type": "string", "description": "xlsx: the sheet (default the first)"},
    "layer": {"type": "string", "description": "gpkg: the feature table (default the first)"},
    "crs": {"type": "string", "description": "the reference system of the mapped location's coordinates, e.g. EPSG:28992 (RD New); default EPSG:4326. GeoPackage and GeoJSON with a `crs` member are converted by themselves"},
    "batch": {"type": "integer", "minimum": 1, "maximum": 100000, "description": "records stored per transaction and checkpoint (default 1000)"},
}  # fmt: skip
DEFAULT_BATCH = 1000
Progress = Callable[[int, int | None], None]


def config_schema() -> dict[str, Any]:
    """The file's members and the mapping members of the web-api kind's config schema."""
    web = web_api_schema()
    return {
        "type": "object", "additionalProperties": False, "required": ["path", "thing", "datastreams"],
        "description": "A file of the city's own systems, mapped as the web-api kind maps a record (see its schema).",
        "properties": {**FILE_MEMBERS, **{n: copy.deepcopy(web["properties"][n]) for n in MAPPING_MEMBERS}},
        **({"$defs": web["$defs"]} if "$defs" in web else {}),
    }  # fmt: skip


def mapping_of(config: dict[str, Any]) -> Mapping:
    """The compiled mapping (BadRequest naming `config.<member>`); column names for CSV and xlsx."""
    fmt = readers.file_format(Path(config["path"]), config.get("format"))
    tabular = fmt in ("csv", "xlsx")
    schema = config_schema()
    mapping_schema = {**schema, "required": ["thing", "datastreams"], "properties": {**schema["properties"], "format": {"enum": ["csv", "json"]}}}
    members = {n: config[n] for n in MAPPING_MEMBERS if n in config} | {"format": "csv" if tabular else "json"}
    projected = bool(config.get("crs")) and config["crs"].upper() not in ("EPSG:4326", "WGS84", "OGC:CRS84")
    return compile_mapping(members, schema=mapping_schema, projected=projected)


class FileConnector:
    def validate(self, config: dict[str, Any]) -> None:
        try:
            mapping_of(config)
        except readers.FileError as exc:
            raise BadRequest(str(exc), field="config.format") from None
        if config.get("crs"):
            try:
                crs.check(config["crs"])
            except crs.UnknownCrs as exc:
                raise BadRequest(str(exc), field="config.crs") from None

    def check(self, probe: Probe) -> str:
        path = Path(probe.config["path"])
        fmt = readers.file_format(path, probe.config.get("format"))
        mapping = mapping_of(probe.config)
        try:
            first = next(iter(_records(probe.config, path, fmt)), None)
        except readers.FileError as exc:
            raise SourceError(str(exc)) from None
        rows = readers.count_rows(path, fmt)
        found = f"{path.name}: {fmt}" + (f", {rows} rows" if rows is not None else "")
        if first is None:
            return f"{found}; no records"
        try:
            mapped = map_record(mapping, first[0])
        except Unmappable as exc:
            return f"{found}; the first record cannot be mapped ({exc.member}: {exc.reason})"
        return f"{found}; the first record is Thing {mapped.thing['name']!r} with {len(mapped.readings)} readings"

    def replay(self, run: Run, raw: bytes, where: str) -> None:
        """A quarantined record again, through the mapping as it is now."""
        from stadsdata.sources.web_api.connector import RecordWriter, record_of

        try:
            mapping = mapping_of(run.config)
        except BadRequest as exc:
            raise SourceError(f"the mapping is wrong: {exc.detail}") from None
        record = record_of(raw, _csv_mapping(mapping, run.config, raw))
        item = RecordWriter(run, mapping, location=_to_wgs84(run.config.get("crs"))).item(record, where, raw)
        if item is not None:
            run.store([item])

    def run(self, run: Run) -> None:
        from stadsdata.sources.web_api.connector import RecordWriter

        path = Path(run.config["path"])
        try:
            fmt = readers.file_format(path, run.config.get("format"))
            mapping = mapping_of(run.config)
            digest = file_digest(path)
        except (readers.FileError, OSError) as exc:
            raise SourceError(str(exc)) from None
        except BadRequest as exc:
            raise SourceError(f"the mapping is wrong: {exc.detail}") from None
        unchanged = run.cursor.get("sha256") == digest and run.since is None
        if unchanged and run.cursor.get("finished"):
            return  # read to the end before: nothing new
        done = int(run.cursor.get("records", 0)) if unchanged else 0
        total = readers.count_rows(path, fmt)
        writer = RecordWriter(run, mapping, location=_to_wgs84(run.config.get("crs")))
        batch, position, items = int(run.config.get("batch", DEFAULT_BATCH)), 0, []
        try:
            for record, raw, where in _records(run.config, path, fmt):
                position += 1
                if position <= done:
                    continue
                item = writer.item(record, where, raw)
                if item is not None:
                    items.append(item)
                if position % batch == 0:
                    self._save(run, items, digest, position, total)
                    items = []
        except readers.FileError as exc:
            raise SourceError(str(exc)) from None
        self._save(run, items, digest, max(position, done), total, finished=True)

    def _save(self, run: Run, items: list[Any], digest: str, position: int, total: int | None, *, finished: bool = False) -> None:
        run.store(items)
        run.checkpoint({"sha256": digest, "records": position} | ({"finished": True} if finished else {}))
        run.report(position, total)


def _csv_mapping(mapping: Mapping, config: dict[str, Any], raw: bytes) -> Mapping:
    """The mapping with the delimiter a quarantined row was kept with (the file's: given, or the
    one its header line has most of) and UTF-8 (how rows are kept)."""
    if not mapping.csv:
        return mapping
    given = (config.get("csv") or {}).get("delimiter")
    header = raw.decode("utf-8").split("\n", 1)[0]
    options = {"delimiter": given or readers.delimiter_of(header), "quotechar": (config.get("csv") or {}).get("quotechar", '"')}
    return dataclasses.replace(mapping, config={**mapping.config, "csv": options})


def _records(config: dict[str, Any], path: Path, fmt: str) -> Any:
    options = config.get("csv") or {}
    return readers.records(
        path, fmt, delimiter=options.get("delimiter"), encoding=options.get("encoding", "utf-8-sig"),
        sheet=config.get("sheet"), layer=config.get("layer"),
    )  # fmt: skip


def _to_wgs84(reference: str | None) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    if not reference:
        return None

    def convert(geometry: dict[str, Any]) -> dict[str, Any]:
        try:
            return crs.to_wgs84(geometry, reference)
        except Exception as exc:  # noqa: BLE001 - shapely and pyproj errors of a bad geometry: this record only
            raise Unmappable(f"its coordinates cannot be converted from {reference}: {exc}", "location") from None

    return convert


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()
