"""Evaluation of alert rules as data is committed: a commit listener hands the ids of new
Observations to a queue; one worker thread evaluates them, so ingest never waits on it. The same
thread checks the `stale` rules on a timer (absence shows in no commit).

Each rule is evaluated with its owner's read scope *now* (a revoked grant stops it: a stream the
owner may no longer read is skipped, and nothing of it reaches an alert). Readings newer than what
the rule saw of a stream advance its live state (the kind's `step`, `condition.py`); late readings
(phenomenon time at or before what it saw) never change the live state: each is judged by the kinds
that can (`late_window`, `late_start`) against the stored readings around it, and opens an alert
marked `late` only when no alert of the rule on that stream already covers its run.

Cost: a round reads in a read-only transaction and writes only when it has something to write (an
alert opened or resolved), in one short write transaction: ingest on SQLite shares its one writer.
The rules' live states are kept in memory between rounds and written to the database with the
round's alerts, or at the latest `state_flush_s` after they changed, and when the evaluator stops; a
process killed in between loses at most that much progress of the states (never an alert). Each new
alert of a rule with a webhook, `mqtt: true` or an `email` is handed to `webhook.WebhookDelivery`
after the commit."""

from __future__ import annotations

import logging
import queue
import threading
import time as clock_time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.alerts.condition import TINY, Condition, Event, Reading
from stadsdata.analytics.alerts.kinds import KINDS, condition
from stadsdata.analytics.alerts.mail import mailer
from stadsdata.analytics.alerts.mqtt import publisher
from stadsdata.analytics.alerts.rules import alert_view
from stadsdata.analytics.alerts.stale import Stale
from stadsdata.analytics.alerts.webhook import WebhookDelivery, post_signed
from stadsdata.model.entities import DATASTREAM
from stadsdata.store.base import Store, Transaction

log = logging.getLogger(__name__)


@dataclass
class _Action:
    """An alert to open or a rule's open alert to resolve, in the order the events came."""

    opens: bool
    rule: dict[str, Any]
    stream: int
    state: dict[str, Any]  # the stream's state, where the open alert's id is kept by event key
    event: Event
    condition: Condition
    late: bool = False


@dataclass
class _Round:
    """What one evaluation decided, to be written in one transaction."""

    actions: list[_Action] = field(default_factory=list)
    late_opened: dict[tuple[int, int], list[datetime]] = field(default_factory=lambda: defaultdict(list))


class AlertEvaluator:
    """The queue and worker thread that evaluate the active alert rules on committed data."""

    def __init__(
        self, store: Store, access: AccessPolicy, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        mqtt: tuple[str, int, str] | None = None, smtp: tuple[str, int, str, bool] | None = None,
        *, smtp_login: tuple[str, str] | None = None, stale_every_s: float = 60.0, state_flush_s: float = 5.0,
        gather_s: float = 0.05, allow_private: bool = False,
    ) -> None:  # fmt: skip
        self.store, self.access, self.clock = store, access, clock
        self.mqtt = mqtt  # (host, port, topic prefix) of the broker alerts with params.mqtt go to
        self.smtp = smtp  # (host, port, sender, starttls) of the server alerts with params.email go through
        self.smtp_login = smtp_login  # (user, password) on that server, if it wants a login
        self.stale_every_s, self.state_flush_s, self.gather_s = stale_every_s, state_flush_s, gather_s
        self.queue: queue.Queue[list[int] | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.webhooks = WebhookDelivery(store, allow_private=allow_private)  # webhooks to internal addresses: `service/outbound.py`
        self.outbox: list[tuple[int, dict[str, Any]]] = []  # (alert id, rule) opened in this evaluation
        self.lock = threading.Lock()  # one evaluation at a time (the worker, a stale sweep, a flush)
        # rule id -> (its updated_at, its live states by stream): newer than the database's until flushed
        self.states: dict[int, tuple[datetime, dict[str, Any]]] = {}
        self.dirty: set[int] = set()
        self.dirty_since: float | None = None
        self.conditions: dict[tuple[int, datetime], Condition] = {}
        self.readable: dict[tuple[int, int], bool] = {}  # (owner, stream) -> may read, at `readable_version`
        self.readable_version: object = object()
        self.next_sweep = clock_time.monotonic() + stale_every_s

    def start(self) -> None:
        """Listen to the store's commits and start the worker."""
        if self.thread is None and self.webhooks.thread is None:
            self.webhooks.start()
            try:
                self.resume_deliveries()
            except Exception:  # noqa: BLE001 - a platform starts even when this fails; it is logged
                log.exception("resuming alert deliveries failed")
        self.store.add_commit_listener(self.on_commit)
        self.thread = threading.Thread(target=self._run, name="alert-evaluator", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            thread, self.thread = self.thread, None
            self.queue.put(None)
            thread.join(timeout=10)
        self.flush()
        self.webhooks.stop()

    def wait_idle(self) -> None:
        """Block until everything queued so far is evaluated, its states written, and delivered (tests, benchmarks)."""
        self.queue.join()
        self.flush()
        self.webhooks.wait_idle()

    def on_commit(self, changes: list[Any]) -> None:
        """In the committing thread: queue the ids of new Observations, nothing more."""
        ids = [c.id for c in changes if c.kind == "create" and c.entity == "Observation"]
        if ids and self.thread is not None:
            self.queue.put(ids)

    def _run(self) -> None:
        while True:
            wait = max(0.0, min(self.next_sweep, self._flush_due()) - clock_time.monotonic())
            try:
                ids = self.queue.get(timeout=wait)
            except queue.Empty:
                self._timers()
                continue
            if ids is None:
                self.queue.task_done()
                return
            clock_time.sleep(self.gather_s)  # let what commits meanwhile join this round: fewer, larger rounds
            batch, taken = list(ids), 1
            while True:  # evaluate what queued meanwhile together
                try:
                    more = self.queue.get_nowait()
                except queue.Empty:
                    break
                taken += 1
                if more is None:
                    self.queue.put(None)
                    taken -= 1
                    self.queue.task_done()
                    break
                batch.extend(more)
            try:
                self.evaluate(batch)
            except Exception:  # noqa: BLE001 - the worker must survive a bad batch
                log.exception("alert evaluation failed")
            for _ in range(taken):
                self.queue.task_done()
            self._timers()

    def _flush_due(self) -> float:
        return float("inf") if self.dirty_since is None else self.dirty_since + self.state_flush_s

    def _timers(self) -> None:
        now = clock_time.monotonic()
        try:
            if now >= self.next_sweep:
                self.next_sweep = now + self.stale_every_s
                self.sweep()
            if now >= self._flush_due():
                self.flush()
        except Exception:  # noqa: BLE001 - the worker must survive
            log.exception("alert timer work failed")

    # -- evaluation on commit ---------------------------------------------------------------
    def evaluate(self, observation_ids: list[int]) -> None:
        """Evaluate the active rules on these (committed) Observations; write what opened or
        resolved in one transaction; then hand the new alerts to their channels."""
        with self.lock:
            self.outbox = []
            with self.store.read_only() as tx:  # decide in a read-only transaction (SQLite has one writer)
                round_ = self._decide(tx, observation_ids)
            if round_ is not None and round_.actions:
                self._write(round_)
            self._send_outbox()

    def _decide(self, tx: Transaction, observation_ids: list[int]) -> _Round | None:
        rules = self._active_rules(tx)
        if not rules:
            return None
        by_stream: dict[int, list[Reading]] = defaultdict(list)
        for stream, time, value in tx.observation_numbers(observation_ids):
            by_stream[stream].append((time, value))
        if not by_stream:
            return None
        facts = {row["id"]: row for row in tx.datastream_facts({"id": list(by_stream)})}
        self._check_version(tx)
        round_ = _Round()
        for rule in rules:
            targets = [s for s in by_stream if _applies(rule, facts.get(s))]
            if targets:
                self._evaluate_rule(tx, rule, targets, by_stream, facts, round_)
        return round_

    def _evaluate_rule(
        self, tx: Transaction, rule: dict[str, Any], targets: list[int], by_stream: dict[int, list[Reading]],
        facts: dict[int, dict[str, Any]], round_: _Round,
    ) -> None:  # fmt: skip
        kind = self._condition(rule)
        states = self._states(rule)
        changed = False
        for stream in self._readable(tx, rule, targets):
            bound = kind.for_stream(facts[stream])
            state = states.setdefault(str(stream), {})
            seen = datetime.fromisoformat(state["seen_until"]) if state.get("seen_until") else None
            readings = by_stream[stream]
            live = readings if seen is None else [r for r in readings if r[0] > seen]
            if live:
                for event in bound.step(state, live):
                    round_.actions.append(_Action(event.kind == "fire", rule, stream, state, event, bound))
                state["seen_until"] = live[-1][0].isoformat()
                changed = True
            if seen is not None and len(live) < len(readings):
                for time, value in readings:
                    if time <= seen:
                        self._late(tx, rule, stream, state, bound, time, value, round_)
        if changed:
            self._mark_dirty(rule["id"])

    def _late(
        self, tx: Transaction, rule: dict[str, Any], stream: int, state: dict[str, Any], kind: Condition,
        time: datetime, value: float, round_: _Round,
    ) -> None:  # fmt: skip
        window = kind.late_window(time)
        if window is None:
            return
        around = [(t, v) for _, t, v in tx.numeric_results([stream], window[0], window[1])]
        start = kind.late_start(around, time, value)
        if start is None:
            return
        where = {"rule_id": rule["id"], "datastream_id": stream}
        covered = tx.access.count_rows("alerts", {**where, "phenomenon_time": (">=", start)}) - tx.access.count_rows(
            "alerts", {**where, "phenomenon_time": (">=", time + TINY)}
        )  # fmt: skip
        opened = round_.late_opened[rule["id"], stream]
        if covered == 0 and not any(start <= t <= time for t in opened):
            opened.append(time)
            round_.actions.append(_Action(True, rule, stream, state, Event("fire", time, value, key="late"), kind, late=True))

    # -- the stale sweep ----------------------------------------------------------------------
    def sweep(self) -> None:
        """Check the active `stale` rules against the newest reading of each stream they watch."""
        with self.lock:
            self.outbox = []
            with self.store.read_only() as tx:
                rules = [r for r in self._active_rules(tx) if r["kind"] == "stale"]
                if not rules:
                    return
                self._check_version(tx)
                round_ = _Round()
                now = self.clock()
                for rule in rules:
                    targets = [row["id"] for row in tx.datastream_facts(_target(rule))]
                    readable = self._readable(tx, rule, targets)
                    if not readable:
                        continue
                    kind = self._condition(rule)
                    assert isinstance(kind, Stale)
                    states = self._states(rule)
                    newest = dict(self.store.latest_observations(readable))
                    for stream in readable:
                        record = newest.get(stream)
                        reading = _newest_reading(record)
                        state = states.setdefault(str(stream), {})
                        event = kind.overdue(state, reading, now)
                        if event is not None:
                            round_.actions.append(_Action(True, rule, stream, state, event, kind))
                            self._mark_dirty(rule["id"])
            if round_.actions:
                self._write(round_)
            self._send_outbox()

    # -- writing --------------------------------------------------------------------------------
    def _write(self, round_: _Round) -> None:
        """The round's alerts opened and resolved, and the states of every rule changed since the
        last write: one transaction, one statement each. An alert opened and cleared in the same
        round is written resolved."""
        now = self.clock()
        rows: list[dict[str, Any]] = []
        resolved: list[int] = []
        new: dict[int, tuple[dict[str, Any], str]] = {}  # row index -> (the state, the key) that keeps its id
        for action in round_.actions:
            ids: dict[str, Any] = action.state.setdefault("alerts", {})
            legacy = action.state.pop("alert_id", None)  # states of the first release kept one id
            if legacy is not None:
                ids.setdefault("", legacy)
            if action.opens:
                rows.append(_alert_row(action, now))
                if not action.late:
                    ids[action.event.key] = -len(rows)  # a placeholder until the insert gives the id
                    new[len(rows) - 1] = (action.state, action.event.key)
                continue
            alert_id = ids.pop(action.event.key, None)
            if alert_id is None:
                continue
            if alert_id < 0:  # opened in this round
                rows[-alert_id - 1].update(state="resolved", resolved_by="rule", resolved_at=now)
                new.pop(-alert_id - 1, None)
            else:
                resolved.append(alert_id)
        with self.store.write() as tx:
            inserted = tx.write_alerts(rows, resolved, now, [])
            for index, (state, key) in new.items():
                state["alerts"][key] = inserted[index]
            tx.write_alerts([], [], now, self._dirty_states())
        for action, alert_id in zip([a for a in round_.actions if a.opens], inserted, strict=True):
            self._deliver(alert_id, action.rule)

    def flush(self) -> None:
        """Write the live states that changed since the last write."""
        with self.lock:
            if self.dirty:
                states = self._dirty_states()
                with self.store.write() as tx:
                    tx.write_alerts([], [], self.clock(), states)

    def _dirty_states(self) -> list[tuple[int, datetime, Any]]:
        """(rule id, its updated_at, its states) of the rules whose states changed; no longer dirty."""
        out = [(rule_id, *self.states[rule_id]) for rule_id in sorted(self.dirty) if rule_id in self.states]
        self.dirty.clear()
        self.dirty_since = None
        return out

    def _mark_dirty(self, rule_id: int) -> None:
        self.dirty.add(rule_id)
        if self.dirty_since is None:
            self.dirty_since = clock_time.monotonic()

    # -- delivery ---------------------------------------------------------------------------------
    def _deliver(self, alert_id: int, rule: dict[str, Any]) -> None:
        params = rule["params"]
        if isinstance(params.get("webhook"), dict) or params.get("mqtt") is True or isinstance(params.get("email"), str):
            self.outbox.append((alert_id, rule))

    def _send_outbox(self) -> None:
        if not self.outbox:
            return
        with self.store.read_only() as tx:
            rows = {r["id"]: r for r in tx.access.rows("alerts", {"id": [a for a, _ in self.outbox]}, limit=len(self.outbox))}
        for alert_id, rule in self.outbox:
            if alert_id in rows:
                payload = {"rule": {"id": rule["id"], "name": rule["name"]}, "alert": alert_view(rows[alert_id])}
                for channel, send in self._channels(rule).items():
                    self.webhooks.submit_to(alert_id, channel, send, payload)
        self.outbox = []

    def _channels(self, rule: dict[str, Any]) -> dict[str, Callable[[bytes], None]]:
        """The senders of the channels the rule asks for (and this platform has)."""
        params, found = rule["params"], {}
        webhook = params.get("webhook")
        if isinstance(webhook, dict):
            found["webhook"] = post_signed(
                str(webhook["url"]), str(webhook["secret"]), self.webhooks.timeout_s, allow_private=self.webhooks.allow_private
            )
        if params.get("mqtt") is True and self.mqtt is not None:
            host, port, prefix = self.mqtt
            found["mqtt"] = publisher(host, port, f"{prefix}/{rule['id']}")
        if isinstance(params.get("email"), str) and self.smtp is not None:
            host, port, sender, starttls = self.smtp
            subject = f"stadsdata alert: {rule['name']}"
            found["email"] = mailer(host, port, sender, params["email"], subject, starttls=starttls, login=self.smtp_login)
        return found

    def resume_deliveries(self, within: timedelta = timedelta(days=1)) -> int:
        """Hand the deliveries a stopped process left undone to the delivery thread again: of the
        alerts opened within `within`, each channel of its rule without a delivery, or with a
        retry pending, continues with its next attempt (when it was due). The number handed over."""
        since = self.clock() - within
        with self.store.read_only() as tx:
            rows = tx.access.rows("alerts", {"opened_at": (">=", since)}, limit=100_000)
            rules = {r["id"]: r for r in tx.access.rows("alert_rules", {"id": sorted({r["rule_id"] for r in rows})}, limit=100_000)} if rows else {}
        handed = 0
        for row in rows:
            rule = rules.get(row["rule_id"])
            if rule is None:
                continue
            done = row["delivery"] or {}
            payload = {"rule": {"id": rule["id"], "name": rule["name"]}, "alert": alert_view(row)}
            for channel, send in self._channels(rule).items():
                record = done.get(channel)
                if record is None:
                    self.webhooks.submit_to(row["id"], channel, send, payload)
                elif record.get("deliveredAt") is None and record.get("nextTry"):
                    due = datetime.fromisoformat(str(record["nextTry"]).replace("Z", "+00:00"))
                    wait = max(0.0, (due - self.clock()).total_seconds())
                    self.webhooks.submit_to(row["id"], channel, send, payload, attempt=int(record.get("attempts", 0)) + 1, delay_s=wait)
                else:
                    continue
                handed += 1
        return handed

    # -- what the rules are -------------------------------------------------------------------------
    def _active_rules(self, tx: Transaction) -> list[dict[str, Any]]:
        rules = [r for r in tx.access.rows("alert_rules", {"active": True}, limit=100_000) if r["kind"] in KINDS]
        known = {r["id"] for r in rules}
        for gone in [i for i in self.states if i not in known]:  # deleted or deactivated: forget its live state
            del self.states[gone]
            self.dirty.discard(gone)
        return rules

    def _states(self, rule: dict[str, Any]) -> dict[str, Any]:
        """The rule's live states by stream: the memory's while the rule is unchanged, else the database's."""
        kept = self.states.get(rule["id"])
        if kept is None or kept[0] != rule["updated_at"]:
            kept = (rule["updated_at"], {k: dict(v) for k, v in (rule["state"] or {}).items()})
            self.states[rule["id"]] = kept
            self.dirty.discard(rule["id"])
        return kept[1]

    def _condition(self, rule: dict[str, Any]) -> Condition:
        key = (rule["id"], rule["updated_at"])
        found = self.conditions.get(key)
        if found is None:
            if len(self.conditions) > 10_000:
                self.conditions.clear()
            found = self.conditions[key] = condition(rule["kind"], rule["params"])
        return found

    def _check_version(self, tx: Transaction) -> None:
        """Forget who may read what when the access records changed (or cannot tell)."""
        version = tx.access.change_version()
        if version is None or version != self.readable_version:
            self.readable.clear()
            self.readable_version = version if version is not None else object()

    def _readable(self, tx: Transaction, rule: dict[str, Any], targets: list[int]) -> list[int]:
        """Of these streams, those the rule's owner may read now."""
        owner = rule["owner_party_id"]
        if any((owner, s) not in self.readable for s in targets):
            scope = self.access.read_scope(Caller(subject=f"alert-rule:{rule['id']}", party_id=owner), tx)
            for s in targets:
                if (owner, s) not in self.readable:
                    self.readable[owner, s] = tx.exists(DATASTREAM, s, scope=scope)
        return [s for s in targets if self.readable[owner, s]]


def _alert_row(action: _Action, now: datetime) -> dict[str, Any]:
    event, rule = action.event, action.rule
    said = f" — {event.note}" if event.note else ""
    message = f"{rule['name']}: Datastream {action.stream} {action.condition.describe()} ({event.value:g} at {event.time.isoformat()}){said}"
    return {
        "rule_id": rule["id"], "datastream_id": action.stream, "state": "open", "phenomenon_time": event.time,
        "value": event.value if event.value == event.value else None, "late": action.late, "message": message[:2000],
        "opened_at": now, "acknowledged_by": None, "acknowledged_at": None, "resolved_by": None, "resolved_at": None,
        "delivery": None,
    }  # fmt: skip


def _target(rule: dict[str, Any]) -> dict[str, list[int]]:
    """What `Transaction.datastream_facts` selects the rule's streams by."""
    columns = {"datastream_id": "id", "observed_property_id": "observed_property_id", "dataset_id": "dataset_id"}
    return {by: [rule[column]] for column, by in columns.items() if rule[column] is not None}


def _newest_reading(record: dict[str, Any] | None) -> Reading | None:
    """(phenomenon time (its start), numeric result or NaN) of a stream's latest observation record."""
    if not record:
        return None
    time = record.get("phenomenonTime")
    if isinstance(time, tuple):  # an Interval
        time = time[0]
    if not isinstance(time, datetime):
        return None
    result = record.get("result")
    return time, float(result) if isinstance(result, int | float) and not isinstance(result, bool) else float("nan")


def _applies(rule: dict[str, Any], facts: dict[str, Any] | None) -> bool:
    if facts is None:
        return False
    return (
        (rule["datastream_id"] is None or rule["datastream_id"] == facts["id"])
        and (rule["observed_property_id"] is None or rule["observed_property_id"] == facts["observed_property_id"])
        and (rule["dataset_id"] is None or rule["dataset_id"] == facts["dataset_id"])
    )
