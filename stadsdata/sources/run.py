"""One run of a source: what a connector is given to mirror entities, store readings, quarantine
what it cannot read and save its incremental state — every write through the platform's one
ingest path (the observation sink: validation, access, pseudonymisation, idempotency keys; the
quarantine), every stored item marked with the source and the run that brought it (provenance:
`properties.provenance` of mirrored entities, `parameters.provenance` of observations)."""

from __future__ import annotations

import copy
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from stadsdata.access.policy import Caller
from stadsdata.errors import NotFound, ProblemError
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.model.entities import ENTITY_TYPES
from stadsdata.model.values import Interval
from stadsdata.service.entities import Entities
from stadsdata.sources.connector import Item, Probe
from stadsdata.sources.http import BadPage, SourceError

log = logging.getLogger(__name__)
MESSAGE_SOURCE = "source:"  # the `source` of a source's quarantined items: 'source:<name>'


class Stopped(SourceError):
    """The run must stop now: the server is stopping, or another process took the lease."""


@dataclass
class Counts:
    items_read: int = 0  # what the source sent: stored, found stored before, or quarantined
    items_stored: int = 0
    items_duplicate: int = 0
    items_quarantined: int = 0
    entities_created: int = 0


@dataclass
class Run(Probe):
    """A run of source `name` (row `source_id`), run row `run_id`, holding the source's lease as
    `owner` until `lease_until`."""

    source_id: int = 0
    run_id: int = 0
    owner: str = ""
    cursor: dict[str, Any] = field(default_factory=dict)
    since: datetime | None = None  # re-sync asked from this time (the cursor should be ignored before it)
    produces: tuple[str, ...] = ()
    dataset_id: int | None = None
    entities: Entities | None = None
    ingestor: Ingestor | None = None
    caller: Caller | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    lease_s: float = 300.0
    lease_until: datetime = field(default_factory=lambda: datetime.now(UTC))
    counts: Counts = field(default_factory=Counts)
    newest: datetime | None = None  # the newest time among the readings of this run
    newest_saved: datetime | None = None  # the source's `newest_item_at` as stored
    progress: Callable[[int, int | None], None] | None = None  # (done, total) of a run watched (`stadsdata import`)
    replaying: int | None = None  # the quarantine row of the item replayed (a refusal gives it the new reason)
    _mirrored: dict[tuple[str, str], tuple[int, str, int]] = field(default_factory=dict)
    _bodies: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)  # written or found this run

    @property
    def provenance(self) -> dict[str, Any]:
        return {"source": self.name, "run": self.run_id}

    @property
    def stopping(self) -> bool:
        return self.stop.is_set()

    # -- entities ---------------------------------------------------------------------------------
    def mirror(self, entity: str, key: str, body: dict[str, Any]) -> int:
        """The local id of the source's entity `key` (a remote Thing's id, a station's number):
        created from `body` (SensorThings JSON; links as {"@iot.id": n} to ids `mirror` gave) the
        first time, updated when `body` changed since (its properties and links; inline related
        entities are created only with the entity), as it is otherwise."""
        assert self.entities is not None and self.ingestor is not None
        seen = self._bodies.get((entity, key))
        if seen is not None and seen[1] == body:  # the same as earlier in this run: nothing to do
            return seen[0]
        if entity not in self.produces:
            raise SourceError(f"the kind of source {self.name!r} does not declare that it produces {entity} (manifest 'produces')")
        digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
        known = self._known(entity, key)
        if known is not None and known[1] == digest:
            self._bodies[entity, key] = (known[0], copy.deepcopy(body))
            return known[0]
        kind = ENTITY_TYPES[entity]
        properties = {**(body.get("properties") or {}), "provenance": self.provenance}
        store = self.ingestor.store
        with store.write() as tx:
            if known is not None:
                try:
                    self.entities.patch(self._caller(), kind, known[0], _updatable(kind, body) | {"properties": properties})
                except NotFound:  # removed here since: made again
                    known = None
            if known is None:
                local_id = self.entities.create(self._caller(), kind, {**body, "properties": properties})
                if entity in ("Datastream", "MultiDatastream") and self.dataset_id is not None:
                    ids = ([local_id], []) if entity == "Datastream" else ([], [local_id])
                    tx.access.assign_streams(self.dataset_id, *ids)
                rows = tx.access.rows("source_entities", {"source_id": self.source_id, "entity": entity, "remote_key": key}, limit=1)
                if rows:
                    row_id = rows[0]["id"]
                    tx.access.update_row("source_entities", row_id, {"local_id": local_id, "digest": digest, "run_id": self.run_id})
                else:
                    row_id = tx.access.insert_row("source_entities", {
                        "source_id": self.source_id, "entity": entity, "remote_key": key, "local_id": local_id,
                        "digest": digest, "run_id": self.run_id,
                    })  # fmt: skip
                self.counts.entities_created += 1
            else:
                local_id, row_id = known[0], known[2]
                tx.access.update_row("source_entities", row_id, {"digest": digest, "run_id": self.run_id})
        self._mirrored[entity, key] = (local_id, digest, row_id)
        self._bodies[entity, key] = (local_id, copy.deepcopy(body))
        return local_id

    def mirrored(self, entity: str) -> dict[str, int]:
        """Every `entity` this source mirrors: its key at the source -> local id."""
        assert self.ingestor is not None
        with self.ingestor.store.read_only() as tx:
            rows = tx.access.rows("source_entities", {"source_id": self.source_id, "entity": entity}, limit=10**9)
        return {r["remote_key"]: r["local_id"] for r in rows}

    def _known(self, entity: str, key: str) -> tuple[int, str, int] | None:
        cached = self._mirrored.get((entity, key))
        if cached is not None:
            return cached
        assert self.ingestor is not None
        with self.ingestor.store.read_only() as tx:
            rows = tx.access.rows("source_entities", {"source_id": self.source_id, "entity": entity, "remote_key": key}, limit=1)
        if not rows:
            return None
        found = self._mirrored[entity, key] = (rows[0]["local_id"], rows[0]["digest"], rows[0]["id"])
        return found

    def _caller(self) -> Caller:
        assert self.caller is not None
        return self.caller

    # -- readings -----------------------------------------------------------------------------------
    def store(self, items: Iterable[Item]) -> None:
        """Store the readings of these items in one transaction; when the sink refuses some, store
        item by item, so that each bad item is quarantined with its raw bytes and the others are
        stored. A reading's key is made unique to this source."""
        assert self.ingestor is not None
        items = list(items)
        self.counts.items_read += len(items)
        readings = []
        for item in items:
            for reading in item.readings:
                self._prepare(reading)
            readings.extend(item.readings)
        if not readings:
            return
        if self.replaying is not None:
            self._store_one_by_one(items)
            return
        try:
            stored = self.ingestor.sink.write(self._caller(), readings)
        except ProblemError as exc:
            if exc.status >= 500:
                raise
            self._store_one_by_one(items)
            return
        self.counts.items_stored += len(stored.ids)
        self.counts.items_duplicate += stored.duplicates

    def _store_one_by_one(self, items: list[Item]) -> None:
        assert self.ingestor is not None
        for item in items:
            if not item.readings:
                continue
            outcome = self.ingestor.ingest_readings(
                self._message(item.raw, item.where), self._caller(), item.readings, quarantined=self.replaying
            )
            if outcome is Outcome.QUARANTINED:
                self.counts.items_quarantined += 1
            elif outcome is Outcome.DUPLICATE:
                self.counts.items_duplicate += len(item.readings)
            else:
                self.counts.items_stored += len(item.readings)

    def _prepare(self, reading: Any) -> None:
        if reading.key is not None and not reading.key.startswith("source:"):
            reading.key = f"source:{self.source_id}:{reading.key}"
        reading.parameters = {**(reading.parameters or {}), "provenance": self.provenance}
        time = reading.phenomenon_time.end if isinstance(reading.phenomenon_time, Interval) else reading.phenomenon_time
        if time is not None and (self.newest is None or time > self.newest):
            self.newest = time

    def quarantine(self, raw: bytes, reason: str, *, where: str, field: str | None = None) -> None:
        """Keep an item (or page) the connector cannot read, with the reason; the run goes on."""
        assert self.ingestor is not None
        self.counts.items_read += 1
        self.counts.items_quarantined += 1
        self.ingestor.refuse(self._message(raw, where), reason, field, quarantined=self.replaying)

    def report(self, done: int, total: int | None = None) -> None:
        """Say how far the run is (records done of `total`), for whoever watches it."""
        if self.progress is not None:
            self.progress(done, total)

    def bad_page(self, page: BadPage) -> None:
        self.quarantine(page.raw, page.reason, where=page.url, field="body")

    def _message(self, raw: bytes, where: str) -> Message:
        return Message(f"{MESSAGE_SOURCE}{self.name}", where, raw, subject=f"source:{self.name}")

    # -- state ----------------------------------------------------------------------------------
    def checkpoint(self, cursor: dict[str, Any]) -> None:
        """Save the connector's state after what it stored (and renew the lease); `Stopped` when
        the run must end here (the server stops, or the lease went to another process)."""
        assert self.ingestor is not None
        now = datetime.now(UTC)
        values: dict[str, Any] = {"cursor": cursor, "lease_until": now + timedelta(seconds=self.lease_s), "updated_at": now}
        if self.newest is not None and (self.newest_saved is None or self.newest > self.newest_saved):
            values["newest_item_at"] = self.newest
        with self.ingestor.store.write() as tx:
            held = tx.access.update_row("sources", self.source_id, values, where={"lease_owner": self.owner})
        if not held:
            raise Stopped(f"another process took the lease of source {self.name!r}; this run stops")
        self.cursor = cursor
        self.lease_until = values["lease_until"]
        self.newest_saved = values.get("newest_item_at", self.newest_saved)
        if self.stopping:
            raise Stopped("the server is stopping; the run goes on from this point next time")


def _updatable(kind: Any, body: dict[str, Any]) -> dict[str, Any]:
    """What of `body` a PATCH may carry: the properties, and links to existing entities."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        if kind.prop(name) is not None:
            out[name] = value
        elif kind.nav(name) is not None and _is_link(value):
            out[name] = value
    return out


def _is_link(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, dict) and set(v) == {"@iot.id"} for v in value)
    return isinstance(value, dict) and set(value) == {"@iot.id"}
