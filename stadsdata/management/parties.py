"""Parties (organisations, departments, companies, residents) and `me`."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import Conflict, Forbidden, NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view


def visible_parties(actor: Actor) -> set[int] | None:
    """The parties a caller may list (None: all). Organisations, departments and companies are
    known to every caller (to ask them for access or give them consent); a resident only to
    itself, the parties above it and admins: a resident's name is personal data."""
    if actor.is_admin:
        return None
    return {p for p, (_, kind) in actor.parties.items() if kind != "resident"} | actor.chain | actor.below


def list_parties(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_credentials()
    visible = visible_parties(actor)
    rows = actor.records.rows("parties", {} if visible is None else {"id": visible}, limit=limit + 1, cursor=cursor)
    return page([view(r) for r in rows], limit)


def get_party(actor: Actor, party_id: int) -> dict[str, Any]:
    actor.require_credentials()
    visible = visible_parties(actor)
    rows = actor.records.rows("parties", {"id": party_id}, limit=1)
    if not rows or (visible is not None and party_id not in visible):
        raise NotFound(f"no party {party_id}")
    return view(rows[0])


def party_named(actor: Actor, name: str) -> dict[str, Any]:
    """A party by its name (how an operator names it), if the caller may know it."""
    actor.require_credentials()
    visible = visible_parties(actor)
    rows = actor.records.rows("parties", {"name": name}, limit=1)
    if not rows or (visible is not None and rows[0]["id"] not in visible):
        raise NotFound(f"no party named {name!r}")
    return view(rows[0])


def create_party(actor: Actor, *, name: str, kind: str, parent_id: int | None) -> dict[str, Any]:
    """Admins add any party; a caller that manages its party adds departments below it."""
    actor.require_credentials()
    if not actor.is_admin and not (kind == "department" and parent_id is not None and actor.manages_party(parent_id)):
        raise Forbidden("only an administrator adds parties; an organisation adds its own departments (kind 'department', parentId)")
    if parent_id is not None and parent_id not in actor.parties:
        raise NotFound(f"no party {parent_id}", field="parentId")
    if actor.records.rows("parties", {"name": name}, limit=1):
        raise Conflict(f"a party named {name!r} exists", field="name")
    party_id = actor.records.insert_row("parties", {"name": name, "kind": kind, "parent_id": parent_id, "created_at": actor.now})
    return view(actor.records.rows("parties", {"id": party_id}, limit=1)[0])


def me(actor: Actor) -> dict[str, Any]:
    """Who the caller is, for whom it acts, and what it may do."""
    actor.require_credentials()
    party = actor.caller.party_id
    rows = actor.records.rows("parties", {"id": party}, limit=1) if party is not None else []
    return {
        "subject": actor.caller.subject,
        "party": view(rows[0]) if rows else None,
        "actsFor": sorted(actor.chain),
        "isAdmin": actor.caller.is_admin,
        "canWrite": actor.caller.can_write,
    }
