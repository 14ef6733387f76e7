"""HTTP push sources and their mappings (`ingest/http_push.py`). Admins only for now."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import Conflict
from stadsdata.ingest.http_push import check_mapping
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view


def list_sources(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_admin("read push sources")
    return page([view(r) for r in actor.records.rows("push_sources", limit=limit + 1, cursor=cursor)], limit)


def source_by_name(actor: Actor, name: str) -> dict[str, Any]:
    """The source a push names (any caller: its rights are checked per Datastream when storing)."""
    return actor.one("push_sources", {"name": name}, missing=f"no push source {name!r}")


def create_source(actor: Actor, *, name: str, mapping: dict[str, Any]) -> dict[str, Any]:
    actor.require_admin("add push sources")
    check_mapping(mapping)
    if actor.records.rows("push_sources", {"name": name}, limit=1):
        raise Conflict(f"a push source named {name!r} exists", field="name")
    new_id = actor.records.insert_row("push_sources", {"name": name, "mapping": mapping, "created_at": actor.now})
    return view(actor.records.rows("push_sources", {"id": new_id}, limit=1)[0])


def update_mapping(actor: Actor, name: str, mapping: dict[str, Any]) -> dict[str, Any]:
    actor.require_admin("change push sources")
    row = source_by_name(actor, name)
    check_mapping(mapping)
    actor.records.update_row("push_sources", row["id"], {"mapping": mapping})
    return view(source_by_name(actor, name))
