"""Delivery of alerts to a rule's webhook, off the evaluator's thread: POST of the alert as JSON,
signed with HMAC-SHA256 of the body under the rule's secret (header `X-Stadsdata-Signature:
sha256=<hex>`), retried with exponential back-off; each attempt recorded on the alert
(`delivery.webhook`: attempts, lastAttempt, error, nextTry, deliveredAt), so a failing receiver
shows. The same thread delivers to MQTT (`mqtt.py`) and by e-mail (`mail.py`). What was pending when
the process stopped is resumed by the evaluator at its start (`AlertEvaluator.resume_deliveries`)."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.store.base import Store

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Stadsdata-Signature"


def signature(secret: str, body: bytes) -> str:
    """The header value a receiver recomputes to verify a delivery: 'sha256=' + hex HMAC of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_signed(url: str, secret: str, timeout_s: float) -> Callable[[bytes], None]:
    """A sender that POSTs the body to a webhook, signed; raises on failure (non-2xx included)."""

    def send(body: bytes) -> None:
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: signature(secret, body),
        })  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 - the rule's URL (http/https only)
                answer.read()
        except urllib.error.HTTPError as exc:
            raise OSError(f"HTTP {exc.code}") from None

    return send


@dataclass(order=True)
class _Attempt:
    due: float
    alert_id: int = field(compare=False)
    channel: str = field(compare=False)  # 'webhook', 'mqtt'
    send: Callable[[bytes], None] = field(compare=False)
    body: bytes = field(compare=False)
    attempt: int = field(compare=False, default=1)


class WebhookDelivery:
    """One thread that delivers alerts (webhook, MQTT) and retries failures with back-off."""

    def __init__(self, store: Store, *, attempts: int = 5, first_delay_s: float = 1.0, timeout_s: float = 5.0) -> None:
        self.store, self.attempts, self.first_delay_s, self.timeout_s = store, attempts, first_delay_s, timeout_s
        self.pending: list[_Attempt] = []
        self.busy = 0
        self.cv = threading.Condition()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="alert-webhooks", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        thread, self.thread = self.thread, None
        with self.cv:
            self.cv.notify_all()
        if thread is not None:
            thread.join(timeout=10)

    def submit(self, alert_id: int, webhook: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
        """Deliver to a webhook (url, secret)."""
        self.submit_to(alert_id, "webhook", post_signed(str(webhook["url"]), str(webhook["secret"]), self.timeout_s), payload)

    def submit_to(
        self, alert_id: int, channel: str, send: Callable[[bytes], None], payload: Mapping[str, Any], *, attempt: int = 1,
        delay_s: float = 0.0,
    ) -> None:  # fmt: skip
        """Deliver the payload (as JSON) with `send`, recorded on the alert as `delivery.<channel>`
        (`attempt`: the number of this try, for one resumed after a restart)."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        with self.cv:
            heapq.heappush(self.pending, _Attempt(time.monotonic() + delay_s, alert_id, channel, send, body, attempt))
            self.cv.notify_all()

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until nothing is pending or in flight (tests); whether it got there in time."""
        end = time.monotonic() + timeout_s
        with self.cv:
            while self.pending or self.busy:
                if not self.cv.wait(timeout=max(0.0, end - time.monotonic())) and time.monotonic() >= end:
                    return False
        return True

    def _run(self) -> None:
        while self.thread is not None:
            with self.cv:
                if not self.pending:
                    self.cv.wait(timeout=1.0)
                    continue
                wait = self.pending[0].due - time.monotonic()
                if wait > 0:
                    self.cv.wait(timeout=wait)
                    continue
                item = heapq.heappop(self.pending)
                self.busy += 1
            try:
                self._attempt(item)
            except Exception:  # noqa: BLE001 - the thread must survive
                log.exception("webhook delivery failed")
            with self.cv:
                self.busy -= 1
                self.cv.notify_all()

    def _attempt(self, item: _Attempt) -> None:
        now = datetime.now(UTC)
        error: str | None = None
        try:
            item.send(item.body)
        except (OSError, ValueError) as exc:
            error = str(exc) or type(exc).__name__
        record: dict[str, Any] = {"attempts": item.attempt, "lastAttempt": _iso(now), "error": error, "nextTry": None, "deliveredAt": None}
        if error is None:
            record["deliveredAt"] = _iso(now)
        elif item.attempt < self.attempts:
            delay = self.first_delay_s * 2 ** (item.attempt - 1)
            record["nextTry"] = _iso(now + timedelta(seconds=delay))
            with self.cv:
                again = _Attempt(time.monotonic() + delay, item.alert_id, item.channel, item.send, item.body, item.attempt + 1)
                heapq.heappush(self.pending, again)
        with self.store.write() as tx:
            found = tx.access.rows("alerts", {"id": item.alert_id})
            if found:
                tx.access.update_row("alerts", item.alert_id, {"delivery": {**(found[0]["delivery"] or {}), item.channel: record}})


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
