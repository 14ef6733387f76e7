"""The audit trail: who read records of which restricted or non-public dataset, on what basis
(owner, grant, admin), how many, when, with which request. Append-only; the data owner lists it
with `stadsdata audit list --dataset …`.

A read is recorded after it is answered: `RecordingTransaction` notes every `read()` result of
the request (with the records of every `$expand` level), `records_seen` counts them per stream
(an Observation for its stream), and the policy maps the streams to datasets and writes one
event per dataset. Counted are the Observations and the (Multi)Datastreams
returned, at every level; metadata around them (Things, Sensors, …) is not counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from stadsdata.model.entities import ENTITY_TYPES, EntityType
from stadsdata.store.base import AuditEvent, ReadRequest, ReadResult, Record, Store, Transaction

COUNTED = ("Observation", "Datastream", "MultiDatastream")


@contextmanager
def audited_read(store: Store) -> Iterator[tuple[Transaction, list[AuditEvent]]]:
    """A read transaction and a list for the audit events of what it gives. The events are
    stored before the caller answers: in the read's own transaction where the backend can write
    there (PostgreSQL), else in a write transaction right after it (SQLite). A read that fails
    records nothing. Every read of records that are audited goes through here."""
    events: list[AuditEvent] = []
    with store.read_only() as tx:
        yield tx, events
        if events and store.writes_in_reads:  # committed with the read
            tx.access.add_audit_events(events)
            events = []
    if events:
        with store.write() as tx:
            tx.access.add_audit_events(events)


class RecordingTransaction:
    """A transaction that remembers what `read()` returned (everything else is passed through)."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self.results: list[tuple[EntityType, list[Record]]] = []

    def read(self, request: ReadRequest) -> ReadResult:
        result = self._tx.read(request)
        self.results.append((request.entity, result.records))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


def records_seen(results: Iterable[tuple[EntityType, list[Record]]]) -> Counter[tuple[str, int]]:
    """Records returned per stream, expanded navigation included: each Observation counts for its
    (Multi)Datastream, each (Multi)Datastream for itself. Keys: (stream entity name, stream id)."""
    seen: Counter[tuple[str, int]] = Counter()
    counted: set[tuple[str, int]] = set()  # an entity returned twice (two expand paths) counts once
    stack: list[tuple[EntityType, Record]] = [(entity, r) for entity, records in results for r in records]
    while stack:
        entity, record = stack.pop()
        key = (entity.name, record.get("id"))
        if entity.name in COUNTED and isinstance(key[1], int) and key not in counted:
            counted.add(key)  # type: ignore[arg-type]
            if entity.name == "Observation":
                links = record.get("@links") or {}
                stream = next(((name, links[name]) for name in ("Datastream", "MultiDatastream") if links.get(name)), None)
                if stream is not None:
                    seen[stream] += 1
            else:
                seen[key] += 1  # type: ignore[index]
        for nav in entity.navs:
            value = record.get(nav.name)
            target = ENTITY_TYPES[nav.target]
            if isinstance(value, list):
                stack.extend((target, r) for r in value if isinstance(r, dict))
            elif isinstance(value, dict):
                stack.append((target, value))
    return seen
