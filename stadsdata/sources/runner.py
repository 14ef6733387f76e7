"""Run one source once: claim nothing (the scheduler holds the lease), record the run, give the
connector its `Run`, and record how it ended — on the run row (counts, error) and on the source
(last success, failures in a row, when it runs next, its lease released)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.errors import BadRequest, Conflict
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.service.entities import Entities
from stadsdata.sources import schedule
from stadsdata.sources.connector import Probe
from stadsdata.sources.http import AuthFailed, BadPage, Http, SourceError
from stadsdata.sources.kind import SourceKind
from stadsdata.sources.registry import SourceKinds
from stadsdata.sources.run import MESSAGE_SOURCE, Run, Stopped
from stadsdata.sources.secrets import SecretMissing
from stadsdata.store.base import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceParts:
    """What running sources needs of the platform."""

    store: Store
    entities: Entities
    ingestor: Ingestor
    kinds: SourceKinds


def source_caller(name: str) -> Caller:
    """Who a source writes as: an administrator named after it (it writes only to what it mirrors)."""
    return Caller(subject=f"source:{name}", is_admin=True, can_write=True)


def http_for(config: dict[str, Any], stop: threading.Event) -> Http:
    """The HTTP client a source's config asks for (the common members every fetching kind takes)."""
    return Http(
        auth=config.get("auth"), timeout_s=float(config.get("timeout_s", 30)), retries=int(config.get("retries", 3)),
        backoff_s=float(config.get("retry_backoff_s", 1.0)), rate_per_s=config.get("rate_limit_per_s"), stopping=stop.is_set,
    )  # fmt: skip


def check_connection(kind: SourceKind, name: str, config: dict[str, Any]) -> str:
    """Try a source's connection before it is saved: what the connector found; BadRequest naming
    the field when the secrets are missing, the credentials refused or the source unreachable."""
    assert kind.connector is not None
    try:
        resolved = kind.resolved_config(config)
    except SecretMissing as exc:
        raise BadRequest(str(exc), field="config") from None
    stop = threading.Event()
    http = http_for({**resolved, "retries": 0}, stop)
    try:
        return kind.connector.check(Probe(name, resolved, http))
    except AuthFailed as exc:
        raise BadRequest(f"the connection test failed: {exc}", field="config.auth") from None
    except (SourceError, BadPage) as exc:
        raise BadRequest(f"the connection test failed: {exc}", field="config") from None
    finally:
        http.close()


def run_source(
    parts: SourceParts, source: dict[str, Any], *, owner: str, lease_until: datetime, lease_s: float, stop: threading.Event,
    progress: Callable[[int, int | None], None] | None = None,
) -> int:  # fmt: skip
    """Run `source` (its row, leased by `owner`) once; the id of the run row. `progress` hears how
    far the connector is, where it says (`Run.report`)."""
    started = datetime.now(UTC)
    with parts.store.write() as tx:
        run_id = tx.access.insert_row("source_runs", {"source_id": source["id"], "owner": owner, "started_at": started, "status": "running"})
    kind = parts.kinds.get(source["kind"])
    run: Run | None = None
    status, error = "failed", None
    try:
        if kind is None or kind.connector is None:
            raise SourceError(f"this server has no source kind {source['kind']!r} that fetches (is it installed and enabled?)")
        config = kind.resolved_config(source["config"])
        run = Run(
            source["name"], config, http_for(config, stop), source_id=source["id"], run_id=run_id, owner=owner,
            cursor=dict(source["cursor"] or {}), since=source["resync_from"], produces=kind.manifest.produces,
            dataset_id=source["dataset_id"], entities=parts.entities, ingestor=parts.ingestor, caller=source_caller(source["name"]),
            stop=stop, lease_s=lease_s, lease_until=lease_until, progress=progress, newest_saved=source["newest_item_at"],
        )  # fmt: skip
        try:
            kind.connector.run(run)
        finally:
            run.http.close()
        status = "partial" if run.counts.items_quarantined else "succeeded"
    except Stopped as exc:
        status, error = "stopped", str(exc)
    except (SourceError, SecretMissing) as exc:
        error = str(exc)
    except BadPage as exc:  # a page the connector did not expect to be bad: kept, and the run fails
        if run is not None:
            run.bad_page(exc)
        error = f"a bad page at {exc.url}: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - a connector that breaks fails its run, not the scheduler
        log.exception("source %s: the %s connector failed", source["name"], source["kind"])
        error = f"the {source['kind']} connector failed: {type(exc).__name__}: {exc}"
    finish(parts, source, run_id, run, status, error, started=started, owner=owner)
    return run_id


def finish(
    parts: SourceParts, source: dict[str, Any], run_id: int, run: Run | None, status: str, error: str | None, *,
    started: datetime, owner: str,
) -> None:  # fmt: skip
    now = datetime.now(UTC)
    counts = run.counts.__dict__ if run is not None else {}
    requests = run.http.requests if run is not None else 0
    failures = 0 if status in ("succeeded", "partial") else source["failures"] + (status == "failed")
    values: dict[str, Any] = {
        "last_run_id": run_id, "failures": failures, "lease_until": now, "lease_owner": None, "updated_at": now,
        "last_error": error if status == "failed" else None,
        "next_run_at": schedule.next_run(source["schedule"], started=started, now=now) if failures == 0
        else schedule.retry_at(source["schedule"], failures, now=now),
    }  # fmt: skip
    if status in ("succeeded", "partial"):
        values["last_success_at"] = now
        values["resync_from"] = None
    if status == "stopped":
        values["next_run_at"] = now  # go on at the next start
    with parts.store.write() as tx:
        tx.access.update_row("source_runs", run_id, {"finished_at": now, "status": status, "error": error, "requests": requests, **counts})
        tx.access.update_row("sources", source["id"], values, where={"lease_owner": owner})
    log.info("source %s: run %s %s (%s)%s", source["name"], run_id, status, counts, f": {error}" if error else "")


def replay_item(parts: SourceParts, message: Message, caller: Caller, quarantined: int) -> Outcome:
    """Read a quarantined item of a fetching source again (its connector's `replay`), as a run of
    its own (provenance: that run); Outcome.QUARANTINED with the new reason when it is refused
    again. A source that is gone, or a kind that cannot replay, is a Conflict."""
    name = message.source.removeprefix(MESSAGE_SOURCE)
    with parts.store.read_only() as tx:
        rows = tx.access.rows("sources", {"name": name}, limit=1)
    if not rows:
        raise Conflict(f"the source {name!r} of this item is not there any more", field="source")
    source = rows[0]
    kind = parts.kinds.get(source["kind"])
    replay = getattr(kind.connector, "replay", None) if kind is not None else None
    if kind is None or replay is None:
        raise Conflict(f"a {source['kind']} source cannot read an item again: re-sync the source instead", field="source")
    started = datetime.now(UTC)
    with parts.store.write() as tx:
        run_id = tx.access.insert_row("source_runs", {"source_id": source["id"], "owner": f"replay by {caller.subject}", "started_at": started, "status": "running"})
    config = kind.resolved_config(source["config"])
    run = Run(
        source["name"], config, http_for(config, threading.Event()), source_id=source["id"], run_id=run_id, owner="replay",
        cursor=dict(source["cursor"] or {}), produces=kind.manifest.produces, dataset_id=source["dataset_id"], entities=parts.entities,
        ingestor=parts.ingestor, caller=source_caller(source["name"]), replaying=quarantined,
    )  # fmt: skip
    error = None
    try:
        replay(run, message.payload, message.topic)
    except (SourceError, BadPage, ValueError) as exc:  # not readable again (a page, not a record; a link that fails): held
        error = f"this item cannot be read again ({type(exc).__name__}: {exc}); re-sync the source from its time instead"
        parts.ingestor.refuse(message, error, "source", quarantined=quarantined)
        run.counts.items_quarantined += 1
    finally:
        run.http.close()
    counts = run.counts
    status = "partial" if counts.items_quarantined else "succeeded"
    with parts.store.write() as tx:
        tx.access.update_row("source_runs", run_id, {"finished_at": datetime.now(UTC), "status": status, "error": error,
                                                     "requests": run.http.requests, **counts.__dict__})  # fmt: skip
    if counts.items_quarantined:
        return Outcome.QUARANTINED
    if counts.items_stored:
        return Outcome.STORED
    return Outcome.DUPLICATE if counts.items_duplicate else Outcome.NOT_DATA
