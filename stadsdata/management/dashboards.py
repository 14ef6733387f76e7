"""Dashboards of the web UI: JSON documents (`api/management/models.Dashboard`) under a slug.
Everyone may read them (a dashboard shows only what its viewer may read: its panels query the
APIs as that viewer); admins add, change and delete them."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import iso, page


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {"slug": row["slug"], **row["document"], "createdAt": iso(row["created_at"]), "updatedAt": iso(row["updated_at"])}


def list_dashboards(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    rows = actor.records.rows("dashboards", limit=limit + 1, cursor=cursor)
    items, next_cursor = page(rows, limit)
    return [_view(r) for r in items], next_cursor


def get_dashboard(actor: Actor, slug: str) -> dict[str, Any]:
    rows = actor.records.rows("dashboards", {"slug": slug}, limit=1)
    if not rows:
        raise NotFound(f"no dashboard {slug!r}")
    return _view(rows[0])


def put_dashboard(actor: Actor, slug: str, document: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create or replace; (the dashboard, whether it is new)."""
    actor.require_admin("edit dashboards")
    rows = actor.records.rows("dashboards", {"slug": slug}, limit=1)
    if rows:
        actor.records.update_row("dashboards", rows[0]["id"], {"document": document, "updated_at": actor.now})
    else:
        actor.records.insert_row("dashboards", {"slug": slug, "document": document, "created_at": actor.now, "updated_at": actor.now})
    return get_dashboard(actor, slug), not rows


def delete_dashboard(actor: Actor, slug: str) -> None:
    actor.require_admin("delete dashboards")
    rows = actor.records.rows("dashboards", {"slug": slug}, limit=1)
    if not rows:
        raise NotFound(f"no dashboard {slug!r}")
    actor.records.delete_row("dashboards", rows[0]["id"])
