"""The audit log as its readers see it: a data owner sees every read of its datasets; a party
sees its own reads; admins see all. Newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stadsdata.errors import NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view


def list_audit_events(
    actor: Actor, *, dataset_id: int | None, since: datetime | None, limit: int, cursor: int | None
) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_credentials()
    where: dict[str, Any] = {}
    if since is not None:
        where["time"] = (">=", since)
    if dataset_id is not None:
        if not (actor.is_admin or actor.acts_for(actor.snapshot.datasets.get(dataset_id, ("", None))[1])):
            raise NotFound(f"no dataset {dataset_id} of yours", field="datasetId")
        where["dataset_id"] = dataset_id
        rows = actor.records.rows("audit_events", where, limit=limit + 1, cursor=cursor, newest_first=True)
    elif actor.is_admin:
        rows = actor.records.rows("audit_events", where, limit=limit + 1, cursor=cursor, newest_first=True)
    else:
        owned = {d for d, (_, owner) in actor.snapshot.datasets.items() if owner is not None and owner in actor.chain}
        by_owner = actor.records.rows("audit_events", {**where, "dataset_id": owned}, limit=limit + 1, cursor=cursor, newest_first=True)
        by_party = actor.records.rows("audit_events", {**where, "party_id": actor.chain}, limit=limit + 1, cursor=cursor, newest_first=True)
        merged = {r["id"]: r for r in by_owner + by_party}
        rows = [merged[i] for i in sorted(merged, reverse=True)][: limit + 1]
    return page([view(r) for r in rows], limit)
