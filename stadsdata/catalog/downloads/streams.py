"""The streams of a selection that exist for the caller (`visible_streams`): read with the caller's
read scope, as every read — so a stream the caller may not read does not exist for it (404 naming
the parameter that named it), and an agreement limited to an area gives only the streams whose
Thing lies inside it. Each `Stream` carries what every row of a download repeats: its name,
ObservedProperty, unit, dataset and its Thing's place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from stadsdata.catalog.downloads.selection import Selection
from stadsdata.errors import BadRequest, NotFound, ProblemError
from stadsdata.geo.geojson import to_shape
from stadsdata.model.entities import DATASTREAM, MULTI_DATASTREAM
from stadsdata.query.ast import BinaryOp, Expr, Literal, Path, QueryOptions, Related
from stadsdata.query.parser import parse_expand, parse_filter
from stadsdata.store.base import ReadRequest, ScopeFn, Transaction

MAX_STREAMS = 100_000  # streams in one download
_ENTITIES = {"Datastream": DATASTREAM, "MultiDatastream": MULTI_DATASTREAM}
_FIELDS = {"Datastream": "datastreams", "MultiDatastream": "multiDatastreams"}
_PROPERTY_PATHS = {"Datastream": ("ObservedProperty", "name"), "MultiDatastream": ("ObservedProperties", "name")}
_EXPAND = {
    "Datastream": parse_expand("Thing($select=name;$expand=Locations($top=1;$select=location)),ObservedProperty($select=name)"),
    "MultiDatastream": parse_expand("Thing($select=name;$expand=Locations($top=1;$select=location)),ObservedProperties($select=name)"),
}


@dataclass(frozen=True)
class Stream:
    """A Datastream or MultiDatastream as a download's rows show it. For a MultiDatastream the
    ObservedProperties and units are JSON arrays (as text), in the order of its results."""

    kind: str  # 'Datastream' | 'MultiDatastream'
    id: int
    name: str
    observed_property: str
    unit: str
    geometry: dict[str, Any] | None  # GeoJSON geometry of its Thing's first Location
    point: tuple[float, float] | None  # (longitude, latitude) of that geometry (its centroid if not a point)
    dataset_id: int | None = None


def visible_streams(tx: Transaction, scope: ScopeFn, selection: Selection, dataset_ids: Sequence[int] | None) -> list[Stream]:
    """The selected streams the caller may read (of `dataset_ids` only, when given), by kind and id.
    NotFound naming `datastreams`/`multiDatastreams` for a named stream the caller cannot read
    (or that is not in the datasets)."""
    found: list[Stream] = []
    for kind in selection.kinds:
        entity = _ENTITIES[kind]
        named = selection.datastreams if kind == "Datastream" else selection.multi_datastreams
        within = None if dataset_ids is None else Related((), tuple(dataset_ids))
        if named:
            _check_named(tx, scope, kind, named, within)
        options = QueryOptions(filter=_all_of([_ids(named), within, _properties(kind, selection), _area(selection)]), expand=_EXPAND[kind])
        result = tx.read(ReadRequest(entity, options, scope=scope, top=MAX_STREAMS, max_top=MAX_STREAMS, default_top=100))
        if result.has_more:
            raise BadRequest(f"more than {MAX_STREAMS} streams selected: narrow the selection", field=_FIELDS[kind])
        datasets = tx.access.stream_datasets(kind, [r["id"] for r in result.records])
        found += [_stream(kind, record, datasets.get(record["id"])) for record in result.records]
    return found


def _check_named(tx: Transaction, scope: ScopeFn, kind: str, named: Sequence[int], within: Expr | None) -> None:
    options = QueryOptions(filter=_all_of([_ids(named), within]), select=["id"])
    result = tx.read(ReadRequest(_ENTITIES[kind], options, scope=scope, top=len(named), max_top=len(named)))
    missing = sorted(set(named) - {r["id"] for r in result.records})
    if missing:
        where = "" if within is None else " in this dataset"
        raise NotFound(f"no {kind} {missing[0]}{where}", field=_FIELDS[kind])


def _any_of(parts: Sequence[Expr]) -> Expr:
    """`a or b or …` as a balanced tree (a long list nests no deeper than its logarithm)."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return BinaryOp("or", _any_of(parts[:middle]), _any_of(parts[middle:]))


def _all_of(parts: Sequence[Expr | None]) -> Expr | None:
    present = [p for p in parts if p is not None]
    if not present:
        return None
    out = present[0]
    for part in present[1:]:
        out = BinaryOp("and", out, part)
    return out


def _ids(ids: Sequence[int]) -> Expr | None:
    return _any_of([BinaryOp("eq", Path(("id",)), Literal(i, "int")) for i in ids]) if ids else None


def _properties(kind: str, selection: Selection) -> Expr | None:
    names = selection.observed_properties
    path = Path(_PROPERTY_PATHS[kind])
    return _any_of([BinaryOp("eq", path, Literal(name, "string")) for name in names]) if names else None


def _area(selection: Selection) -> Expr | None:
    if selection.bbox is None:
        return None
    x0, y0, x1, y1 = selection.bbox
    ring = f"{x0!r} {y0!r}, {x1!r} {y0!r}, {x1!r} {y1!r}, {x0!r} {y1!r}, {x0!r} {y0!r}"
    return parse_filter(f"st_intersects(Thing/Locations/location, geography'POLYGON(({ring}))')")


def _stream(kind: str, record: dict[str, Any], dataset_id: int | None) -> Stream:
    thing = record.get("Thing") or {}
    locations = thing.get("Locations") or []
    geometry = _geometry(locations[0].get("location")) if locations else None
    if kind == "Datastream":
        prop = (record.get("ObservedProperty") or {}).get("name", "")
        unit = _unit(record.get("unitOfMeasurement"))
    else:
        prop = orjson.dumps([p.get("name") for p in record.get("ObservedProperties") or []]).decode()
        unit = orjson.dumps([_unit(u) for u in record.get("unitOfMeasurements") or []]).decode()
    return Stream(kind, record["id"], record.get("name", ""), prop, unit, geometry, _point(geometry), dataset_id)


def _unit(unit: Any) -> str:
    if not isinstance(unit, dict):
        return ""
    return str(unit.get("symbol") or unit.get("name") or "")


def _geometry(location: Any) -> dict[str, Any] | None:
    if isinstance(location, dict) and location.get("type") == "Feature":
        location = location.get("geometry")
    return location if isinstance(location, dict) else None


def _point(geometry: dict[str, Any] | None) -> tuple[float, float] | None:
    if geometry is None:
        return None
    try:
        shape = to_shape(geometry, field="location")
    except (ProblemError, ValueError):  # a stored geometry that cannot be read has no point
        return None
    if shape.is_empty:
        return None
    centre = shape if shape.geom_type == "Point" else shape.centroid
    return (round(centre.x, 7), round(centre.y, 7))
