"""The declarative mapping of a web API source: the config (a preset merged under it, checked
against the kind's schema, its paths compiled) and how one record becomes a Thing with its
Location, Datastreams and readings.

A record that cannot be mapped raises `Unmappable` naming the member of the mapping that failed
(e.g. `datastreams.0.result`); the connector quarantines the record with its bytes."""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path as FilePath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

from stadsdata.errors import BadRequest
from stadsdata.sources.kind import HTTP_MEMBERS
from stadsdata.sources.web_api.paths import Path, compile_path

FOLDER = FilePath(__file__).parent
PRESETS = FOLDER / "presets"
OGC_OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
OBSERVATION_TYPES = {
    "number": OGC_OM + "OM_Measurement",
    "text": OGC_OM + "OM_CategoryObservation",
    "boolean": OGC_OM + "OM_TruthObservation",
}
GEOMETRIES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_NOT_MAPPING = ("auth", *HTTP_MEMBERS)  # members of every fetching kind, not of the mapping


class Unmappable(Exception):
    """A record the mapping cannot read: why, and the mapping's member that failed."""

    def __init__(self, reason: str, member: str) -> None:
        super().__init__(reason)
        self.reason, self.member = reason, member


@cache
def config_schema() -> dict[str, Any]:
    """The JSON Schema of a source's config (the manifest's `config`, without the common members)."""
    return json.loads((FOLDER / "config.schema.json").read_text(encoding="utf-8"))


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS.glob("*.json"))


def load_preset(name: str) -> dict[str, Any]:
    path = PRESETS / f"{name}.json"
    if name not in preset_names():
        raise BadRequest(f"preset must be one of {', '.join(preset_names())}", field="config.preset")
    document = json.loads(path.read_text(encoding="utf-8"))
    document.pop("$comment", None)
    return document


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` merged over `base`: objects member by member, everything else (lists too) replaced."""
    out = copy.deepcopy(base)
    for name, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = merged(out[name], value)
        else:
            out[name] = copy.deepcopy(value)
    return out


def effective_config(config: dict[str, Any], *, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The config a run uses: its preset (if any) merged under it, checked against the schema
    (this kind's, unless another kind that maps records gives its own; BadRequest naming the
    member, as `config.<member>`)."""
    own = {k: v for k, v in config.items() if k != "preset"}
    out = merged(load_preset(config["preset"]), own) if config.get("preset") else own
    mapping = {k: v for k, v in out.items() if k not in _NOT_MAPPING}
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema or config_schema()).iter_errors(mapping))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        preset = f" (with preset {config['preset']!r})" if config.get("preset") else ""
        raise BadRequest(
            f"{where or 'config'}: {error.message}{preset}", field=f"config.{where}" if where else "config"
        )
    return out


# -- the compiled mapping ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeSpec:
    path: Path
    member: str
    format: str = "iso8601"
    zone: ZoneInfo | None = None

    def read(self, value: Any) -> datetime:
        raw = self.path.first(value)
        if raw is None:
            raise Unmappable(f"no time at {self.path.text}", self.member)
        try:
            return parse_time(raw, self.format, self.zone)
        except (ValueError, OverflowError, TypeError) as exc:
            raise Unmappable(f"{raw!r} at {self.path.text} is not a time ({self.format}): {exc}", self.member) from None


@dataclass(frozen=True)
class StreamSpec:
    """One Datastream of each record (or of each element of `for_each`)."""

    index: int
    name: str
    key: str
    result: Path
    type: str
    observation_type: str
    unit: dict[str, Any]
    observed_property: dict[str, Any]
    description: str | None
    time: TimeSpec | None
    optional: bool
    for_each: Path | None = None
    each_key: Path | None = None
    templates: tuple[tuple[str, Path], ...] = ()

    @property
    def member(self) -> str:
        return f"datastreams.{self.index}"


@dataclass(frozen=True)
class Condition:
    path: Path
    member: str
    test: dict[str, Any]

    def holds(self, record: Any) -> bool:
        value = self.path.first(record)
        if "exists" in self.test and (value is not None) != self.test["exists"]:
            return False
        if "equals" in self.test and value != self.test["equals"]:
            return False
        if "not_equals" in self.test and value == self.test["not_equals"]:
            return False
        if "in" in self.test and value not in self.test["in"]:
            return False
        return not ("matches" in self.test and not (isinstance(value, str) and re.search(self.test["matches"], value)))


@dataclass(frozen=True)
class Follow:
    url: Path
    name: str
    optional: bool
    member: str


@dataclass(frozen=True)
class Mapping:
    """A source's mapping, compiled: what `connector.py` reads records with."""

    config: dict[str, Any]
    csv: bool
    records: Path | None
    thing_key: Path
    thing_name: Path
    thing_description: Path | None
    thing_properties: dict[str, Path]
    locations: tuple[tuple[str, dict[str, Path]], ...]  # (member, {lon, lat} or {geometry})
    time: TimeSpec | None
    key: tuple[Path, ...]  # joined: the record's identity (default: the Thing's key)
    parameters: dict[str, Path]
    streams: tuple[StreamSpec, ...]
    conditions: tuple[Condition, ...] = ()
    follows: tuple[Follow, ...] = ()
    sensor: dict[str, Any] = field(default_factory=dict)
    projected: bool = False  # lon/lat paths hold x/y of another reference system: not range-checked here (the caller converts)

    def selected(self, record: Any) -> bool:
        return all(c.holds(record) for c in self.conditions)


def compile_mapping(config: dict[str, Any], *, schema: dict[str, Any] | None = None, projected: bool = False) -> Mapping:
    """The mapping of a source's config (preset merged, checked against `schema` — default this
    kind's —, paths compiled); BadRequest naming the member (`config.<member>`) of the first thing
    wrong."""
    config = effective_config(config, schema=schema)
    csv = config.get("format") == "csv"

    def path(spec: Any, member: str) -> Path:
        return compile_path(spec, f"config.{member}", csv=csv)

    _check_csv(config, csv)
    paging = config.get("paging") or {}
    for name in ("last_page", "total", "next", "cursor"):
        if name in paging:
            compile_path(paging[name], f"config.paging.{name}")  # page-level: always JSONPath
    thing = config["thing"]
    locations = _locations(config.get("location"), path)
    time = _time(config["time"], "time", path) if "time" in config else None
    streams = tuple(_stream(i, s, path) for i, s in enumerate(config["datastreams"]))
    if time is None and any(s.time is None for s in streams):
        raise BadRequest(
            "time: the phenomenonTime's path is required (at the record or at each Datastream)", field="config.time"
        )
    conditions = tuple(
        Condition(path(c["path"], f"where.{i}.path"), f"where.{i}", c) for i, c in enumerate(config.get("where", []))
    )
    follows = tuple(
        Follow(path(f["url"], f"follow.{i}.url"), f["as"], bool(f.get("optional", False)), f"follow.{i}")
        for i, f in enumerate(config.get("follow", []))
    )  # fmt: skip
    return Mapping(
        config, csv, compile_path(config["records"], "config.records") if config.get("records") and not csv else None,
        path(thing["key"], "thing.key"), path(thing["name"], "thing.name"),
        path(thing["description"], "thing.description") if "description" in thing else None,
        {n: path(p, f"thing.properties.{n}") for n, p in (thing.get("properties") or {}).items()}, locations, time,
        tuple(path(p, f"key.{i}") for i, p in enumerate(config["key"])) if isinstance(config.get("key"), list)
        else (path(config["key"], "key"),) if "key" in config else (),
        {n: path(p, f"parameters.{n}") for n, p in (config.get("parameters") or {}).items()}, streams, conditions, follows,
        config.get("sensor") or {}, projected,
    )  # fmt: skip


def _check_csv(config: dict[str, Any], csv: bool) -> None:
    """What a CSV source cannot do (no nested documents): refused by name."""
    if not csv:
        return
    paging = config.get("paging") or {}
    refused = [("config.records", "records" in config), ("config.follow", bool(config.get("follow"))),
               ("config.paging.style", paging.get("style") == "cursor")]  # fmt: skip
    refused += [(f"config.paging.{n}", n in paging) for n in ("last_page", "total", "next")]
    refused += [
        (f"config.datastreams.{i}.for_each", "for_each" in s) for i, s in enumerate(config.get("datastreams", []))
    ]
    refused += [("config.location", any("geometry" in loc for loc in _as_list(config.get("location"))))]
    for member, wrong in refused:
        if wrong:
            raise BadRequest(
                f"{member.removeprefix('config.')}: not for CSV (a CSV row has no nested documents)", field=member
            )


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _locations(spec: Any, path: Any) -> tuple[tuple[str, dict[str, Path]], ...]:
    out = []
    for i, loc in enumerate(_as_list(spec)):
        member = "location" if isinstance(spec, dict) else f"location.{i}"
        out.append((member, {n: path(p, f"{member}.{n}") for n, p in loc.items()}))
    return tuple(out)


def _time(spec: dict[str, Any], member: str, path: Any) -> TimeSpec:
    zone = None
    if "timezone" in spec:
        try:
            zone = ZoneInfo(spec["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise BadRequest(f"{member}.timezone: {spec['timezone']!r} is not a time zone (an IANA name such as Europe/Amsterdam)",
                             field=f"config.{member}.timezone") from None  # fmt: skip
    fmt = spec.get("format", "iso8601")
    if fmt not in ("iso8601", "epoch_s", "epoch_ms") and "%" not in fmt:
        raise BadRequest(
            f"{member}.format: iso8601, epoch_s, epoch_ms or a strptime pattern with %", field=f"config.{member}.format"
        )
    return TimeSpec(path(spec["path"], f"{member}.path"), member, fmt, zone)


def _stream(index: int, spec: dict[str, Any], path: Any) -> StreamSpec:
    member = f"datastreams.{index}"
    kind = spec.get("type", "number")
    for_each = path(spec["for_each"], f"{member}.for_each") if "for_each" in spec else None
    templates = tuple((t, path(t, f"{member}.name")) for t in _TEMPLATE.findall(spec["name"]))
    if for_each is None and templates:
        raise BadRequest(
            f"{member}.name: {{path}} in a name is for Datastreams with for_each", field=f"config.{member}.name"
        )
    observed = spec["observed_property"]
    return StreamSpec(
        index, spec["name"], spec.get("key", spec["name"]), path(spec["result"], f"{member}.result"), kind,
        spec.get("observation_type", OBSERVATION_TYPES[kind]),
        {"name": None, "symbol": None, "definition": None} | (spec.get("unit") or {}),
        {"name": observed["name"], "definition": observed.get("definition", observed["name"]), "description": observed.get("description", observed["name"])},
        spec.get("description"), _time(spec["time"], f"{member}.time", path) if "time" in spec else None, bool(spec.get("optional", False)),
        for_each, path(spec["each_key"], f"{member}.each_key") if "each_key" in spec else None, templates,
    )  # fmt: skip


# -- values --------------------------------------------------------------------------------------------
def parse_time(raw: Any, fmt: str, zone: ZoneInfo | None) -> datetime:
    """A time in `fmt` (iso8601, epoch_s, epoch_ms or a strptime pattern) as UTC; ValueError when
    it is not one."""
    if fmt in ("epoch_s", "epoch_ms"):
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValueError("not a number")
        seconds = float(raw) / (1000 if fmt == "epoch_ms" else 1)
        if not math.isfinite(seconds):
            raise ValueError("not a finite number")
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    if not isinstance(raw, str):
        raise ValueError("not a text")
    if fmt == "iso8601":
        text = raw.strip()
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    else:
        value = datetime.strptime(raw.strip(), fmt)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or UTC)
    return value.astimezone(UTC)


def typed_result(raw: Any, kind: str) -> Any:
    """`raw` as a result of `kind` (number, text, boolean); ValueError when it is not one. Numbers
    and booleans written as text (CSV, some APIs) are read."""
    if kind == "number":
        return _number(raw)
    if kind == "boolean":
        return _boolean(raw)
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError(f"{_shown(raw)} is not a text")
    return str(raw)


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise ValueError(f"{_shown(raw)} is not a number")
    if isinstance(raw, int | float):
        value: int | float = raw
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise ValueError(f"{_shown(raw)} is not a number") from None
    else:
        raise ValueError(f"{_shown(raw)} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{_shown(raw)} is not a finite number")
    return value


_TRUE, _FALSE = ("true", "1", "yes", "ja", "y", "j"), ("false", "0", "no", "nee", "n")


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE + _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError(f"{_shown(raw)} is not a boolean")


def _shown(raw: Any) -> str:
    text = json.dumps(raw, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def coordinate(raw: Any, name: str, low: float, high: float) -> float:
    """A longitude or latitude (a number, or a number as text as OCPI sends them)."""
    value = float(_number(raw))
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is not between {low} and {high}")
    return value


def geometry(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("type") not in GEOMETRIES or not isinstance(raw.get("coordinates"), list):
        raise ValueError(f"{_shown(raw)} is not a GeoJSON geometry ({', '.join(GEOMETRIES)})")
    return {"type": raw["type"], "coordinates": raw["coordinates"]}
