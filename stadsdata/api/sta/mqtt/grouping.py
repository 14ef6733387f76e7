"""Group commit for the embedded broker: the SensorThings publishes that arrive within a few
milliseconds — of one connection or of many — are stored together, in one transaction per
publisher's rights (`MqttCreates.ingest_batch`, `batch.py`), in a worker thread; each message's
`Waiter` (its connection, `broker.py`) is told only after the commit of the group that holds it,
and only then acknowledges it.

A group starts with the first message that arrives while none is waiting, waits `wait_s` for more
(at most `max_size`), and is stored; what arrives while a group is being stored waits for that
commit and forms the next group at once. So a publisher with many messages in flight fills large
groups, and one that waits for each acknowledgement pays `wait_s` per message. Groups are stored
one after the other, in the order their messages arrived: the messages of one publisher on one
stream are stored in the order they were published.

A message refused by the service (4xx) is quarantined and counts as settled (it is kept), as for
a message stored alone; a payload larger than mqtt_max_payload_bytes is quarantined before the
group is stored. When storing fails (the database, a 5xx), the waiters of that publisher's part of
the group are told it failed: those messages are not acknowledged. A message whose connection
closed before its group formed is left out (the client sends it again)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from stadsdata.access.policy import Caller
from stadsdata.api.sta.mqtt.creates import MqttCreates
from stadsdata.ingest.pipeline import Message, Outcome

log = logging.getLogger(__name__)
GROUP_WAIT_S = 0.005  # how long the first message of a group waits for more
GROUP_MAX = 1000  # messages in one group at most


class Waiter(Protocol):
    """Who waits for messages given to `GroupCommit.submit` (a broker connection): told once per
    group, after its commit, which of its messages are settled — stored, found stored before or
    quarantined, each with the token given at `submit`, in the order they arrived — or which
    could not be stored, and why."""

    @property
    def waiting(self) -> bool:
        """False when the messages are no longer wanted (the connection closed): then those not yet
        in a group are left out."""

    def settled(self, tokens: list[Any]) -> None: ...

    def failed(self, tokens: list[Any], error: Exception) -> None: ...


@dataclass(slots=True)
class _Pending:
    message: Message
    caller: Caller
    waiter: Waiter
    token: Any


class GroupCommit:
    """Stores the messages given to `submit` in groups; runs as one task on the broker's loop."""

    def __init__(self, creates: MqttCreates, *, wait_s: float = GROUP_WAIT_S, max_size: int = GROUP_MAX) -> None:
        self.creates = creates
        self.wait_s = wait_s
        self.max_size = max_size
        self.groups = 0  # groups stored (committed or refused)
        self.messages = 0  # messages in them
        self._pending: deque[_Pending] = deque()
        self._first_at = 0.0  # when the oldest waiting message arrived (loop time)
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="stadsdata-mqtt-group-commit")

    async def stop(self) -> None:
        """Stop storing; what waits is never stored, so never acknowledged."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self._pending.clear()

    def submit(self, message: Message, caller: Caller, waiter: Waiter, token: Any) -> None:
        """Store `message` with `caller`'s rights in the next group; `waiter` is told with `token`
        after that group's commit. Call on the broker's loop."""
        if not self._pending:
            self._first_at = asyncio.get_running_loop().time()
            self._arrived.set()
        self._pending.append(_Pending(message, caller, waiter, token))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._arrived.wait()
            delay = self._first_at + self.wait_s - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            group: list[_Pending] = []
            while self._pending and len(group) < self.max_size:
                item = self._pending.popleft()
                if item.waiter.waiting:  # else: its connection closed meanwhile
                    group.append(item)
            if self._pending:
                self._first_at = 0.0  # the rest waited long enough: the next group goes at once
            else:
                self._arrived.clear()
            if not group:
                continue
            results: list[Outcome | Exception]
            try:
                results = await asyncio.to_thread(self._store, [(item.message, item.caller) for item in group])
            except Exception as exc:  # noqa: BLE001 - a fault of ours: acknowledge nothing, keep grouping
                log.exception("storing %d MQTT messages failed", len(group))
                results = [exc] * len(group)
            self.groups += 1
            self.messages += len(group)
            self._tell(group, results)

    @staticmethod
    def _tell(group: list[_Pending], results: list[Outcome | Exception]) -> None:
        """Tell each waiter once which of its messages are settled, and which failed."""
        settled: dict[Waiter, list[Any]] = {}
        failed: dict[Waiter, tuple[list[Any], Exception]] = {}
        for item, result in zip(group, results, strict=True):
            if isinstance(result, Outcome):
                settled.setdefault(item.waiter, []).append(item.token)
            else:
                failed.setdefault(item.waiter, ([], result))[0].append(item.token)
        for waiter, tokens in settled.items():
            try:
                waiter.settled(tokens)
            except Exception:  # noqa: BLE001 - one connection's trouble is not the others'
                log.exception("acknowledging MQTT messages failed")
        for waiter, (tokens, error) in failed.items():
            try:
                waiter.failed(tokens, error)
            except Exception:  # noqa: BLE001
                log.exception("refusing MQTT messages failed")

    def _store(self, items: list[tuple[Message, Caller]]) -> list[Outcome | Exception]:
        """In a worker thread: each message's outcome, or the exception that kept it from being
        stored. One transaction per caller (most groups have one)."""
        results: list[Outcome | Exception] = [Outcome.QUARANTINED] * len(items)
        by_caller: dict[Caller, list[int]] = {}
        ingestor = self.creates.ingestor
        for i, (message, caller) in enumerate(items):
            try:
                if ingestor.refused_for_size(message):
                    continue  # quarantined
            except Exception as exc:  # noqa: BLE001 - the quarantine's write failed: not acknowledged
                results[i] = exc
                continue
            by_caller.setdefault(caller, []).append(i)
        for caller, indexes in by_caller.items():
            try:
                outcomes = self.creates.ingest_batch([items[i][0] for i in indexes], caller)
            except Exception as exc:  # noqa: BLE001 - the database or a server fault: none of them is acknowledged
                log.warning("storing %d MQTT messages failed; not acknowledged, their connections are closed: %s", len(indexes), exc)
                for i in indexes:
                    results[i] = exc
                continue
            for i, outcome in zip(indexes, outcomes, strict=True):
                results[i] = outcome
        return results
