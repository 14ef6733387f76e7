"""Delivery of notifications, off the notifier's thread: an HTTP POST of the Notification
(clause 5.3.1) to an `http(s)://` endpoint, or an MQTT PUBLISH to `mqtt://host[:port]/topic`
(the payload a JSON object of `metadata`, the headers an HTTP receiver would get, and `body`,
the Notification). A failed delivery is retried with exponential back-off; each attempt is
recorded on the subscription (timesSent, timesFailed, lastNotification, lastSuccess,
lastFailure). Retries pending at a restart are not resumed."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import orjson
import paho.mqtt.client as paho

from stadsdata.api.ngsild.contexts import CONTEXT_REL, CORE_CONTEXT, LD_JSON
from stadsdata.service.outbound import refusal
from stadsdata.service.retries import RetryingSender
from stadsdata.store.base import Store

TABLE = "ngsild_subscriptions"
Sender = Callable[[dict[str, Any]], None]  # raises OSError when not delivered


def headers_for(endpoint: dict[str, Any], context: Any) -> dict[str, str]:
    """Content-Type (endpoint.accept), the @context as a Link for application/json, receiverInfo."""
    accept = endpoint.get("accept", "application/json")
    out = {"Content-Type": accept}
    if accept != LD_JSON:
        url = context if isinstance(context, str) else CORE_CONTEXT
        out["Link"] = f'<{url}>; rel="{CONTEXT_REL}"; type="{LD_JSON}"'
    out.update({p["key"]: p["value"] for p in endpoint.get("receiverInfo", [])})
    return out


def _check(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    refused = refusal(parts.hostname, parts.port, allow_private=allow_private)
    if refused is not None:
        raise OSError(f"refused: {refused}")


def http_sender(endpoint: dict[str, Any], context: Any, timeout_s: float, allow_private: bool = False) -> Sender:
    def send(notification: dict[str, Any]) -> None:
        _check(endpoint["uri"], allow_private)
        try:
            answer = httpx.post(
                endpoint["uri"], content=orjson.dumps(notification), headers=headers_for(endpoint, context),
                timeout=endpoint.get("timeout", timeout_s * 1000) / 1000,
            )  # fmt: skip
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise OSError(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= answer.status_code < 300:
            raise OSError(f"HTTP {answer.status_code}")

    return send


def mqtt_sender(endpoint: dict[str, Any], context: Any, timeout_s: float, allow_private: bool = False) -> Sender:
    url = urlsplit(endpoint["uri"])
    topic = unquote(url.path[1:])
    info = {p["key"]: p["value"] for p in endpoint.get("notifierInfo", [])}
    qos = int(info.get("MQTT-QoS", "0"))
    version = paho.MQTTv5 if info.get("MQTT-Version") == "mqtt5.0" else paho.MQTTv311

    def send(notification: dict[str, Any]) -> None:
        _check(endpoint["uri"], allow_private)
        payload = orjson.dumps({"metadata": headers_for(endpoint, context), "body": notification})
        client = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=version)
        if url.username:
            client.username_pw_set(unquote(url.username), unquote(url.password) if url.password else None)
        try:
            client.connect(url.hostname or "localhost", url.port or 1883, keepalive=30)
            client.loop_start()
            sent = client.publish(topic, payload, qos=qos)
            sent.wait_for_publish(timeout=timeout_s)
            if not sent.is_published():
                raise OSError(f"MQTT publish to {url.hostname}:{url.port or 1883} not acknowledged")
        except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:
            raise OSError(f"MQTT {url.hostname}:{url.port or 1883}: {exc}") from None
        finally:
            client.loop_stop()
            client.disconnect()

    return send


def sender_for(endpoint: dict[str, Any], context: Any, timeout_s: float, allow_private: bool = False) -> Sender:
    """The sender of an endpoint; to a host that is not a public address only with `allow_private`
    (`service/outbound.py`: a refused one fails like an unreachable one, recorded on the subscription)."""
    scheme = endpoint["uri"].split(":", 1)[0].lower()
    return (mqtt_sender if scheme == "mqtt" else http_sender)(endpoint, context, timeout_s, allow_private)


class Delivery(RetryingSender):
    """The thread that sends notifications and retries failures with back-off (`service/retries.py`)."""

    def __init__(
        self, store: Store, *, attempts: int = 4, first_delay_s: float = 1.0, timeout_s: float = 5.0, allow_private: bool = False
    ) -> None:  # fmt: skip
        super().__init__("ngsild-notifications", self._record, attempts=attempts, first_delay_s=first_delay_s)
        self.store, self.timeout_s, self.allow_private = store, timeout_s, allow_private

    def submit(self, row_id: int, endpoint: dict[str, Any], context: Any, notification: dict[str, Any]) -> None:
        self.put(row_id, partial(sender_for(endpoint, context, self.timeout_s, self.allow_private), notification))

    def _record(self, row_id: Hashable, attempt: int, error: str | None, retry_s: float | None) -> None:
        now = datetime.now(UTC)
        with self.store.write() as tx:
            found = tx.access.rows(TABLE, {"id": row_id}, limit=1)
            if not found:
                return  # deleted meanwhile
            row = found[0]
            values: dict[str, Any] = {"last_notification": now, "times_sent": row["times_sent"] + 1}
            if error is None:
                values.update(last_success=now)
            else:
                values.update(last_failure=now, last_error=error, times_failed=row["times_failed"] + 1)
            tx.access.update_row(TABLE, row["id"], values)
