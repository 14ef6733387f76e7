"""Pieces of the subscription tests: a local HTTP receiver of notifications (a `http.server` in a
thread), an MQTT subscriber on the Mosquitto broker at 127.0.0.1:1883, and the subscription body."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.mqtt_listener import MqttSubscriber, listening

SUBSCRIPTIONS = "/ngsi-ld/v1/subscriptions"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class Receiver:
    """What the receiver got; `status` is what it answers."""

    url: str = ""
    got: list[Received] = field(default_factory=list)
    status: int = 204
    cv: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Received]:
        end = time.monotonic() + timeout_s
        with self.cv:
            while len(self.got) < count and time.monotonic() < end:
                self.cv.wait(timeout=end - time.monotonic())
            return list(self.got)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    kept = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(kept.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with kept.cv:
                if kept.status < 300:
                    kept.got.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw))
                    )
                else:
                    kept.got.append(Received(self.path, {"failed": "yes"}, {}))
                kept.cv.notify_all()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kept.url = f"http://127.0.0.1:{server.server_address[1]}/notify"
    yield kept
    server.shutdown()
    server.server_close()


@pytest.fixture
def mqtt_subscriber() -> Iterator[MqttSubscriber]:
    with listening("test/ngsild") as kept:
        yield kept


def subscription(uri: str, **members: Any) -> dict[str, Any]:
    notification = members.pop("notification", {})
    return {
        "type": "Subscription",
        **members,
        "notification": {**notification, "endpoint": {"uri": uri, **notification.get("endpoint", {})}},
    }


def subscribe(client: TestClient, body: dict[str, Any], headers: dict[str, str] | None = None) -> str:
    response = client.post(SUBSCRIPTIONS, json=body, headers=headers or {})
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


def settle(client: TestClient) -> None:
    """Wait until what was committed is matched and delivered."""
    assert client.app.state.ngsild_notifier.wait_idle()  # type: ignore[attr-defined]
