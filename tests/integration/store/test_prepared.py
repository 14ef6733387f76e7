"""Statements compiled once (`store/sql/prepared.py`) give what the same statement gives through
SQLAlchemy — values converted by the columns' types both ways, the statement's own constants
bound, IN lists rendered — and their driver errors leave the store as its own errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, insert, select

from stadsdata.store.base import Store
from stadsdata.store.errors import ConstraintViolated
from stadsdata.store.schema import api_keys, parties
from stadsdata.store.sql.prepared import Prepared

K = api_keys.c
_BY_END = Prepared(
    lambda: select(K.prefix, K.is_admin, K.expires_at, K.created_at)
    .where(K.expires_at > bindparam("after", type_=K.expires_at.type), K.prefix != "aaaa0004")
    .order_by(K.prefix)
    .limit(2)
)
_IN_LIST = Prepared(lambda: select(K.name).where(K.prefix.in_(["aaaa0001", "aaaa0003", "none"])).order_by(K.name))
_ADD_PARTY = Prepared(lambda: insert(parties).values(name=bindparam("name"), kind="company", created_at=bindparam("now", type_=parties.c.created_at.type)))


def add_keys(store: Store, now: datetime) -> None:
    with store.write() as tx:
        party = tx.access.add_party("p", "company", None, now)
        for n, hours in ((1, 1), (2, 2), (3, 3), (4, 4)):
            tx.access.add_api_key(f"aaaa000{n}", "h", f"k{n}", party, is_admin=n == 2, can_write=False, expires_at=now + timedelta(hours=hours), now=now)


def test_rows_equal_those_of_sqlalchemy(store: Store) -> None:
    now = datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    add_keys(store, now)
    with store.read_only() as tx:
        conn = tx.conn  # type: ignore[attr-defined]
        prepared = _BY_END.all(conn, after=now + timedelta(minutes=90))
        through_sqlalchemy = [tuple(row) for row in conn.execute(_BY_END._build(), {"after": now + timedelta(minutes=90)})]  # noqa: SLF001
        assert prepared == through_sqlalchemy
        assert prepared == [("aaaa0002", True, now + timedelta(hours=2), now), ("aaaa0003", False, now + timedelta(hours=3), now)]
        assert isinstance(prepared[0][1], bool) and prepared[0][2].tzinfo is not None
        assert _BY_END.first(conn, after=now + timedelta(hours=5)) is None
        assert _BY_END.scalar(conn, after=now) == "aaaa0001"
        assert _IN_LIST.all(conn) == [("k1",), ("k3",)]


def test_a_driver_error_is_the_stores_own(store: Store) -> None:
    now = datetime.now(UTC)
    with store.write() as tx:
        _ADD_PARTY.execute(tx.conn, name="twice", now=now)  # type: ignore[attr-defined]
    with pytest.raises(ConstraintViolated), store.write() as tx:
        _ADD_PARTY.execute(tx.conn, name="twice", now=now)  # type: ignore[attr-defined]
    with store.read_only() as tx:  # the failed transaction left nothing behind
        assert tx.access.party_id("twice") is not None
