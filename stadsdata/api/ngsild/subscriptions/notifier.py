"""The notifier (clause 5.11): a commit listener hands each write's changes to a queue; one
worker thread finds the entities they touched (`changes.py`), matches them against the active,
unexpired subscriptions (`matching.py`) as each subscription's owner may see them *now*, and
hands each notification to `delivery.py`, so ingest never waits on it.

An entity the owner may not read is never matched nor sent. Throttling: a subscription notified
less than `throttling` seconds ago keeps what matched meanwhile and is notified once the period
has passed, with the entities as they are then (changes coalesce; none is lost). What waits for
a throttled notification is kept in memory only (lost at a restart)."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any
from uuid import uuid4

from fastapi import FastAPI

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.api.ngsild.contexts import CORE_CONTEXT
from stadsdata.api.ngsild.entities import Source, normalized, sources, time_text
from stadsdata.api.ngsild.representation import View, render
from stadsdata.api.ngsild.subscriptions.changes import Touched, touched
from stadsdata.api.ngsild.subscriptions.delivery import Delivery
from stadsdata.api.ngsild.subscriptions.matching import Matcher
from stadsdata.api.ngsild.subscriptions.owner import owner_key, owner_now
from stadsdata.store.base import Change, Store

log = logging.getLogger(__name__)
TABLE = "ngsild_subscriptions"
MAX_SUBSCRIPTIONS = 100_000
GATHER_S = 0.05  # how long a round waits for more commits after the first wakes it
REQUEST = "/ngsi-ld/v1/subscriptions/"  # the audit's request of a notification: + the subscription id


class Notifier:
    def __init__(
        self, store: Store, access: AccessPolicy, *, clock: Callable[[], float] = time.monotonic,
        delivery: Delivery | None = None, allow_private: bool = False,
    ) -> None:  # fmt: skip
        self.store, self.access, self.clock = store, access, clock
        self.delivery = delivery or Delivery(store, allow_private=allow_private)
        self.queue: queue.Queue[list[Change] | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.pending: dict[int, set[int]] = defaultdict(set)  # subscription row -> Things waiting to be notified
        self.last_sent: dict[int, float] = {}  # subscription row -> clock of its last notification
        self._throttled: dict[int, float] = {}  # subscription row -> its throttling (seconds)
        self.listening = False

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        if not self.listening:
            self.store.add_commit_listener(self.on_commit)
            self.listening = True
        self.delivery.start()
        self.thread = threading.Thread(target=self._run, name="ngsild-notifier", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            thread, self.thread = self.thread, None
            self.queue.put(None)
            thread.join(timeout=10)
        self.delivery.stop()

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Block until what was committed so far is matched and delivered (tests); throttled
        notifications that are not due yet are not waited for."""
        self.queue.join()
        return self.delivery.wait_idle(timeout_s)

    def on_commit(self, changes: list[Change]) -> None:
        """In the committing thread: queue the changes, nothing more."""
        if self.thread is not None and any(c.entity in _FOLLOWED for c in changes):
            self.queue.put(changes)

    # -- the worker -------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            due = [self.last_sent.get(s, 0.0) + t for s, t in self._throttled.items() if self.pending.get(s)]
            timeout = max(0.05, min(due) - self.clock()) if due else None  # 0.05: no spinning on a failing flush
            try:
                item = self.queue.get(timeout=timeout)
            except queue.Empty:
                self._guarded(self.flush)
                continue
            if item is None:
                self.queue.task_done()
                return
            time.sleep(GATHER_S)  # what commits meanwhile joins this round: at most ~20 rounds a second, whatever the write rate
            batch, taken = list(item), 1
            stop = False
            while True:  # what queued meanwhile, together
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
                if more is None:
                    stop = True
                    break
                batch.extend(more)
            self._guarded(partial(self.process, batch))
            self._guarded(self.flush)
            for _ in range(taken):
                self.queue.task_done()
            if stop:
                return

    @staticmethod
    def _guarded(work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - the worker must survive a bad batch
            log.exception("NGSI-LD notification failed")

    def _subscriptions(self) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        with self.store.read_only() as tx:
            if not tx.access.count_rows(TABLE, {"active": True}):
                return []
            rows = tx.access.rows(TABLE, {"active": True}, limit=MAX_SUBSCRIPTIONS)
        return [r for r in rows if r["expires_at"] is None or r["expires_at"] > now]

    def process(self, changes: list[Change]) -> None:
        """Match the entities these changes touched against the subscriptions; queue the matches."""
        subscriptions = self._subscriptions()
        if not subscriptions:
            return
        with self.store.read_only() as tx:
            things = touched(tx, changes)
        if not things:
            return
        by_owner: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
        for row in subscriptions:
            by_owner[owner_key(row)].append(row)
        for rows in by_owner.values():
            seen = self._visible(rows[0], sorted(things), audit=None)
            for row in rows:
                self._match(row, seen, things)

    def _match(self, row: dict[str, Any], seen: list[Source], things: dict[int, Touched]) -> None:
        try:
            matcher = Matcher.of(row["body"])
        except Exception:  # noqa: BLE001 - a stored subscription this version cannot read notifies nothing
            log.warning("subscription %s cannot be read", row["subscription_id"])
            return
        for source in seen:
            change = things[source.thing_id]
            entity = normalized(source)
            if matcher.fires(source, entity, change.attributes(source, entity), created=change.created):
                self.pending[row["id"]].add(source.thing_id)
                self._throttled[row["id"]] = float(row["body"].get("throttling", 0.0))

    def flush(self) -> None:
        """Notify each subscription with something pending whose throttling period has passed."""
        waiting = {s for s, things in self.pending.items() if things}
        if not waiting:
            return
        now = self.clock()
        due = {s for s in waiting if now >= self.last_sent.get(s, float("-inf")) + self._throttled.get(s, 0.0)}
        if not due:
            return
        rows = {r["id"]: r for r in self._subscriptions() if r["id"] in due}
        for row_id in due:
            things = self.pending.pop(row_id)
            row = rows.get(row_id)
            if row is None:  # deleted, paused or expired meanwhile
                self._throttled.pop(row_id, None)
                self.last_sent.pop(row_id, None)
                continue
            try:
                if self._notify(row, things):
                    self.last_sent[row_id] = now
            except Exception:  # noqa: BLE001 - one subscription's failure leaves the others' notifications
                log.exception("notification of subscription %s failed", row["subscription_id"])

    def _notify(self, row: dict[str, Any], things: set[int]) -> bool:
        body = row["body"]
        matcher = Matcher.of(body)
        notification = body["notification"]
        shown = View(
            notification.get("format", "normalized"), _names(notification.get("attributes")), None, frozenset()
        )
        data = [
            render(entity, shown)
            for source in self._visible(row, sorted(things), audit=REQUEST + row["subscription_id"])
            for entity in [normalized(source)]
            if matcher.selects(source, entity)
        ]
        if not data:
            return False
        context = body.get("@context")
        message: dict[str, Any] = {
            "id": f"urn:ngsi-ld:Notification:{uuid4()}", "type": "Notification",
            "subscriptionId": row["subscription_id"], "notifiedAt": time_text(datetime.now(UTC)), "data": data,
        }  # fmt: skip
        if notification["endpoint"].get("accept") == "application/ld+json":
            message["@context"] = context if context is not None else CORE_CONTEXT
        self.delivery.submit(row["id"], notification["endpoint"], context, message)
        return True

    def _visible(self, row: dict[str, Any], thing_ids: list[int], *, audit: str | None) -> list[Source]:
        """These Things as the subscription's owner may see them now (audited when `audit` names
        the request: what a notification gives out)."""
        with audited_read(self.store) as (tx, events):
            caller: Caller | None = owner_now(tx, row)
            if caller is None:
                return []
            scope = self.access.read_scope(caller, tx)
            rows = tx.latest_values(scope, thing_ids=thing_ids)
            if audit is not None:
                seen = Counter({("Datastream", r.datastream_id): 1 for r in rows if r.phenomenon_time is not None})
                if seen:
                    events += self.access.audit_stream_reads(caller, tx, seen, audit)
        return sources(rows)


_FOLLOWED = frozenset({"Thing", "Datastream", "Observation", "HistoricalLocation"})


def _names(names: list[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)


def lifespan_for(store: Store, access: AccessPolicy, *, allow_private: bool = False) -> Callable[[FastAPI], Any]:
    """The notifier's start and stop with the app (`Platform.lifespans`); the running notifier
    is `app.state.ngsild_notifier`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        notifier = Notifier(store, access, allow_private=allow_private)
        app.state.ngsild_notifier = notifier
        notifier.start()
        try:
            yield
        finally:
            await asyncio.to_thread(notifier.stop)

    return lifespan
