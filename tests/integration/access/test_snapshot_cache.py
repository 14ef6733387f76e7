"""The access snapshot is reused between requests only until something changed — also when the
change was made by another server process on the same database (here: a second store object
with its own engine), and when a grant's validity window starts or ends (no change at all)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from stadsdata.store.base import Store
from stadsdata.store.postgres.backend import PostgresStore
from stadsdata.store.sqlite.backend import SqliteStore
from tests.conftest import POSTGRES_URL


def second_store(store: Store, tmp_path: Path) -> Store:
    other: Store = PostgresStore(POSTGRES_URL) if isinstance(store, PostgresStore) else SqliteStore(tmp_path / "stadsdata.db")
    other.open()
    return other


def grants_now(store: Store, now: datetime) -> dict[tuple[int, int], int]:
    with store.read_only() as tx:
        return dict(tx.access.snapshot(now).grants)


def test_a_change_by_another_server_is_seen_on_the_next_request(store: Store, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with store.write() as tx:
        owner = tx.access.add_party("eigenaar", "company", None, now)
        reader = tx.access.add_party("lezer", "company", None, now)
        dataset = tx.access.add_dataset("d", "d", "restricted", owner, "", now)
    assert grants_now(store, now) == {}  # read and cached by this "server"
    other = second_store(store, tmp_path)
    try:
        with other.write() as tx:
            grant = tx.access.add_grant(dataset, reader, None, now + timedelta(hours=1), now)
        assert grants_now(store, now) == {(dataset, reader): grant}
        with other.write() as tx:
            tx.access.revoke_grant(grant, now)
        assert grants_now(store, now) == {}
    finally:
        other.close()


def test_validity_windows_apply_to_each_request_time(store: Store) -> None:
    now = datetime.now(UTC)
    with store.write() as tx:
        owner = tx.access.add_party("eigenaar", "company", None, now)
        reader = tx.access.add_party("lezer", "company", None, now)
        dataset = tx.access.add_dataset("d", "d", "restricted", owner, "", now)
        grant = tx.access.add_grant(dataset, reader, now + timedelta(minutes=1), now + timedelta(minutes=2), now)
        consent = tx.access.add_consent(dataset, reader, "x", now + timedelta(minutes=3), now)
    assert grants_now(store, now) == {}  # not yet
    assert grants_now(store, now + timedelta(seconds=90)) == {(dataset, reader): grant}  # same records, later moment
    assert grants_now(store, now + timedelta(minutes=2)) == {}  # ended
    with store.read_only() as tx:
        assert dict(tx.access.snapshot(now + timedelta(minutes=2)).consents) == {(dataset, reader): consent}
    with store.read_only() as tx:
        assert dict(tx.access.snapshot(now + timedelta(minutes=3)).consents) == {}  # expired
