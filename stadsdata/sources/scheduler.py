"""Runs the sources when they are due, in a thread of the process (`stadsdata serve`, or
`stadsdata ingest --sources` workers instead). Several processes may run schedulers on one
database: a source runs in the process that took its lease (`sources.lease_until` in the past:
free; taking it is one conditional UPDATE, so on PostgreSQL exactly one process wins), and a run
renews it at each checkpoint. A process that dies leaves a lease that expires; the next run goes
on from the last checkpoint."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.settings import Settings
from stadsdata.sources.runner import SourceParts, run_source

log = logging.getLogger(__name__)


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduler:
    def __init__(
        self, parts: SourceParts, *, owner: str | None = None, tick_s: float = 1.0, parallel: int = 4, lease_s: float = 300.0,
    ) -> None:  # fmt: skip
        self.parts = parts
        self.owner = owner or process_owner()
        self.tick_s, self.parallel, self.lease_s = tick_s, parallel, lease_s
        self.stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._running: dict[int, Future[int]] = {}

    @classmethod
    def configured(cls, parts: SourceParts, settings: Settings) -> Scheduler:
        """The scheduler the settings ask for (sources_parallel, sources_lease_s)."""
        return cls(parts, parallel=settings.sources_parallel, lease_s=settings.sources_lease_s)

    # -- one pass -------------------------------------------------------------------------------
    def due(self, now: datetime) -> list[dict[str, Any]]:
        """The sources to run now: active and due, or asked to run now; not leased."""
        with self.parts.store.read_only() as tx:
            due = tx.access.rows("sources", {"state": "active", "next_run_at": ("<=", now), "lease_until": ("<", now)}, limit=100)
            asked = tx.access.rows("sources", {"run_requested": True, "lease_until": ("<", now)}, limit=100)
        seen: dict[int, dict[str, Any]] = {r["id"]: r for r in [*due, *asked]}
        return sorted(seen.values(), key=lambda r: r["next_run_at"])

    def claim(self, source: dict[str, Any], now: datetime) -> datetime | None:
        """Take the lease of `source` unless another process holds it: its end, or None."""
        until = now + timedelta(seconds=self.lease_s)
        with self.parts.store.write() as tx:
            taken = tx.access.update_row(
                "sources", source["id"], {"lease_owner": self.owner, "lease_until": until, "run_requested": False},
                where={"lease_until": ("<", now)},
            )  # fmt: skip
        return until if taken else None

    def run_due(self) -> list[int]:
        """Run every due source now, one after another, in this thread (the runs' ids)."""
        ran = []
        for source in self.due(datetime.now(UTC)):
            until = self.claim(source, datetime.now(UTC))
            if until is not None:
                ran.append(run_source(self.parts, source, owner=self.owner, lease_until=until, lease_s=self.lease_s, stop=self.stop_event))
        return ran

    def run_now(self, name: str, progress: Callable[[int, int | None], None] | None = None) -> int | None:
        """Run source `name` now in this thread, unless another process runs it (then None)."""
        with self.parts.store.read_only() as tx:
            rows = tx.access.rows("sources", {"name": name}, limit=1)
        if not rows:
            raise LookupError(f"no source {name!r}")
        until = self.claim(rows[0], datetime.now(UTC))
        if until is None:
            return None
        return run_source(
            self.parts, rows[0], owner=self.owner, lease_until=until, lease_s=self.lease_s, stop=self.stop_event, progress=progress
        )

    # -- in the background ----------------------------------------------------------------------------
    def start(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="source")
        self._thread = threading.Thread(target=self._loop, name="source-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Ask running connectors to stop at their next checkpoint, and wait for them."""
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        while not self.stop_event.wait(self.tick_s):
            try:
                self._tick()
            except Exception:  # noqa: BLE001 - the database may be away for a moment: try again next tick
                log.exception("source scheduler: a pass failed")

    def _tick(self) -> None:
        assert self._pool is not None
        self._running = {k: f for k, f in self._running.items() if not f.done()}
        free = self.parallel - len(self._running)
        now = datetime.now(UTC)
        for source in self.due(now):
            if free <= 0:
                return
            if source["id"] in self._running:
                continue
            until = self.claim(source, now)
            if until is None:
                continue
            self._running[source["id"]] = self._pool.submit(
                run_source, self.parts, source, owner=self.owner, lease_until=until, lease_s=self.lease_s, stop=self.stop_event
            )
            free -= 1
