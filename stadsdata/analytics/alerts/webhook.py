"""Delivery of alerts to a rule's webhook, off the evaluator's thread: POST of the alert as JSON,
signed with HMAC-SHA256 of the body under the rule's secret (header `X-Stadsdata-Signature:
sha256=<hex>`), retried with exponential back-off (`service/retries.py`); each attempt recorded on the alert
(`delivery.webhook`: attempts, lastAttempt, error, nextTry, deliveredAt), so a failing receiver
shows. The same thread delivers to MQTT (`mqtt.py`) and by e-mail (`mail.py`). What was pending when
the process stopped is resumed by the evaluator at its start (`AlertEvaluator.resume_deliveries`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from stadsdata.service.outbound import refusal
from stadsdata.service.retries import RetryingSender
from stadsdata.store.base import Store

SIGNATURE_HEADER = "X-Stadsdata-Signature"


def signature(secret: str, body: bytes) -> str:
    """The header value a receiver recomputes to verify a delivery: 'sha256=' + hex HMAC of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_signed(url: str, secret: str, timeout_s: float, *, allow_private: bool = False) -> Callable[[bytes], None]:
    """A sender that POSTs the body to a webhook, signed; raises on failure (non-2xx included, and
    a host that is not a public address unless `allow_private`: `service/outbound.py`)."""

    def send(body: bytes) -> None:
        parts = urllib.parse.urlsplit(url)
        refused = refusal(parts.hostname, parts.port, allow_private=allow_private)
        if refused is not None:
            raise OSError(f"refused: {refused}")
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body),
        })  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 - the rule's URL (http/https only)
                answer.read()
        except urllib.error.HTTPError as exc:
            raise OSError(f"HTTP {exc.code}") from None

    return send


class WebhookDelivery(RetryingSender):
    """The delivery thread of alerts (webhook, MQTT, e-mail), each attempt recorded on the alert."""

    def __init__(
        self, store: Store, *, attempts: int = 5, first_delay_s: float = 1.0, timeout_s: float = 5.0, allow_private: bool = False
    ) -> None:  # fmt: skip
        super().__init__("alert-deliveries", self._record, attempts=attempts, first_delay_s=first_delay_s)
        self.store, self.timeout_s, self.allow_private = store, timeout_s, allow_private

    def submit(self, alert_id: int, webhook: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
        """Deliver to a webhook (url, secret)."""
        send = post_signed(str(webhook["url"]), str(webhook["secret"]), self.timeout_s, allow_private=self.allow_private)
        self.submit_to(alert_id, "webhook", send, payload)

    def submit_to(
        self, alert_id: int, channel: str, send: Callable[[bytes], None], payload: Mapping[str, Any], *, attempt: int = 1,
        delay_s: float = 0.0,
    ) -> None:  # fmt: skip
        """Deliver the payload (as JSON) with `send`, recorded on the alert as `delivery.<channel>`
        (`attempt`: the number of this try, for one resumed after a restart)."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        self.put((alert_id, channel), partial(send, body), attempt=attempt, delay_s=delay_s)

    def _record(self, key: Hashable, attempt: int, error: str | None, retry_s: float | None) -> None:
        alert_id, channel = key  # type: ignore[misc]
        now = datetime.now(UTC)
        record: dict[str, Any] = {"attempts": attempt, "lastAttempt": _iso(now), "error": error, "nextTry": None, "deliveredAt": None}
        if error is None:
            record["deliveredAt"] = _iso(now)
        elif retry_s is not None:
            record["nextTry"] = _iso(now + timedelta(seconds=retry_s))
        with self.store.write() as tx:
            found = tx.access.rows("alerts", {"id": alert_id})
            if found:
                tx.access.update_row("alerts", alert_id, {"delivery": {**(found[0]["delivery"] or {}), channel: record}})


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
