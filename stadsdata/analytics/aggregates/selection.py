"""Which Datastreams an aggregate is over: by id, by ObservedProperty (its name), by dataset (its
name) and by area (a bounding box, or the polygon of one of the server's named areas, that a Location
of the stream's Thing intersects) — each given narrows
the others — read through the caller's access scope: a stream the caller may not read is not there,
and one asked for by id that is not there is a 404."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stadsdata.errors import BadRequest, NotFound
from stadsdata.model.entities import DATASTREAM
from stadsdata.query.ast import QueryOptions
from stadsdata.query.parser import parse_filter
from stadsdata.store.base import ReadRequest, ScopeFn, Transaction

MAX_STREAMS = 1000


@dataclass(frozen=True)
class Selection:
    datastreams: tuple[int, ...] = ()
    observed_property: str | None = None
    dataset: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north (CRS84)
    area: str | None = None  # a named area's geometry as WKT (CRS84)


def select_streams(tx: Transaction, scope: ScopeFn, selection: Selection) -> list[dict[str, Any]]:
    """The Datastreams' records (id order), at most `MAX_STREAMS` (more: 400)."""
    terms: list[str] = []
    if selection.datastreams:
        terms.append(_ids(selection.datastreams))
    if selection.observed_property is not None:
        terms.append("ObservedProperty/name eq '" + selection.observed_property.replace("'", "''") + "'")
    if selection.dataset is not None:
        dataset = tx.access.dataset_id(selection.dataset)
        members = [row["id"] for row in tx.access.rows("datastreams", {"dataset_id": dataset}, limit=MAX_STREAMS + 1)] if dataset else []
        if not members:
            return []
        terms.append(_ids(members))
    if selection.bbox is not None:
        w, s, e, n = selection.bbox
        terms.append(f"st_intersects(Thing/Locations/location, geography'POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))')")
    if selection.area is not None:
        terms.append(f"st_intersects(Thing/Locations/location, geography'{selection.area}')")
    if not terms:
        raise BadRequest("choose the Datastreams: datastreams, observedProperty, dataset, bbox and/or area", field="datastreams")
    options = QueryOptions(filter=parse_filter(" and ".join(terms)), orderby=[])
    found = tx.read(ReadRequest(DATASTREAM, options, scope=scope, top=MAX_STREAMS + 1, max_top=MAX_STREAMS + 1)).records
    if len(found) > MAX_STREAMS:
        raise BadRequest(f"more than {MAX_STREAMS} Datastreams: narrow the selection", field="datastreams")
    missing = sorted(set(selection.datastreams) - {r["id"] for r in found})
    if missing and not (selection.observed_property or selection.dataset or selection.bbox or selection.area):
        raise NotFound(f"Datastream {missing[0]} does not exist")
    return sorted(found, key=lambda r: r["id"])


def _ids(ids: Sequence[int]) -> str:
    return "(" + " or ".join(f"id eq {int(i)}" for i in sorted(set(ids))) + ")"


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(part) for part in text.split(","))
    except ValueError:
        raise BadRequest("bbox must be west,south,east,north in degrees (CRS84)", field="bbox") from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise BadRequest("bbox must be west,south,east,north with west < east and south < north, in degrees", field="bbox")
    return w, s, e, n
