"""What every part of the access records shares: the transaction's connection, and the change
counter (`access_changes`) each change raises in the same transaction, so that every server
process knows its cached snapshot is stale (`snapshot.py`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from stadsdata.store.base import AccessSnapshot
from stadsdata.store.schema import access_changes
from stadsdata.store.sql.prepared import Prepared

_VERSION = Prepared(lambda: select(access_changes.c.version).where(access_changes.c.id == bindparam("id")))


class SqlRecords:
    """The connection of one transaction; the snapshot it read, until it changes something."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._snapshot: AccessSnapshot | None = None
        self._changed_here = False  # uncommitted changes are never put in the shared cache
        self._version: tuple[int | None] | None = None  # the change counter, once read

    def change_version(self) -> int | None:
        """The access change counter as this transaction sees it (read once; None before the
        first change ever)."""
        if self._version is None:
            self._version = (_VERSION.scalar(self.conn, id=1),)
        return self._version[0]

    def _changed(self) -> None:
        """Raise the change counter (in this transaction) and forget this transaction's snapshot."""
        self._snapshot = None
        self._version = None
        self._changed_here = True
        bump = update(access_changes).where(access_changes.c.id == 1).values(version=access_changes.c.version + 1)
        if self.conn.execute(bump).rowcount:
            return
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        self.conn.execute(dialect.insert(access_changes).values(id=1, version=0).on_conflict_do_nothing())
        self.conn.execute(bump)

    def _insert(self, table: Table, **values: Any) -> int:
        """Insert a row that changes what access decisions see; its id."""
        self._changed()
        return int(self.conn.execute(insert(table).values(**values)).inserted_primary_key[0])  # type: ignore[index]
