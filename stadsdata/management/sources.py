"""Sources the platform fetches from (connectors, `sources/`): add one (its config checked
against its kind's schema, its connection tried first), change, pause, resume, run now, copy
again from a date, and watch it (state, last success, lag, last run's counts, errors,
quarantined items, next run). Administrators only. Secrets are references in the config
(`sources/secrets.py`), so what is shown holds none."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from stadsdata.errors import BadRequest, Conflict
from stadsdata.management.rights import Actor
from stadsdata.management.views import iso, page, view
from stadsdata.sources import schedule
from stadsdata.sources.kind import SourceKind
from stadsdata.sources.registry import SourceKinds
from stadsdata.sources.run import MESSAGE_SOURCE

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def fetching_kind(kinds: SourceKinds, name: Any) -> SourceKind:
    kind = kinds.get(name) if isinstance(name, str) else None
    if kind is None or kind.connector is None:
        offered = ", ".join(k for k, v in kinds.items() if v.connector is not None)
        raise BadRequest(f"kind must be one of the kinds that fetch: {offered}", field="kind")
    return kind


def checked(kinds: SourceKinds, body: dict[str, Any]) -> tuple[SourceKind, dict[str, Any]]:
    """(the kind, the source as it will be stored) of a new source; BadRequest naming the field."""
    name = body.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise BadRequest("name is 1–80 lower-case letters, digits, '.', '_' or '-'", field="name")
    kind = fetching_kind(kinds, body.get("kind"))
    config = body.get("config", {})
    if not isinstance(config, dict):
        raise BadRequest("config must be a JSON object", field="config")
    assert kind.manifest.pull is not None
    return kind, {
        "name": name, "kind": kind.name, "title": str(body.get("title") or name), "config": kind.check_config(config),
        "schedule": schedule.check(body.get("schedule", kind.manifest.pull.schedule)),
    }  # fmt: skip


def create_source(actor: Actor, source: dict[str, Any], *, dataset: str | None, start_at: datetime | None = None) -> dict[str, Any]:
    actor.require_admin("add sources")
    if actor.records.rows("sources", {"name": source["name"]}, limit=1):
        raise Conflict(f"a source named {source['name']!r} exists", field="name")
    now = actor.now
    new_id = actor.records.insert_row("sources", {
        **source, "state": "active", "dataset_id": _dataset_id(actor, dataset), "next_run_at": start_at or now,
        "lease_until": now - timedelta(seconds=1), "created_at": now, "updated_at": now,
    })  # fmt: skip
    return source_view(actor, actor.one("sources", {"id": new_id}, missing="gone"))


def list_sources(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_admin("read sources")
    rows = actor.records.rows("sources", limit=limit + 1, cursor=cursor)
    return page([source_view(actor, r) for r in rows], limit)


def source_row(actor: Actor, name: str) -> dict[str, Any]:
    return actor.one("sources", {"name": name}, missing=f"no source {name!r}")


def get_source(actor: Actor, name: str) -> dict[str, Any]:
    actor.require_admin("read sources")
    return source_view(actor, source_row(actor, name))


def update_source(actor: Actor, kinds: SourceKinds, name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change title, config, schedule, dataset or state ('active'/'paused')."""
    actor.require_admin("change sources")
    row = source_row(actor, name)
    unknown = set(changes) - {"title", "config", "schedule", "dataset", "state"}
    if unknown:
        raise BadRequest(f"{sorted(unknown)[0]} cannot be changed (name and kind are fixed; add another source instead)", field=sorted(unknown)[0])
    values: dict[str, Any] = {"updated_at": actor.now}
    if "title" in changes:
        values["title"] = str(changes["title"])
    if "config" in changes:
        if not isinstance(changes["config"], dict):
            raise BadRequest("config must be a JSON object", field="config")
        values["config"] = fetching_kind(kinds, row["kind"]).check_config(changes["config"])
    if "schedule" in changes:
        values["schedule"] = schedule.check(changes["schedule"])
        values["next_run_at"] = actor.now
    if "dataset" in changes:
        values["dataset_id"] = _dataset_id(actor, changes["dataset"])
    if "state" in changes:
        if changes["state"] not in ("active", "paused"):
            raise BadRequest("state is 'active' or 'paused'", field="state")
        values["state"] = changes["state"]
        if changes["state"] == "active" and row["state"] == "paused":
            values["next_run_at"] = actor.now
    actor.records.update_row("sources", row["id"], values)
    return source_view(actor, source_row(actor, name))


def request_run(actor: Actor, name: str, *, resync_from: datetime | None = None) -> dict[str, Any]:
    """Run the source as soon as a scheduler is free (also a paused one, once); with `resync_from`,
    that run copies again from that time (what was stored before is found stored, not doubled)."""
    actor.require_admin("run sources")
    row = source_row(actor, name)
    values: dict[str, Any] = {"run_requested": True, "updated_at": actor.now}
    if resync_from is not None:
        values["resync_from"] = resync_from
    actor.records.update_row("sources", row["id"], values)
    return source_view(actor, source_row(actor, name))


def list_runs(actor: Actor, name: str, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_admin("read sources")
    row = source_row(actor, name)
    runs = actor.records.rows("source_runs", {"source_id": row["id"]}, limit=limit + 1, cursor=cursor, newest_first=True)
    return page([run_view(r) for r in runs], limit)


def run_view(row: dict[str, Any]) -> dict[str, Any]:
    return view(row, drop=("source_id",))


def source_view(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    last_run = actor.records.rows("source_runs", {"id": row["last_run_id"]}, limit=1) if row["last_run_id"] else []
    held = actor.records.count_rows("quarantine", {"source": f"{MESSAGE_SOURCE}{row['name']}", "status": "held"})
    dataset = actor.records.rows("datasets", {"id": row["dataset_id"]}, limit=1) if row["dataset_id"] else []
    newest = row["newest_item_at"]
    status = {
        "running": row["lease_owner"] is not None and row["lease_until"] > actor.now,
        "runRequested": row["run_requested"], "nextRunAt": iso(row["next_run_at"]), "lastSuccessAt": iso(row["last_success_at"]),
        "newestItemAt": iso(newest), "lagSeconds": round((actor.now - newest).total_seconds()) if newest else None,
        "lastError": row["last_error"], "failuresInARow": row["failures"], "quarantinedHeld": held,
        "resyncFrom": iso(row["resync_from"]), "lastRun": run_view(last_run[0]) if last_run else None,
    }  # fmt: skip
    return {
        "id": row["id"], "name": row["name"], "kind": row["kind"], "title": row["title"], "state": row["state"],
        "config": row["config"], "schedule": row["schedule"], "dataset": dataset[0]["name"] if dataset else None,
        "createdAt": iso(row["created_at"]), "updatedAt": iso(row["updated_at"]), "status": status,
        "_links": {"self": {"href": f"/api/v1/sources/{row['name']}"}, "runs": {"href": f"/api/v1/sources/{row['name']}/runs"}},
    }  # fmt: skip


def _dataset_id(actor: Actor, name: Any) -> int | None:
    if name is None:
        return None
    if not isinstance(name, str):
        raise BadRequest("dataset is the name of a dataset", field="dataset")
    rows = actor.records.rows("datasets", {"name": name}, limit=1)
    if not rows:
        raise BadRequest(f"no dataset {name!r}: add it first (POST /api/v1/datasets)", field="dataset")
    return int(rows[0]["id"])
