"""The management API's generic rows: read, insert, update (and, for dashboards, delete) rows
of the tables it manages, with simple conditions. A change to a table the snapshot reads is
counted (`changes.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update

from stadsdata.store.base import ManagedRows
from stadsdata.store.schema import (
    access_requests,
    agreements,
    alert_rules,
    alerts,
    api_keys,
    audit_events,
    consents,
    dashboards,
    dataset_grants,
    datasets,
    datastreams,
    lorawan_devices,
    multi_datastreams,
    ngsild_subscriptions,
    ocpi_objects,
    ocpi_parties,
    offers,
    parties,
    push_sources,
    quarantine,
    register_devices,
    register_sensors,
    source_entities,
    source_runs,
    sources,
    users,
)
from stadsdata.store.sql.access.changes import SqlRecords

MANAGED_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        parties, users, api_keys, datasets, dataset_grants, consents, offers, agreements, access_requests, audit_events,
        datastreams, multi_datastreams, quarantine, lorawan_devices, push_sources, dashboards, sources, source_runs,
        source_entities, ocpi_parties, ocpi_objects, register_devices, register_sensors, alert_rules, alerts,
        ngsild_subscriptions,
    )
}  # fmt: skip
_WRITABLE = frozenset(MANAGED_TABLES) - {"audit_events", "datastreams", "multi_datastreams"}  # the log is append-only
_DELETABLE = frozenset({"dashboards", "register_devices", "register_sensors", "alert_rules", "ngsild_subscriptions"})  # everything else is ended or revoked, and kept
_NOT_IN_SNAPSHOT = frozenset(
    {"access_requests", "quarantine", "lorawan_devices", "push_sources", "dashboards", "sources", "source_runs", "source_entities",
     "ocpi_parties", "ocpi_objects", "register_devices", "register_sensors", "alert_rules", "alerts",
     "ngsild_subscriptions"}
)  # changes there leave the snapshot valid


class SqlManagedRows(SqlRecords, ManagedRows):
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

    def count_rows(self, table: str, where: Mapping[str, Any] | None = None) -> int:
        t = MANAGED_TABLES[table]
        return int(self.conn.execute(select(func.count()).select_from(t).where(*_conditions(t, where or {}))).scalar() or 0)

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


_OPS = {">=": lambda c, v: c >= v, "<": lambda c, v: c < v, "<=": lambda c, v: c <= v, "!=": lambda c, v: c != v}
