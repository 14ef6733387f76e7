"""Parties, identities, datasets and grants in SQL (both backends): the records the access layer
(`stadsdata/access/`) decides with. No decisions are made here.

The snapshot (datasets, parties, grants, consents, agreements) is read once and then reused by
every request of this server process until the change counter (`access_changes`) moves: each
change made here raises it in the same transaction, so a request sees every change committed
before it started (also those of another server on the same database) at the cost of one tiny
query. Validity windows (grants, consents) are applied to the request's own time; records read
under an agreement (its usage) are read fresh, and only when a decision needs them."""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from stadsdata.store.base import AccessRecords, AccessSnapshot, AuditEvent, Consent, Principal
from stadsdata.store.schema import (
    access_changes,
    access_requests,
    agreements,
    api_keys,
    audit_events,
    consents,
    dashboards,
    dataset_grants,
    datasets,
    datastreams,
    lorawan_devices,
    multi_datastreams,
    offers,
    parties,
    push_sources,
    quarantine,
    users,
    web_sessions,
)

_STREAMS = {"Datastream": datastreams, "MultiDatastream": multi_datastreams}
MANAGED_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        parties, users, api_keys, datasets, dataset_grants, consents, offers, agreements, access_requests, audit_events,
        datastreams, multi_datastreams, quarantine, lorawan_devices, push_sources, dashboards,
    )
}  # fmt: skip
_WRITABLE = frozenset(MANAGED_TABLES) - {"audit_events", "datastreams", "multi_datastreams"}  # the log is append-only
_DELETABLE = frozenset({"dashboards"})  # everything else is ended or revoked, and kept
_NOT_IN_SNAPSHOT = frozenset({"access_requests", "quarantine", "lorawan_devices", "push_sources", "dashboards"})  # changes there leave the snapshot valid


class _Raw:
    """The snapshot's records as read, before validity windows are applied to a moment."""

    def __init__(self, conn: Connection) -> None:
        d, p, g, c, a = datasets.c, parties.c, dataset_grants.c, consents.c, agreements.c
        self.datasets = {r[0]: (r[1], r[2]) for r in conn.execute(select(d.id, d.access_level, d.owner_party_id))}
        guarded = [i for i, (level, _) in self.datasets.items() if level != "public"]
        self.guarded_streams: dict[tuple[str, int], int] = {}
        for kind, table in _STREAMS.items():
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


class _SnapshotCache:
    """Per database (engine): the last raw snapshot and the change counter it was read at."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: int | None = None
        self.raw: _Raw | None = None


_CACHES: weakref.WeakKeyDictionary[Engine, _SnapshotCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_for(engine: Engine) -> _SnapshotCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = _CACHES[engine] = _SnapshotCache()
        return cache


class _Usage(Mapping[int, int]):
    """Records read under each agreement, read from the audit log when first asked for."""

    def __init__(self, records: SqlAccessRecords) -> None:
        self.records = records
        self.known: dict[int, int] = {}

    def __getitem__(self, agreement_id: int) -> int:
        if agreement_id not in self.known:
            self.known[agreement_id] = self.records.agreement_usage([agreement_id]).get(agreement_id, 0)
        return self.known[agreement_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.known)

    def __len__(self) -> int:
        return len(self.known)


class SqlAccessRecords(AccessRecords):
    """The records of one transaction. The snapshot is taken once per transaction (a request)
    from the process-wide cache (see the module's docstring) and forgotten on any change made
    through this object."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._snapshot: AccessSnapshot | None = None

    # -- reads ------------------------------------------------------------------------------
    def snapshot(self, now: datetime) -> AccessSnapshot:
        if self._snapshot is None:
            self._snapshot = dataclasses.replace(self._raw().at(now), agreement_usage=_Usage(self))
        return self._snapshot

    def _raw(self) -> _Raw:
        version = self.conn.execute(select(access_changes.c.version).where(access_changes.c.id == 1)).scalar()
        cache = _cache_for(self.conn.engine)
        with cache.lock:
            if version is not None and cache.raw is not None and cache.version == version:
                return cache.raw
        raw = _Raw(self.conn)  # read after the counter: at least as new as `version`
        if version is not None and not self._changed_here:
            with cache.lock:
                cache.version, cache.raw = version, raw
        return raw

    _changed_here = False

    def _changed(self) -> None:
        """Raise the change counter (in this transaction) and forget this transaction's snapshot."""
        self._snapshot = None
        self._changed_here = True  # uncommitted changes are never put in the shared cache
        bump = update(access_changes).where(access_changes.c.id == 1).values(version=access_changes.c.version + 1)
        if self.conn.execute(bump).rowcount:
            return
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        self.conn.execute(dialect.insert(access_changes).values(id=1, version=0).on_conflict_do_nothing())
        self.conn.execute(bump)

    def user(self, username: str) -> Principal | None:
        u = users.c
        row = self.conn.execute(select(users).where(u.username == username)).mappings().first()
        if row is None:
            return None
        return Principal(
            "user", row["id"], row["username"], row["party_id"], bool(row["is_admin"]), bool(row["can_write"] or row["is_admin"]),
            row["password_hash"], not row["disabled"],
        )  # fmt: skip

    def api_key(self, prefix: str, now: datetime) -> Principal | None:
        k = api_keys.c
        row = self.conn.execute(select(api_keys).where(k.prefix == prefix)).mappings().first()
        if row is None:
            return None
        active = row["revoked_at"] is None and (row["expires_at"] is None or row["expires_at"] > now)
        return Principal(
            "key", row["id"], row["name"], row["party_id"], bool(row["is_admin"]), bool(row["can_write"]),
            row["key_hash"], active,
        )  # fmt: skip

    def party_id(self, name: str) -> int | None:
        return self.conn.execute(select(parties.c.id).where(parties.c.name == name)).scalar()

    def dataset_id(self, name: str) -> int | None:
        return self.conn.execute(select(datasets.c.id).where(datasets.c.name == name)).scalar()

    def stream_datasets(self, stream: str, ids: Sequence[int]) -> dict[int, int | None]:
        table = _STREAMS[stream]
        rows = self.conn.execute(select(table.c.id, table.c.dataset_id).where(table.c.id.in_(list(ids))))
        return {r[0]: r[1] for r in rows}

    def add_consent(self, dataset_id: int, party_id: int, purpose: str, expires_at: datetime | None, now: datetime) -> int:
        return self._insert(
            consents, dataset_id=dataset_id, party_id=party_id, purpose=purpose, status="given", given_at=now,
            expires_at=expires_at,
        )  # fmt: skip

    def withdraw_consent(self, consent_id: int, now: datetime) -> bool:
        self._changed()
        c = consents.c
        result = self.conn.execute(
            update(consents).where(c.id == consent_id, c.status == "given").values(status="withdrawn", withdrawn_at=now)
        )
        return bool(result.rowcount)

    def consents(self, dataset_id: int, now: datetime) -> list[Consent]:
        c = consents.c
        rows = self.conn.execute(select(consents).where(c.dataset_id == dataset_id).order_by(c.id.desc())).mappings()
        out = []
        for row in rows:
            status = row["status"]
            if status == "given" and row["expires_at"] is not None and row["expires_at"] <= now:
                status = "expired"
            out.append(Consent(**{**row, "status": status}))
        return out

    def add_offer(self, dataset_id: int, uid: str, policy: dict[str, Any], now: datetime) -> int:
        return self._insert(offers, dataset_id=dataset_id, uid=uid, policy=policy, created_at=now)

    def offer(self, offer_id: int) -> tuple[int, dict[str, Any]] | None:
        row = self.conn.execute(select(offers.c.dataset_id, offers.c.policy).where(offers.c.id == offer_id)).first()
        return (row[0], row[1]) if row else None

    def add_agreement(self, dataset_id: int, party_id: int, offer_id: int | None, uid: str, policy: dict[str, Any], now: datetime) -> int:
        return self._insert(
            agreements, dataset_id=dataset_id, party_id=party_id, offer_id=offer_id, uid=uid, policy=policy,
            status="active", created_at=now,
        )  # fmt: skip

    def end_agreement(self, agreement_id: int, now: datetime) -> bool:
        self._changed()
        a = agreements.c
        result = self.conn.execute(
            update(agreements).where(a.id == agreement_id, a.status == "active").values(status="ended", ended_at=now)
        )
        return bool(result.rowcount)

    def agreement(self, agreement_id: int) -> tuple[int, int, dict[str, Any], str] | None:
        a = agreements.c
        row = self.conn.execute(select(a.dataset_id, a.party_id, a.policy, a.status).where(a.id == agreement_id)).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    def agreement_usage(self, agreement_ids: Sequence[int]) -> dict[int, int]:
        if not agreement_ids:
            return {}
        e = audit_events.c
        stmt = (
            select(e.grant_id, func.sum(e.records))
            .where(e.basis == "agreement", e.grant_id.in_(list(agreement_ids)))
            .group_by(e.grant_id)
        )
        return {r[0]: int(r[1]) for r in self.conn.execute(stmt)}

    def add_audit_events(self, events: Sequence[AuditEvent]) -> None:
        if events:
            self.conn.execute(insert(audit_events), [dataclasses.asdict(e) for e in events])

    def audit_events(self, dataset_id: int | None = None, limit: int = 1000) -> list[AuditEvent]:
        a = audit_events.c
        stmt = select(*(a[f.name] for f in dataclasses.fields(AuditEvent))).order_by(a.id.desc()).limit(limit)
        if dataset_id is not None:
            stmt = stmt.where(a.dataset_id == dataset_id)
        return [AuditEvent(**row) for row in self.conn.execute(stmt).mappings()]

    # -- writes -----------------------------------------------------------------------------
    def _insert(self, table: Any, **values: Any) -> int:
        self._changed()
        return int(self.conn.execute(insert(table).values(**values)).inserted_primary_key[0])  # type: ignore[index]

    def add_party(self, name: str, kind: str, parent_id: int | None, now: datetime) -> int:
        return self._insert(parties, name=name, kind=kind, parent_id=parent_id, created_at=now)

    def add_user(
        self, username: str, password_hash: str, party_id: int | None, is_admin: bool, now: datetime, *, can_write: bool = True
    ) -> int:
        return self._insert(
            users, username=username, password_hash=password_hash, party_id=party_id, is_admin=is_admin,
            can_write=can_write or is_admin, created_at=now,
        )  # fmt: skip

    def add_web_session(self, token_hash: str, user_id: int, now: datetime, expires_at: datetime) -> None:
        self.conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))  # the expired ones go
        self.conn.execute(insert(web_sessions).values(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at))

    def web_session(self, token_hash: str, now: datetime) -> Principal | None:
        s, u = web_sessions.c, users.c
        stmt = select(users).join(web_sessions, s.user_id == u.id).where(s.token_hash == token_hash, s.expires_at > now)
        row = self.conn.execute(stmt).mappings().first()
        if row is None:
            return None
        return Principal(
            "user", row["id"], row["username"], row["party_id"], bool(row["is_admin"]), bool(row["can_write"] or row["is_admin"]), None,
            not row["disabled"],
        )  # fmt: skip

    def end_web_session(self, token_hash: str) -> None:
        self.conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))

    def add_api_key(
        self, prefix: str, key_hash: str, name: str, party_id: int | None, *, is_admin: bool, can_write: bool,
        expires_at: datetime | None, now: datetime,
    ) -> int:  # fmt: skip
        return self._insert(
            api_keys, prefix=prefix, key_hash=key_hash, name=name, party_id=party_id, is_admin=is_admin,
            can_write=can_write, expires_at=expires_at, created_at=now,
        )  # fmt: skip

    def revoke_api_key(self, prefix: str, now: datetime) -> bool:
        self._changed()
        k = api_keys.c
        result = self.conn.execute(update(api_keys).where(k.prefix == prefix, k.revoked_at.is_(None)).values(revoked_at=now))
        return bool(result.rowcount)

    def add_dataset(self, name: str, title: str, access_level: str, owner_party_id: int | None, description: str, now: datetime) -> int:
        return self._insert(
            datasets, name=name, title=title, access_level=access_level, owner_party_id=owner_party_id,
            description=description, created_at=now,
        )  # fmt: skip

    def assign_streams(self, dataset_id: int | None, datastream_ids: Sequence[int], multi_datastream_ids: Sequence[int]) -> None:
        self._changed()
        for table, ids in ((datastreams, datastream_ids), (multi_datastreams, multi_datastream_ids)):
            if ids:
                self.conn.execute(update(table).where(table.c.id.in_(list(ids))).values(dataset_id=dataset_id))

    def add_grant(self, dataset_id: int, party_id: int, valid_from: datetime | None, valid_until: datetime | None, now: datetime) -> int:
        return self._insert(
            dataset_grants, dataset_id=dataset_id, party_id=party_id, valid_from=valid_from, valid_until=valid_until,
            created_at=now,
        )  # fmt: skip

    def revoke_grant(self, grant_id: int, now: datetime) -> bool:
        self._changed()
        g = dataset_grants.c
        result = self.conn.execute(update(dataset_grants).where(g.id == grant_id, g.revoked_at.is_(None)).values(revoked_at=now))
        return bool(result.rowcount)

    # -- generic rows for the management API ------------------------------------------------
    def rows(
        self, table: str, where: Mapping[str, Any] | None = None, *, limit: int = 100, cursor: int | None = None,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:  # fmt: skip
        t = MANAGED_TABLES[table]
        if table in ("datastreams", "multi_datastreams"):  # only what the management API shows of streams
            stmt = select(t.c.id, t.c.name, t.c.dataset_id, t.c.thing_id)
        else:
            stmt = select(t)
        stmt = stmt.where(*_conditions(t, where or {}))
        if cursor is not None:
            stmt = stmt.where(t.c.id < cursor if newest_first else t.c.id > cursor)
        stmt = stmt.order_by(t.c.id.desc() if newest_first else t.c.id).limit(limit)
        return [dict(row) for row in self.conn.execute(stmt).mappings()]

    def insert_row(self, table: str, values: Mapping[str, Any]) -> int:
        if table not in _WRITABLE:
            raise ValueError(f"{table} is not written through the management API")
        if table in _NOT_IN_SNAPSHOT:
            return int(self.conn.execute(insert(MANAGED_TABLES[table]).values(**values)).inserted_primary_key[0])  # type: ignore[index]
        return self._insert(MANAGED_TABLES[table], **values)

    def delete_row(self, table: str, row_id: int) -> bool:
        if table not in _DELETABLE:
            raise ValueError(f"{table} rows are not deleted through the management API")
        return bool(self.conn.execute(delete(MANAGED_TABLES[table]).where(MANAGED_TABLES[table].c.id == row_id)).rowcount)

    def update_row(self, table: str, row_id: int, values: Mapping[str, Any], where: Mapping[str, Any] | None = None) -> bool:
        if table not in _WRITABLE:
            raise ValueError(f"{table} is not updated through the management API")
        if table not in _NOT_IN_SNAPSHOT:
            self._changed()
        t = MANAGED_TABLES[table]
        result = self.conn.execute(update(t).where(t.c.id == row_id, *_conditions(t, where or {})).values(**values))
        return bool(result.rowcount)


def _conditions(table: Table, where: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for name, value in where.items():
        column = table.c[name]
        if isinstance(value, tuple):  # (operator, value)
            out.append(_OPS[value[0]](column, value[1]))
        elif isinstance(value, list | set | frozenset):
            out.append(column.in_(list(value)))
        elif value is None:
            out.append(column.is_(None))
        else:
            out.append(column == value)
    return out


_OPS = {">=": lambda c, v: c >= v, "<": lambda c, v: c < v, "<=": lambda c, v: c <= v}
