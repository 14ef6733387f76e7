"""`Catalog`: the catalog entries one caller is shown (`entries.py` states the listing rule),
read in one transaction: the datasets, their owners, and — through the caller's read scope, as
every read — the streams the caller may read, with their per-stream summaries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

from stadsdata.access.datasets import party_chain
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.catalog.areas import Area
from stadsdata.catalog.entries import CatalogEntry, Party, StreamSummary
from stadsdata.catalog.search import SearchQuery, SearchResult, search
from stadsdata.errors import NotFound
from stadsdata.model.entities import MULTI_DATASTREAM
from stadsdata.query.ast import QueryOptions
from stadsdata.query.parser import parse_expand, parse_select
from stadsdata.store.base import AccessSnapshot, LatestValue, ReadRequest, Store, Transaction

MAX_STREAMS = 1_000_000  # MultiDatastreams read for one catalog reading (they are few)
# A MultiDatastream with what the catalog shows of it: its Thing's name and first Location, its ObservedProperties.
_MULTI = QueryOptions(
    select=parse_select("id,name,unitOfMeasurements,Thing,ObservedProperties"),
    expand=parse_expand("Thing($select=name,Locations;$expand=Locations($top=1;$select=location)),ObservedProperties($select=name)"),
)
FORMATS = ("CSV", "GeoJSON", "Parquet", "SensorThings API")  # every dataset offers these (`distributions.py`)


class Catalog:
    """`areas` gives the named areas of the area facet (`areas.py`), asked when a search needs them."""

    def __init__(self, store: Store, access: AccessPolicy, areas: Callable[[], list[Area]] = list) -> None:
        self.store = store
        self.access = access
        self.areas = areas

    def entries(self, caller: Caller) -> list[CatalogEntry]:
        """Every entry the caller is shown, by dataset id."""
        with self.store.read_only() as tx:
            return _Reading(tx, self.access, caller).entries()

    def entry(self, caller: Caller, key: int | str) -> CatalogEntry:
        """One entry by dataset id or name; NotFound when the caller is not shown it."""
        with self.store.read_only() as tx:
            reading = _Reading(tx, self.access, caller)
            wanted = reading.dataset_row(key)
            found = reading.entries(only=None if wanted is None else wanted["id"])
        if not found:
            raise NotFound(f"no dataset {key!r} in the catalog")
        return found[0]

    def search(self, caller: Caller, query: SearchQuery) -> SearchResult:
        return search(self.entries(caller), query, self.areas())


class _Reading:
    """One caller's view of the catalog within one transaction."""

    def __init__(self, tx: Transaction, access: AccessPolicy, caller: Caller) -> None:
        self.tx, self.access, self.caller = tx, access, caller
        self.now = datetime.now(UTC)
        self.snapshot: AccessSnapshot = tx.access.snapshot(self.now)
        self.chain = party_chain(caller.party_id, self.snapshot)
        self.readable = access.readable_datasets(caller, tx)  # None: every dataset

    def dataset_row(self, key: int | str) -> dict[str, Any] | None:
        """The dataset named `key`, else the one with id `key`."""
        rows = [] if isinstance(key, int) else self.tx.access.rows("datasets", {"name": key}, limit=1)
        if not rows and str(key).isdigit() and int(key) < 2**63:
            rows = self.tx.access.rows("datasets", {"id": int(key)}, limit=1)
        return rows[0] if rows else None

    def entries(self, only: int | None = -1) -> list[CatalogEntry]:
        """All entries shown (`only` -1), or the one of dataset `only` (None: none)."""
        if only is None:
            return []
        where = {} if only == -1 else {"id": only}
        rows = self.tx.access.rows("datasets", where, limit=10**9)
        parties = {p["id"]: p for p in self.tx.access.rows("parties", limit=10**9)}
        shown = [(row, readable) for row in rows for listed, readable in [self._shown(row, parties)] if listed]
        streams = self._streams({row["id"] for row, readable in shown if readable})
        return [self._entry(row, readable, parties, streams.get(row["id"], [])) for row, readable in shown]

    # -- the listing rule -----------------------------------------------------------------------
    def _shown(self, row: dict[str, Any], parties: dict[int, dict[str, Any]]) -> tuple[bool, bool]:
        """(listed to this caller, the caller may read the data)."""
        owner = row["owner_party_id"]
        readable = self.readable is None or row["id"] in self.readable
        if readable or self._manages(row):
            return True, readable
        resident = owner is not None and parties.get(owner, {}).get("kind") == "resident"
        return not (row["unlisted"] or resident), False

    def _manages(self, row: dict[str, Any]) -> bool:
        owner = row["owner_party_id"]
        return self.caller.is_admin or (self.caller.can_write and owner is not None and owner in self.chain)

    # -- what comes from the data ----------------------------------------------------------------
    def _streams(self, readable: set[int]) -> dict[int, list[StreamSummary]]:
        """The Datastreams of the readable datasets that the caller's scope lets through (an
        agreement limited to an area gives only the streams inside it), by dataset."""
        if not readable:
            return {}
        scope = self.access.read_scope(self.caller, self.tx)
        latest = self.tx.latest_values(scope)
        extents = self.tx.access.stream_extents("Datastream", [v.datastream_id for v in latest])
        out: dict[int, list[StreamSummary]] = {}
        for value in latest:
            extent = extents.get(value.datastream_id)
            if extent is None or extent.dataset_id not in readable:
                continue
            out.setdefault(extent.dataset_id, []).append(_summary(value, extent))
        multi = self.tx.read(ReadRequest(MULTI_DATASTREAM, _MULTI, top=MAX_STREAMS, max_top=MAX_STREAMS, scope=scope)).records
        multi_extents = self.tx.access.stream_extents("MultiDatastream", [r["id"] for r in multi])
        for record in multi:
            extent = multi_extents.get(record["id"])
            if extent is not None and extent.dataset_id in readable:
                out.setdefault(extent.dataset_id, []).append(_multi_summary(record, extent))
        return out

    def _entry(self, row: dict[str, Any], readable: bool, parties: dict[int, dict[str, Any]], streams: list[StreamSummary]) -> CatalogEntry:
        metadata = row["metadata"] or {}
        owner = _party(parties.get(row["owner_party_id"]))
        publisher = _party(parties.get(metadata.get("publisherPartyId"))) or owner
        if owner is not None and owner.kind == "resident" and self.caller.party_id != owner.id and not self.caller.is_admin:
            owner = publisher = Party(0, "resident", "resident")  # residents are named (and told apart) to no other party
        times = [(s.start, s.end) for s in streams if s.start is not None and s.end is not None]
        boxes = [s.bbox for s in streams if s.bbox is not None]
        changed = row["modified_at"] or row["created_at"]
        newest = max((s.end for s in streams if s.end is not None), default=None)
        personal = metadata.get("personalData")
        if personal is None:
            personal = bool(row["personal_fields"]) or (owner is not None and owner.kind == "resident")
        return CatalogEntry(
            id=row["id"], name=row["name"], title=row["title"], description=row["description"], access_level=row["access_level"],
            owner=owner, publisher=publisher, created=row["created_at"], modified=max(changed, newest) if newest else changed,
            metadata=metadata, unlisted=bool(row["unlisted"]), readable=readable, managed=self._manages(row),
            personal_data=bool(personal), streams=tuple(streams),
            temporal=(min(t[0] for t in times), max(t[1] for t in times)) if times else None,
            bbox=_union(boxes), formats=FORMATS,
        )  # fmt: skip


def _party(row: dict[str, Any] | None) -> Party | None:
    if row is None:
        return None
    return Party(row["id"], row["name"], row["kind"], row.get("uri"), row.get("contact_email"))


def _summary(value: LatestValue, extent: Any) -> StreamSummary:
    unit = orjson.loads(value.unit_of_measurement_json or "{}") or {}
    location = orjson.loads(value.location_json) if value.location_json else None
    if isinstance(location, dict) and location.get("type") == "Feature":
        location = location.get("geometry")
    bbox = extent.bbox or _point_box(location)
    return StreamSummary(
        "Datastream", value.datastream_id, value.datastream_name, extent.description, (value.observed_property,),
        (unit.get("symbol") or unit.get("name") or "",), value.thing_name, extent.observation_count, extent.start, extent.end,
        bbox, location,
    )  # fmt: skip


def _multi_summary(record: dict[str, Any], extent: Any) -> StreamSummary:
    """A MultiDatastream as the catalog lists it (its Thing and first Location as the caller may read them)."""
    thing = record.get("Thing") or {}
    locations = thing.get("Locations") or []
    location = locations[0].get("location") if locations else None
    if isinstance(location, dict) and location.get("type") == "Feature":
        location = location.get("geometry")
    units = tuple(str(u.get("symbol") or u.get("name") or "") for u in record.get("unitOfMeasurements") or [] if isinstance(u, dict))
    return StreamSummary(
        "MultiDatastream", record["id"], record.get("name", ""), extent.description,
        tuple(p.get("name", "") for p in record.get("ObservedProperties") or []), units, thing.get("name", ""),
        extent.observation_count, extent.start, extent.end, extent.bbox or _point_box(location), location,
    )  # fmt: skip


def _point_box(geometry: Any) -> tuple[float, float, float, float] | None:
    if isinstance(geometry, dict) and geometry.get("type") == "Point":
        x, y = geometry["coordinates"][:2]
        return (x, y, x, y)
    return None


def _union(boxes: Iterable[tuple[float, float, float, float]]) -> tuple[float, float, float, float] | None:
    boxes = list(boxes)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
