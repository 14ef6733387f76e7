"""What a batch of committed changes did to NGSI-LD entities: per Thing (an entity on this face),
whether it was created, which of its Datastreams (attributes) got new values or were added or
changed, whether its other attributes (name, the attributes kept in its properties) or its
location changed. Deletions are not followed (no `entityDeleted` trigger)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stadsdata.api.ngsild.entities import Source
from stadsdata.store.base import Change, Transaction


@dataclass
class Touched:
    created: bool = False
    streams: set[int] = field(default_factory=set)
    other: bool = False  # name or the kept (non-numeric) attributes
    location: bool = False

    def merge(self, more: Touched) -> None:
        self.created |= more.created
        self.streams |= more.streams
        self.other |= more.other
        self.location |= more.location

    def attributes(self, source: Source, entity: dict[str, object]) -> set[str]:
        """The names of the entity's attributes this change touched."""
        names = set(entity) - {"id", "type"}
        if self.created:
            return names
        stream_names = {s.attribute for s in source.streams}
        out = {s.attribute for s in source.streams if s.id in self.streams}
        if self.other:
            out |= names - stream_names - {"location"}
        if self.location:
            out.add("location")
        return out & names


def touched(tx: Transaction, changes: Iterable[Change]) -> dict[int, Touched]:
    """Thing id -> what changed of it (the Datastreams of new Observations looked up in `tx`)."""
    out: dict[int, Touched] = {}
    streams: set[int] = set()
    for change in changes:
        links = dict(change.links)
        if change.entity == "Thing":
            t = out.setdefault(change.id, Touched())
            if change.kind == "create":
                t.created = True
            else:
                t.other |= bool({"name", "properties"} & set(change.properties))
        elif change.entity == "HistoricalLocation" and "Thing" in links:
            out.setdefault(links["Thing"], Touched()).location = True
        elif change.entity == "Datastream":
            streams.add(change.id)
        elif change.entity == "Observation" and "Datastream" in links:
            streams.add(links["Datastream"])
    if streams:
        rows = tx.access.rows("datastreams", {"id": sorted(streams)}, limit=len(streams))
        for row in rows:
            if row["thing_id"] is not None:
                out.setdefault(int(row["thing_id"]), Touched()).streams.add(int(row["id"]))
    return out
