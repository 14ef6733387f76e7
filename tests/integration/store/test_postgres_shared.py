"""Stateless API nodes: two `stadsdata serve` processes on one PostgreSQL database, written to
at the same time by several clients — into the same Datastreams, into months that have no
partition yet, all needing the same generated FeatureOfInterest — lose nothing, answer no
error, create one feature and keep every stream summary exact."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import running_server
from tests.integration.sta.conftest import created_id, stream_body, thing_body

WRITERS_PER_SERVER = 2
DOCUMENTS = 12
ROWS = 40  # per Datastream per document
START = datetime(2036, 2, 20, 12, tzinfo=UTC)  # new partitions: February and (20 days on) March 2036


def _document(streams: list[int], writer: int, number: int) -> list[dict[str, object]]:
    """Rows of writer w, document d: times START + (d·ROWS + r) hours + w minutes (unique per writer)."""
    out = []
    for stream in streams:
        rows = []
        for r in range(ROWS):
            t = START + timedelta(hours=number * ROWS + r, minutes=writer)
            rows.append([t.strftime("%Y-%m-%dT%H:%M:%SZ"), float(writer * 10_000 + number * 100 + r)])
        out.append({"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": rows})
    return out


def test_two_servers_share_one_database(scratch_postgres: str) -> None:
    with running_server(scratch_postgres) as first, running_server(scratch_postgres) as second:
        with httpx.Client(base_url=first, timeout=60) as client:
            body = thing_body("Kast", 6.09, 52.51, [stream_body(f"s{i}", f"p{i}", {"name": "x"}, []) for i in range(3)])
            thing = created_id(client.post("/v1.1/Things", json=body))
            streams = [d["@iot.id"] for d in client.get(f"/v1.1/Things({thing})/Datastreams").json()["value"]]
        failures: list[str] = []

        def write(base: str, writer: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                for number in range(DOCUMENTS):
                    response = client.post("/v1.1/CreateObservations", json=_document(streams, writer, number))
                    if response.status_code != 201:
                        failures.append(f"writer {writer}: {response.status_code} {response.text[:300]}")

        threads = [
            threading.Thread(target=write, args=(base, writer))
            for writer, base in enumerate([first, second] * WRITERS_PER_SERVER)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert failures == []

        writers = 2 * WRITERS_PER_SERVER
        per_stream = writers * DOCUMENTS * ROWS
        last_time = START + timedelta(hours=(DOCUMENTS - 1) * ROWS + ROWS - 1, minutes=writers - 1)
        with httpx.Client(base_url=second, timeout=60) as client:
            for stream in streams:
                summary = client.get(
                    f"/v1.1/Datastreams({stream})?$expand=Observations($top=1;$orderby=phenomenonTime desc;$count=true)"
                ).json()
                assert summary["Observations@iot.count"] == per_stream  # from the summary
                latest = summary["Observations"][0]
                assert latest["phenomenonTime"] == last_time.strftime("%Y-%m-%dT%H:%M:%SZ")
                assert latest["result"] == float((writers - 1) * 10_000 + (DOCUMENTS - 1) * 100 + ROWS - 1)
                scanned = client.get(
                    f"/v1.1/Datastreams({stream})/Observations?$filter=result ge 0&$count=true&$top=1"
                ).json()["@iot.count"]
                assert scanned == per_stream  # counted in the table, below the estimate limit
                assert summary["phenomenonTime"].startswith(START.strftime("%Y-%m-%dT%H:%M:%SZ"))
            months = client.get(
                "/v1.1/Observations?$filter=phenomenonTime ge 2036-03-01T00:00:00Z&$count=true&$top=1"
            ).json()["@iot.count"]
            assert months > 0  # the documents did reach March (a second new partition)
            total = client.get("/v1.1/Observations?$count=true&$top=1").json()["@iot.count"]
            assert total == per_stream * len(streams)
            # All writers started at once without a FeatureOfInterest: exactly one was generated.
            assert client.get("/v1.1/FeaturesOfInterest?$count=true").json()["@iot.count"] == 1
