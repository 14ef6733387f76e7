"""PostgreSQL at scale. Observations partitioned by month: partitions appear when the first
observation of a month is written (insert, update, `$batch`), vanish with a transaction that
rolls back, are shared safely by concurrent writers, and migration 0002 converts an existing
table (and back) without losing a row. The query paths use the indexes and partition pruning
made for them (checked on the plans of the statements the API really sends)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.settings import Settings
from stadsdata.store import migrations
from stadsdata.store.base import ObservationRow
from stadsdata.store.postgres.backend import PostgresStore
from stadsdata.store.postgres.partitions import BEFORE, FROM_END
from tests.integration.sta.conftest import created_id, stream_body, thing_body

NOW = datetime.now(UTC)
THIS_MONTH = f"observations_p{NOW.year:04d}_{NOW.month:02d}"


@pytest.fixture
def api(scratch_postgres: str) -> Iterator[tuple[TestClient, PostgresStore]]:
    store = PostgresStore(scratch_postgres)
    store.open()
    with TestClient(create_app(Settings(database=scratch_postgres), store=store)) as client:
        yield client, store
    store.close()


def partitions(url: str) -> dict[str, int]:
    """Partition name -> rows in it."""
    with psycopg.connect(url) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'observations'::regclass"
            )
        ]
        return {name: conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in names}  # type: ignore[index]


def partition_of(url: str, observation_id: int) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT tableoid::regclass::text FROM observations WHERE id = %s", (observation_id,)).fetchone()
        assert row is not None
        return str(row[0])


def new_stream(client: TestClient) -> int:
    body = thing_body("Kast", 6.09, 52.51, [stream_body("pm10", "pm10", {"name": "µg/m³"}, [])])
    thing = created_id(client.post("/v1.1/Things", json=body))
    return int(client.get(f"/v1.1/Things({thing})/Datastreams").json()["value"][0]["@iot.id"])


def post_observation(client: TestClient, stream: int, time_: str, result: Any = 1.0) -> int:
    return created_id(
        client.post("/v1.1/Observations", json={"phenomenonTime": time_, "result": result, "Datastream": {"@iot.id": stream}})
    )


def test_open_creates_this_and_next_month_and_the_catch_alls(api: tuple[TestClient, PostgresStore], scratch_postgres: str) -> None:
    names = set(partitions(scratch_postgres))
    following = (NOW.year + 1, 1) if NOW.month == 12 else (NOW.year, NOW.month + 1)
    assert {THIS_MONTH, f"observations_p{following[0]:04d}_{following[1]:02d}", BEFORE, FROM_END} <= names


def test_a_new_month_gets_a_partition_and_every_path_finds_the_rows(
    api: tuple[TestClient, PostgresStore], scratch_postgres: str
) -> None:
    client, _ = api
    stream = new_stream(client)
    first = post_observation(client, stream, "2031-05-17T10:00:00Z", 3.5)
    second = post_observation(client, stream, "1850-03-01T00:00:00Z", 1.0)  # before the monthly range
    third = post_observation(client, stream, "2301-01-01T00:00:00Z", 2.0)  # after it
    assert partition_of(scratch_postgres, first) == "observations_p2031_05"
    assert partition_of(scratch_postgres, second) == BEFORE
    assert partition_of(scratch_postgres, third) == FROM_END

    in_may = client.get(
        f"/v1.1/Datastreams({stream})/Observations?$filter=phenomenonTime lt 2031-06-01T00:00:00Z and "
        "phenomenonTime ge 2031-05-01T00:00:00Z&$count=true"
    ).json()
    assert [o["@iot.id"] for o in in_may["value"]] == [first] and in_may["@iot.count"] == 1
    assert client.get(f"/v1.1/Observations({second})").json()["result"] == 1.0
    latest = client.get(f"/v1.1/Datastreams({stream})?$expand=Observations($top=1;$orderby=phenomenonTime desc)").json()
    assert [o["@iot.id"] for o in latest["Observations"]] == [third]
    assert client.get(f"/v1.1/Datastreams({stream})/Observations?$count=true").json()["@iot.count"] == 3


def test_an_update_moves_the_row_into_a_new_partition(api: tuple[TestClient, PostgresStore], scratch_postgres: str) -> None:
    client, _ = api
    stream = new_stream(client)
    obs = post_observation(client, stream, NOW.isoformat())
    assert partition_of(scratch_postgres, obs) == THIS_MONTH
    response = client.patch(f"/v1.1/Observations({obs})", json={"phenomenonTime": "2033-01-31T23:59:59Z"})
    assert response.status_code == 200, response.text
    assert partition_of(scratch_postgres, obs) == "observations_p2033_01"
    assert client.get(f"/v1.1/Observations({obs})").json()["phenomenonTime"] == "2033-01-31T23:59:59Z"
    summary = client.get(f"/v1.1/Datastreams({stream})").json()
    assert summary["phenomenonTime"] == "2033-01-31T23:59:59Z/2033-01-31T23:59:59Z"


def test_a_rolled_back_change_set_leaves_the_month_usable(api: tuple[TestClient, PostgresStore], scratch_postgres: str) -> None:
    """The partition is made in a transaction of its own: it stays (empty) when the change set
    that needed it rolls back, and the month works afterwards."""
    client, _ = api
    stream = new_stream(client)
    post_observation(client, stream, NOW.isoformat())  # generates the FeatureOfInterest beforehand
    batch = {
        "requests": [
            {"id": "1", "atomicityGroup": "g", "method": "post", "url": "Observations",
             "body": {"phenomenonTime": "2032-07-01T00:00:00Z", "result": 1, "Datastream": {"@iot.id": stream}}},
            {"id": "2", "atomicityGroup": "g", "method": "post", "url": "Observations",
             "body": {"phenomenonTime": "2032-07-02T00:00:00Z", "result": 2, "Datastream": {"@iot.id": 999999}}},
        ]
    }  # fmt: skip
    response = client.post("/v1.1/$batch", json=batch)
    assert response.status_code == 200, response.text
    assert partitions(scratch_postgres)["observations_p2032_07"] == 0
    obs = post_observation(client, stream, "2032-07-01T00:00:00Z")
    assert partition_of(scratch_postgres, obs) == "observations_p2032_07"
    assert client.get(f"/v1.1/Datastreams({stream})/Observations?$count=true").json()["@iot.count"] == 2


def test_a_writer_holding_a_referenced_table_creates_the_partition_itself(
    api: tuple[TestClient, PostgresStore], scratch_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deep insert writes Datastreams before its Observations: the side transaction cannot get
    its lock on datastreams, so the partition is created inside the writing transaction — known
    from pg_locks beforehand, not found out by waiting for the side transaction's lock timeout."""
    from stadsdata.store.postgres import partitions as partition_module

    client, _ = api
    body = thing_body("Paal", 6.1, 52.5, [stream_body("pm25", "pm25", {"name": "µg/m³"}, [("2037-09-09T09:00:00Z", 4.0)])])
    tried_aside: list[object] = []
    real_aside = partition_module.PartitionRegistry._create_aside
    monkeypatch.setattr(
        partition_module.PartitionRegistry, "_create_aside", lambda self, conn, months: tried_aside.append(months) or real_aside(self, conn, months)
    )
    thing = created_id(client.post("/v1.1/Things", json=body))
    assert tried_aside == []  # no side transaction that could only time out
    obs = client.get(f"/v1.1/Things({thing})/Datastreams?$expand=Observations").json()["value"][0]["Observations"]
    assert partition_of(scratch_postgres, obs[0]["@iot.id"]) == "observations_p2037_09"


def test_a_new_partition_is_committed_before_the_writer_commits(
    api: tuple[TestClient, PostgresStore], scratch_postgres: str
) -> None:
    """The first writer's partition is visible to everyone while its own transaction is still
    open, so a second writer of the same month (another process, here another thread) neither
    waits for the first nor collides with it."""
    client, store = api
    streams = {True: new_stream(client), False: new_stream(client)}  # one each: no shared summary row
    post_observation(client, streams[True], NOW.isoformat())
    foi = client.get("/v1.1/FeaturesOfInterest").json()["value"][0]["@iot.id"]
    when = datetime(2034, 2, 10, tzinfo=UTC)
    first_wrote, release, errors, ids = threading.Event(), threading.Event(), [], []

    def writer(hold: bool) -> None:
        try:
            with store.write() as tx:
                ids.extend(tx.insert_observations([ObservationRow(when, when, 7, foi, datastream_id=streams[hold])]))
                if hold:
                    first_wrote.set()
                    assert release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    first = threading.Thread(target=writer, args=(True,))
    first.start()
    assert first_wrote.wait(10)
    assert partitions(scratch_postgres)["observations_p2034_02"] == 0  # committed, still empty
    second = threading.Thread(target=writer, args=(False,))
    second.start()
    second.join(10)
    assert not second.is_alive() and len(ids) == 2  # done while the first is still open
    release.set()
    first.join(10)
    assert errors == []
    assert partitions(scratch_postgres)["observations_p2034_02"] == 2


def test_migration_0002_converts_an_existing_table_and_back(api: tuple[TestClient, PostgresStore], scratch_postgres: str) -> None:
    client, store = api
    stream = new_stream(client)
    times = ["2025-12-31T23:00:00Z", "2026-01-01T00:00:00Z", "1899-12-31T23:59:59Z", NOW.isoformat()]
    ids = [post_observation(client, stream, t, i) for i, t in enumerate(times)]
    query = f"/v1.1/Datastreams({stream})/Observations?$orderby=id&$select=id,phenomenonTime,result&$count=true"
    before = client.get(query).json()
    assert store.engine is not None

    def relkind() -> str:
        with psycopg.connect(scratch_postgres) as conn:
            return str(conn.execute("SELECT relkind FROM pg_class WHERE relname = 'observations'").fetchone()[0])  # type: ignore[index]

    assert relkind() == "p"
    with store.engine.begin() as conn:
        from alembic import command

        config = migrations._config(conn)
        command.downgrade(config, migrations.BASELINE)
    assert relkind() == "r"
    with store.engine.begin() as conn:
        assert migrations.upgrade(conn) == migrations.head_revision()
    assert relkind() == "p"
    names = partitions(scratch_postgres)
    assert names["observations_p2025_12"] == 1 and names["observations_p2026_01"] >= 1 and names[BEFORE] == 1
    assert client.get(query).json() == before
    assert post_observation(client, stream, NOW.isoformat()) > max(ids)  # the id sequence survived


_BACKGROUND_TABLES = ("alert_rules", "ngsild_subscriptions")


def plans(store: PostgresStore, client: TestClient, path: str) -> list[str]:
    """EXPLAIN ANALYZE of every statement `GET path` sends, with sequential scans disabled (so a
    plan shows whether an index *can* serve it, whatever the table size)."""
    from sqlalchemy import event

    assert store.engine is not None
    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not any(t in statement for t in _BACKGROUND_TABLES):
            sent.append((statement, parameters))

    # The app's own workers read on commits (alert rules, NGSI-LD subscriptions): let them finish what
    # the test's writes started, and leave their statements out (they are not the GET's).
    for worker in ("alert_evaluator", "ngsild_notifier"):
        running = getattr(client.app.state, worker, None)
        if running is not None:
            running.wait_idle()
    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    out = []
    with store.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in sent:
            out.append("\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)))
    return out


def test_query_paths_use_their_indexes_and_partitions(api: tuple[TestClient, PostgresStore]) -> None:
    client, store = api
    stream = new_stream(client)
    for t in ("2031-05-17T10:00:00Z", "2031-06-17T10:00:00Z", "2031-07-17T10:00:00Z"):
        post_observation(client, stream, t)

    day = plans(store, client, f"/v1.1/Datastreams({stream})/Observations?$filter=phenomenonTime ge "
                "2031-06-17T00:00:00Z and phenomenonTime lt 2031-06-18T00:00:00Z")[-1]  # fmt: skip
    assert "observations_p2031_06" in day
    assert "observations_p2031_05" not in day and "observations_p2031_07" not in day  # pruned
    assert "observations_p2031_06_datastream_id_phenomenon_time_start_idx" in day

    first_page = plans(store, client, f"/v1.1/Datastreams({stream})/Observations?$top=2")[-1]
    assert "datastream_id_id_idx" in first_page, first_page

    spatial = plans(store, client, "/v1.1/Locations?$filter=geo.intersects(location, "
                    "geography'POLYGON((6 52,7 52,7 53,6 53,6 52))')")[-1]  # fmt: skip
    assert "ix_locations_bbox" in spatial, spatial

    latest = plans(store, client, f"/v1.1/Datastreams({stream})?$expand=Observations($top=1;$orderby=phenomenonTime desc)")
    joined = next(p for p in latest if "observations_p" in p)
    read = [line for line in joined.splitlines() if " on observations_p" in line and "never executed" not in line]
    assert len(read) == 1 and "observations_p2031_07" in read[0], joined  # the other partitions are pruned at run time
