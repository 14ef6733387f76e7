"""The quarantine as administrators see it: what could not be stored, with the raw payload and
the reason; replayed (after the mapping or the stream was fixed) or discarded, never deleted.
Admins only for now: a payload may hold data of any dataset."""

from __future__ import annotations

import base64
from typing import Any

from stadsdata.errors import Conflict
from stadsdata.ingest.pipeline import Message, Outcome
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view


def list_quarantine(actor: Actor, *, status: str | None, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_admin("read the quarantine")
    rows = actor.records.rows("quarantine", {"status": status} if status else {}, limit=limit + 1, cursor=cursor, newest_first=True)
    return page([view(r) for r in rows], limit)


def _held(actor: Actor, quarantine_id: int) -> dict[str, Any]:
    return actor.one("quarantine", {"id": quarantine_id}, missing=f"nothing in quarantine under {quarantine_id}")


def get_quarantined(actor: Actor, quarantine_id: int) -> dict[str, Any]:
    actor.require_admin("read the quarantine")
    return view(_held(actor, quarantine_id))


def message_to_replay(actor: Actor, quarantine_id: int) -> Message:
    """The held message as it arrived (its original source, topic, payload and time)."""
    actor.require_admin("replay quarantined messages")
    row = _held(actor, quarantine_id)
    if row["status"] != "held":
        raise Conflict(f"quarantine {quarantine_id} is {row['status']}", field="status")
    payload = base64.b64decode(row["payload"]) if row["encoding"] == "base64" else row["payload"].encode("utf-8")
    return Message(row["source"], row["topic"], payload, subject=row["subject"], received_at=row["received_at"])


def record_replay(actor: Actor, quarantine_id: int, outcome: Outcome) -> dict[str, Any]:
    """Stored (or stored before): the row is `replayed`; refused again: it stays held, with the new reason."""
    if outcome is not Outcome.QUARANTINED:
        actor.records.update_row("quarantine", quarantine_id, {"status": "replayed", "decided_at": actor.now, "decided_by": actor.caller.subject})
    return {**view(_held(actor, quarantine_id)), "outcome": outcome.value}


def discard(actor: Actor, quarantine_id: int) -> dict[str, Any]:
    actor.require_admin("discard quarantined messages")
    row = _held(actor, quarantine_id)
    if row["status"] != "held":
        raise Conflict(f"quarantine {quarantine_id} is {row['status']}", field="status")
    actor.records.update_row("quarantine", quarantine_id, {"status": "discarded", "decided_at": actor.now, "decided_by": actor.caller.subject})
    return view(_held(actor, quarantine_id))
