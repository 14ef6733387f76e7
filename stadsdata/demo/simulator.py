"""Keeps the demo city live: every few seconds a group of sensors reports its current reading
through the real ingest paths, as real devices would — SensorThings MQTT on the embedded broker
(QoS 1, the demo's API key as password) and HTTP push for the garages (their operator's system
posting JSON to `/api/v1/push/veenhaven-garages`). The values come from the same signals as the
history (`signals.py`), at the current moment, so the series go on without a seam.

Without the embedded broker (its port taken) the MQTT part posts the same Observations to the
SensorThings API over HTTP instead, and says so in the log. The key is made at every start (the
previous demo key is revoked) and lives only in this process."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime

import paho.mqtt.client as mqtt

from stadsdata.access.api_keys import generate_api_key
from stadsdata.demo import city
from stadsdata.demo.seed import PUSH_SOURCE
from stadsdata.model.entities import DATASTREAM
from stadsdata.query.ast import QueryOptions
from stadsdata.store.base import ReadRequest, Store

log = logging.getLogger(__name__)
KEY_NAME = "demo simulator"


def demo_key(store: Store) -> str:
    """A new admin key for the simulator; earlier ones are revoked."""
    now = datetime.now(UTC)
    key = generate_api_key()
    with store.write() as tx:
        for row in tx.access.rows("api_keys", {"name": KEY_NAME}, limit=1000):
            if row["revoked_at"] is None:
                tx.access.revoke_api_key(row["prefix"], now)
        tx.access.add_api_key(key.prefix, key.key_hash, KEY_NAME, None, is_admin=True, can_write=True, expires_at=None, now=now)
    return key.secret_key


class Simulator:
    def __init__(self, store: Store, base_url: str, key: str, mqtt_port: int | None, *, interval_s: float = 5.0, group: int = 12) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.mqtt_port = mqtt_port
        self.interval_s = interval_s
        self.group = group
        self.sites = city.sites()
        self.streams = self._stream_ids(store)
        self.sent = 0
        self._next = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: mqtt.Client | None = None

    def _stream_ids(self, store: Store) -> dict[tuple[str, str], int]:
        """(site key, stream key) -> Datastream id, found by the Things' `site` property."""
        by_name: dict[str, tuple[str, str]] = {}
        for site in self.sites:
            for stream in site.streams:
                by_name[f"{stream.property} — {site.name}"] = (site.key, stream.key)
        out = {}
        with store.read_only() as tx:
            for record in tx.read(ReadRequest(DATASTREAM, QueryOptions(), top=100_000, max_top=100_000)).records:
                key = by_name.get(record["name"])
                if key is not None:
                    out[key] = record["id"]
        return out

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Blocks until the rounds and the MQTT client have ended: call it off the event loop
        (the embedded broker runs there and must answer the client's DISCONNECT)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3)  # a round in flight ends on its own (its HTTP calls time out)
        if self._client is not None:  # disconnect first: the network thread then ends by itself
            self._client.disconnect()
            self._client.loop_stop()

    def _run(self) -> None:
        if self.mqtt_port is not None:
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"demo-simulator-{int(time.time())}")
            client.username_pw_set("demo-simulator", self.key)
            client.reconnect_delay_set(1, 10)
            try:
                client.connect("127.0.0.1", self.mqtt_port)
                client.loop_start()
                self._client = client
            except OSError as exc:
                log.warning("demo simulator: no MQTT (%s); posting over HTTP instead", exc)
        while not self._stop.wait(self.interval_s):
            try:
                self.tick(datetime.now(UTC).replace(microsecond=0))
            except Exception as exc:  # noqa: BLE001 - a demo must go on; the server is what matters
                log.warning("demo simulator: %s", exc)

    def tick(self, moment: datetime) -> int:
        """Report the current readings of the next group of sites (and of every garage)."""
        sent = 0
        group = [self.sites[(self._next + i) % len(self.sites)] for i in range(self.group)]
        self._next = (self._next + self.group) % len(self.sites)
        stamp = moment.isoformat().replace("+00:00", "Z")
        for site in group:
            if site.kind == "garage":
                continue
            for stream in site.streams:
                value = stream.value(site.seed, moment)
                stream_id = self.streams.get((site.key, stream.key))
                if value is None or stream_id is None:
                    continue
                self._observation(stream_id, {"phenomenonTime": stamp, "result": value})
                sent += 1
        garages = [{"id": s.key, "vacant": s.streams[0].value(s.seed, moment), "updated": stamp} for s in self.sites if s.kind == "garage"]
        self._post(f"/api/v1/push/{PUSH_SOURCE}", {"garages": garages})
        sent += len(garages)
        self.sent += sent
        return sent

    def _observation(self, stream_id: int, body: dict[str, object]) -> None:
        if self._client is not None and self._client.is_connected():
            self._client.publish(f"v1.1/Datastreams({stream_id})/Observations", json.dumps(body), qos=1)
        else:
            self._post(f"/v1.1/Datastreams({stream_id})/Observations", body)

    def _post(self, path: str, body: object) -> None:
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-API-Key": self.key},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            log.warning("demo simulator: POST %s gave %s: %s", path, exc.code, exc.read()[:300])
        except urllib.error.URLError as exc:
            log.info("demo simulator: server not reachable yet (%s)", exc.reason)
