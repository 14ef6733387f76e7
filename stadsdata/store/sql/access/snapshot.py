"""The access snapshot (datasets, parties, grants, consents, agreements), read once and then
reused by every request of this server process until the change counter (`access_changes`,
`changes.py`) moves: a request sees every change committed before it started (also those of
another server on the same database) at the cost of one tiny query. Validity windows (grants,
consents) are applied to the request's own time; records read under an agreement (its usage)
are read fresh, and only when a decision needs them."""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from stadsdata.store.base import AccessSnapshot, AccessSnapshots
from stadsdata.store.schema import agreements, consents, dataset_grants, datasets, parties
from stadsdata.store.sql.access.changes import SqlRecords
from stadsdata.store.sql.access.datasets import STREAM_TABLES
from stadsdata.store.sql.access.sharing import read_agreement_usage


class SnapshotRows:
    """The snapshot's records as read, before validity windows are applied to a moment."""

    def __init__(self, conn: Connection) -> None:
        d, p, g, c, a = datasets.c, parties.c, dataset_grants.c, consents.c, agreements.c
        self.datasets = {r[0]: (r[1], r[2]) for r in conn.execute(select(d.id, d.access_level, d.owner_party_id))}
        guarded = [i for i, (level, _) in self.datasets.items() if level != "public"]
        self.guarded_streams: dict[tuple[str, int], int] = {}
        for kind, table in STREAM_TABLES.items():
            if guarded:
                rows = conn.execute(select(table.c.id, table.c.dataset_id).where(table.c.dataset_id.in_(guarded)))
                self.guarded_streams.update(((kind, r[0]), r[1]) for r in rows)
        if not self.datasets:  # no datasets: nothing else can matter
            self.parents: dict[int, int | None] = {}
            self.kinds: dict[int, str] = {}
            self.grants: list[Any] = []
            self.consents: list[Any] = []
            self.agreements: dict[tuple[int, int], list[tuple[int, dict[str, Any]]]] = {}
            return
        party_rows = conn.execute(select(p.id, p.parent_id, p.kind)).all()
        self.parents = {r[0]: r[1] for r in party_rows}
        self.kinds = {r[0]: r[2] for r in party_rows}
        self.grants = conn.execute(select(g.dataset_id, g.party_id, g.id, g.valid_from, g.valid_until).where(g.revoked_at.is_(None))).all()
        self.consents = conn.execute(select(c.dataset_id, c.party_id, c.id, c.expires_at).where(c.status == "given")).all()
        self.agreements = {}
        for r in conn.execute(select(a.dataset_id, a.party_id, a.id, a.policy).where(a.status == "active")):
            self.agreements.setdefault((r[0], r[1]), []).append((r[2], r[3]))
        self._at: tuple[datetime, datetime | None, AccessSnapshot] | None = None

    def at(self, now: datetime) -> AccessSnapshot:
        """The snapshot at `now` (reused until the next start or end of a validity window)."""
        if not self.datasets:
            return AccessSnapshot({}, {}, {}, guarded_streams={})
        if self._at is not None and self._at[0] <= now and (self._at[1] is None or now < self._at[1]):
            return self._at[2]
        grants = {(r[0], r[1]): r[2] for r in self.grants if (r[3] is None or r[3] <= now) and (r[4] is None or r[4] > now)}
        consented = {(r[0], r[1]): r[2] for r in self.consents if r[3] is None or r[3] > now}
        snapshot = AccessSnapshot(self.datasets, self.parents, grants, consented, self.kinds, self.agreements,
                                  guarded_streams=self.guarded_streams)  # fmt: skip
        boundaries = [t for r in self.grants for t in (r[3], r[4]) if t is not None and t > now]
        boundaries += [r[3] for r in self.consents if r[3] is not None and r[3] > now]
        self._at = (now, min(boundaries, default=None), snapshot)
        return snapshot


class SnapshotCache:
    """Per database (engine): the last snapshot rows and the change counter they were read at."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: int | None = None
        self.rows: SnapshotRows | None = None


_CACHES: weakref.WeakKeyDictionary[Engine, SnapshotCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(engine: Engine) -> SnapshotCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = _CACHES[engine] = SnapshotCache()
        return cache


class AgreementUsage(Mapping[int, int]):
    """Records read under each agreement, read from the audit log when first asked for."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[int, int] = {}

    def __getitem__(self, agreement_id: int) -> int:
        if agreement_id not in self.known:
            self.known[agreement_id] = read_agreement_usage(self.conn, [agreement_id]).get(agreement_id, 0)
        return self.known[agreement_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.known)

    def __len__(self) -> int:
        return len(self.known)


class SqlAccessSnapshots(SqlRecords, AccessSnapshots):
    """The snapshot, taken once per transaction (a request) from the process-wide cache and
    forgotten on any change made through this object."""

    def snapshot(self, now: datetime) -> AccessSnapshot:
        if self._snapshot is None:
            self._snapshot = dataclasses.replace(self._rows().at(now), agreement_usage=AgreementUsage(self.conn))
        return self._snapshot

    def _rows(self) -> SnapshotRows:
        version = self.change_version()
        cache = cache_for(self.conn.engine)
        with cache.lock:
            if version is not None and cache.rows is not None and cache.version == version:
                return cache.rows
        rows = SnapshotRows(self.conn)  # read after the counter: at least as new as `version`
        if version is not None and not self._changed_here:
            with cache.lock:
                cache.version, cache.rows = version, rows
        return rows
