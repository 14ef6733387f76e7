"""The audit log: one event per read of records of a restricted or non-public dataset. Events
are only added (they change no access decision: no change is counted)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import insert, select

from stadsdata.store.base import AuditEvent, AuditRecords
from stadsdata.store.schema import audit_events
from stadsdata.store.sql.access.changes import SqlRecords


class SqlAuditRecords(SqlRecords, AuditRecords):
    def add_audit_events(self, events: Sequence[AuditEvent]) -> None:
        if events:
            self.conn.execute(insert(audit_events), [dataclasses.asdict(e) for e in events])

    def audit_events(self, dataset_id: int | None = None, limit: int = 1000) -> list[AuditEvent]:
        a = audit_events.c
        stmt = select(*(a[f.name] for f in dataclasses.fields(AuditEvent))).order_by(a.id.desc()).limit(limit)
        if dataset_id is not None:
            stmt = stmt.where(a.dataset_id == dataset_id)
        return [AuditEvent(**row) for row in self.conn.execute(stmt).mappings()]
