"""Evaluation of alert rules as data is committed: a commit listener hands the ids of new
Observations to a queue; one worker thread evaluates them, so ingest never waits on it.

Each rule is evaluated with its owner's read scope *now* (a revoked grant stops it: a stream the
owner may no longer read is skipped, and nothing of it reaches an alert). Readings newer than what
the rule saw of a stream advance its live state (`threshold.step`); late readings (phenomenon time
at or before what it saw) never change the live state: each is evaluated against its own
neighbourhood of stored readings and opens an alert marked `late` only when the condition held
there for the minimum duration and no alert of the rule on that stream already covers that run.
Each new alert of a rule with a webhook, `mqtt: true` or an `email` is handed to `webhook.WebhookDelivery` after the commit.
Partial: only the `threshold` kind is evaluated; delivery by webhook, MQTT and e-mail."""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.analytics.alerts.mail import mailer
from stadsdata.analytics.alerts.mqtt import publisher
from stadsdata.analytics.alerts.rules import alert_view
from stadsdata.analytics.alerts.threshold import Event, Threshold, late_run_start, step
from stadsdata.analytics.alerts.webhook import WebhookDelivery
from stadsdata.model.entities import DATASTREAM
from stadsdata.query.ast import QueryOptions
from stadsdata.store.base import AccessRecords, Change, ReadRequest, Store, Transaction

log = logging.getLogger(__name__)
_TINY = timedelta(microseconds=1)


class AlertEvaluator:
    """The queue and worker thread that evaluate the active alert rules on committed data."""

    def __init__(
        self, store: Store, access: AccessPolicy, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        mqtt: tuple[str, int, str] | None = None, smtp: tuple[str, int, str, bool] | None = None,
    ) -> None:  # fmt: skip
        self.store, self.access, self.clock = store, access, clock
        self.mqtt = mqtt  # (host, port, topic prefix) of the broker alerts with params.mqtt go to
        self.smtp = smtp  # (host, port, sender, starttls) of the server alerts with params.email go through
        self.queue: queue.Queue[list[int] | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.webhooks = WebhookDelivery(store)
        self.outbox: list[tuple[int, dict[str, Any]]] = []  # (alert id, rule) opened in this evaluation

    def start(self) -> None:
        """Listen to the store's commits and start the worker."""
        if self.thread is None and self.webhooks.thread is None:
            self.webhooks.start()
        self.store.add_commit_listener(self.on_commit)
        self.thread = threading.Thread(target=self._run, name="alert-evaluator", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            thread, self.thread = self.thread, None
            self.queue.put(None)
            thread.join(timeout=10)
        self.webhooks.stop()

    def wait_idle(self) -> None:
        """Block until everything queued so far is evaluated and delivered (tests, benchmarks)."""
        self.queue.join()
        self.webhooks.wait_idle()

    def on_commit(self, changes: list[Change]) -> None:
        """In the committing thread: queue the ids of new Observations, nothing more."""
        ids = [c.id for c in changes if c.kind == "create" and c.entity == "Observation"]
        if ids and self.thread is not None:
            self.queue.put(ids)

    def _run(self) -> None:
        while True:
            ids = self.queue.get()
            if ids is None:
                self.queue.task_done()
                return
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

    def evaluate(self, observation_ids: list[int]) -> None:
        """Evaluate the active rules on these (committed) Observations, in one transaction; then
        hand the new alerts to their webhooks."""
        self.outbox = []
        self._evaluate(observation_ids)
        if self.outbox:
            with self.store.read_only() as tx:
                rows = {r["id"]: r for r in tx.access.rows("alerts", {"id": [a for a, _ in self.outbox]}, limit=len(self.outbox))}
            for alert_id, rule in self.outbox:
                if alert_id not in rows:
                    continue
                payload = {"rule": {"id": rule["id"], "name": rule["name"]}, "alert": alert_view(rows[alert_id])}
                if isinstance(rule["params"].get("webhook"), dict):
                    self.webhooks.submit(alert_id, rule["params"]["webhook"], payload)
                if rule["params"].get("mqtt") is True and self.mqtt is not None:
                    host, port, prefix = self.mqtt
                    self.webhooks.submit_to(alert_id, "mqtt", publisher(host, port, f"{prefix}/{rule['id']}"), payload)
                if isinstance(rule["params"].get("email"), str) and self.smtp is not None:
                    host, port, sender, starttls = self.smtp
                    mail = mailer(host, port, sender, rule["params"]["email"], f"stadsdata alert: {rule['name']}", starttls=starttls)
                    self.webhooks.submit_to(alert_id, "email", mail, payload)

    def _evaluate(self, observation_ids: list[int]) -> None:
        with self.store.read_only() as tx:  # no rules: no write transaction (SQLite has one writer)
            if not tx.access.count_rows("alert_rules", {"active": True}):
                return
        with self.store.write() as tx:
            records = tx.access
            rules = [r for r in records.rows("alert_rules", {"active": True}, limit=100_000) if r["kind"] == "threshold"]
            if not rules:
                return
            by_stream: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
            for stream, time, value in tx.observation_numbers(observation_ids):
                by_stream[stream].append((time, value))
            if not by_stream:
                return
            streams = _stream_facts(tx, list(by_stream))
            readable: dict[tuple[int, int], bool] = {}  # (owner, stream) -> may the owner read it now
            for rule in rules:
                targets = [s for s in by_stream if _applies(rule, streams.get(s))]
                if targets:
                    self._evaluate_rule(tx, records, rule, targets, by_stream, readable)

    def _evaluate_rule(
        self, tx: Transaction, records: AccessRecords, rule: dict[str, Any], targets: list[int],
        by_stream: dict[int, list[tuple[datetime, float]]], readable: dict[tuple[int, int], bool],
    ) -> None:  # fmt: skip
        owner = rule["owner_party_id"]
        if any((owner, s) not in readable for s in targets):
            scope = self.access.read_scope(Caller(subject=f"alert-rule:{rule['id']}", party_id=owner), tx)
            for s in targets:
                if (owner, s) not in readable:
                    readable[owner, s] = tx.exists(DATASTREAM, s, scope=scope)
        condition = Threshold.from_params(rule["params"])
        states: dict[str, Any] = dict(rule["state"] or {})
        for stream in targets:
            if not readable[owner, stream]:
                continue  # the owner may not read it (now): nothing of it is evaluated
            state = dict(states.get(str(stream), {}))
            seen = datetime.fromisoformat(state["seen_until"]) if state.get("seen_until") else None
            live = [r for r in by_stream[stream] if seen is None or r[0] > seen]
            late = [r for r in by_stream[stream] if seen is not None and r[0] <= seen]
            for event in step(condition, state, live):
                self._apply(records, rule, stream, state, event, condition)
            for time, value in late:
                self._late(tx, records, rule, stream, condition, time, value)
            states[str(stream)] = state
        if states != rule["state"]:
            records.update_row("alert_rules", rule["id"], {"state": states})

    def _apply(self, records: AccessRecords, rule: dict[str, Any], stream: int, state: dict[str, Any], event: Event, condition: Threshold) -> None:
        now = self.clock()
        if event.kind == "fire":
            state["alert_id"] = _open_alert(records, rule, stream, event.time, event.value, condition, now, late=False)
            self._deliver(state["alert_id"], rule)
        elif state.get("alert_id") is not None:
            records.update_row(
                "alerts", state.pop("alert_id"), {"state": "resolved", "resolved_by": "rule", "resolved_at": now},
                where={"state": ["open", "acknowledged"]},
            )  # fmt: skip

    def _late(
        self, tx: Transaction, records: AccessRecords, rule: dict[str, Any], stream: int, condition: Threshold,
        time: datetime, value: float,
    ) -> None:  # fmt: skip
        reach = 2 * condition.min_duration + timedelta(hours=1)
        around = [(t, v) for _, t, v in tx.numeric_results([stream], time - reach, time + _TINY)]
        start = late_run_start(condition, around)
        if start is None or time - start < condition.min_duration:
            return
        covered = records.count_rows(
            "alerts", {"rule_id": rule["id"], "datastream_id": stream, "phenomenon_time": (">=", start)}
        ) - records.count_rows("alerts", {"rule_id": rule["id"], "datastream_id": stream, "phenomenon_time": (">=", time + _TINY)})
        if covered == 0:
            self._deliver(_open_alert(records, rule, stream, time, value, condition, self.clock(), late=True), rule)

    def _deliver(self, alert_id: int, rule: dict[str, Any]) -> None:
        params = rule["params"]
        if isinstance(params.get("webhook"), dict) or params.get("mqtt") is True or isinstance(params.get("email"), str):
            self.outbox.append((alert_id, rule))


def _open_alert(
    records: AccessRecords, rule: dict[str, Any], stream: int, time: datetime, value: float, condition: Threshold,
    now: datetime, *, late: bool,
) -> int:  # fmt: skip
    message = f"{rule['name']}: Datastream {stream} {condition.operator} {condition.value:g} ({value:g} at {time.isoformat()})"
    return records.insert_row("alerts", {
        "rule_id": rule["id"], "datastream_id": stream, "state": "open", "phenomenon_time": time, "value": value,
        "late": late, "message": message, "opened_at": now,
    })  # fmt: skip


def _stream_facts(tx: Transaction, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per Datastream: its ObservedProperty and dataset (what a rule's target names)."""
    datasets = {r["id"]: r["dataset_id"] for r in tx.access.rows("datastreams", {"id": ids}, limit=len(ids))}
    facts: dict[int, dict[str, Any]] = {}
    for stream in ids:
        found = tx.read(ReadRequest(DATASTREAM, QueryOptions(), id=stream, top=1)).records
        if found:
            facts[stream] = {"id": stream, "observed_property_id": found[0].get("observed_property_id"), "dataset_id": datasets.get(stream)}
    return facts


def _applies(rule: dict[str, Any], facts: dict[str, Any] | None) -> bool:
    if facts is None:
        return False
    return (
        (rule["datastream_id"] is None or rule["datastream_id"] == facts["id"])
        and (rule["observed_property_id"] is None or rule["observed_property_id"] == facts["observed_property_id"])
        and (rule["dataset_id"] is None or rule["dataset_id"] == facts["dataset_id"])
    )
