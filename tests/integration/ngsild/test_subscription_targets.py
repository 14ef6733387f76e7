"""Where notifications may go (`service/outbound.py`): by default only to public addresses, so that a
subscription cannot make the server reach into its own network; the receiver on 127.0.0.1 gets
nothing and the subscription shows its notifications failing. With `notify_private_networks` (the
other tests' app) it is reached. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.service.outbound import refusal
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from tests.integration.ngsild.conftest import BASE, air
from tests.integration.ngsild.subscription_helpers import Receiver, settle, subscribe, subscription


@pytest.fixture
def default_client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db")), store=store)) as client:
        yield client


def test_a_receiver_on_an_internal_address_is_refused_by_default(default_client: TestClient, receiver: Receiver) -> None:
    client = default_client
    client.app.state.ngsild_notifier.delivery.attempts = 1  # type: ignore[attr-defined]
    location = subscribe(client, subscription(receiver.url, watchedAttributes=["no2"]))
    mqtt = subscribe(client, subscription("mqtt://127.0.0.1:1883/stadsdata/test", watchedAttributes=["no2"]))
    assert client.post(f"{BASE}/entities", json=air()).status_code == 201
    settle(client)
    assert receiver.got == []
    for where in (location, mqtt):
        notification = client.get(where).json()["notification"]
        assert notification["status"] == "failed" and notification["lastFailure"] and "lastSuccess" not in notification


def test_which_addresses_are_refused() -> None:
    for host in ("127.0.0.1", "localhost", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"):
        assert refusal(host, 80, allow_private=False) is not None, host
        assert refusal(host, 80, allow_private=True) is None
    assert refusal("93.184.215.14", 443, allow_private=False) is None  # a global address (no lookup needed)
    assert "does not resolve" in str(refusal("no-such-host.invalid", 80, allow_private=False))
