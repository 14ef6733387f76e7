"""One thread that runs deliveries and retries the failed ones with exponential back-off, for what
the platform sends out on its own: alerts by webhook, MQTT and e-mail (`analytics/alerts/webhook.py`)
and NGSI-LD notifications (`api/ngsild/subscriptions/delivery.py`). Each attempt's outcome is handed
to `record`, which writes it where its users see it; nothing here knows what is sent or where.

What is pending lives in memory: a stopped process loses it, unless its owner hands it over again at
the next start (the alerts do: `AlertEvaluator.resume_deliveries`)."""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Send = Callable[[], None]  # raises OSError or ValueError when not delivered
# (key, the attempt's number, its error or None, seconds until the next try or None when none follows)
Record = Callable[[Hashable, int, str | None, float | None], None]


@dataclass(order=True)
class _Attempt:
    due: float
    key: Hashable = field(compare=False)
    send: Send = field(compare=False)
    attempt: int = field(compare=False, default=1)


class RetryingSender:
    """Runs `send`s on its own thread, in the order they are due; a failure is tried again after
    `first_delay_s`, then twice as long each time, `attempts` tries in all."""

    def __init__(self, name: str, record: Record, *, attempts: int, first_delay_s: float) -> None:
        self.name, self.record, self.attempts, self.first_delay_s = name, record, attempts, first_delay_s
        self.pending: list[_Attempt] = []
        self.busy = 0
        self.cv = threading.Condition()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        thread, self.thread = self.thread, None
        with self.cv:
            self.cv.notify_all()
        if thread is not None:
            thread.join(timeout=10)

    def put(self, key: Hashable, send: Send, *, attempt: int = 1, delay_s: float = 0.0) -> None:
        """Run `send` (as try number `attempt`) once `delay_s` has passed."""
        with self.cv:
            heapq.heappush(self.pending, _Attempt(time.monotonic() + delay_s, key, send, attempt))
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
                log.exception("%s: delivery failed", self.name)
            with self.cv:
                self.busy -= 1
                self.cv.notify_all()

    def _attempt(self, item: _Attempt) -> None:
        error: str | None = None
        try:
            item.send()
        except (OSError, ValueError) as exc:
            error = str(exc) or type(exc).__name__
        retry: float | None = None
        if error is not None and item.attempt < self.attempts:
            retry = self.first_delay_s * 2 ** (item.attempt - 1)
            self.put(item.key, item.send, attempt=item.attempt + 1, delay_s=retry)
        self.record(item.key, item.attempt, error, retry)
