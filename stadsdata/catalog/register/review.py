"""The municipality's review of register entries.

- An entry an owner registers is `submitted`; an administrator (the municipality) approves it or
  rejects it with a note saying why. An entry an administrator registers is approved at once.
- Only approved public entries are shown to everyone (`visibility.py`).
- When an owner changes an approved or rejected entry *materially* — what the public is told about
  what is measured, where, by whom, why, on what ground and for how long (`MATERIAL_COLUMNS` and
  what each sensor is and observes) — it goes back to `submitted` for a new review, and the old
  review is cleared. A change of the name, description, contact, location description, sensor
  names, manufacturers, documentation or linked Datastreams and Thing keeps the status. An
  administrator's change keeps the status too (the reviewer does not review itself).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from stadsdata.catalog.register.entries import DeviceValues
from stadsdata.errors import BadRequest

DECISIONS = {"approve": "approved", "reject": "rejected"}
MATERIAL_COLUMNS = ("type", "owner_party_id", "geometry", "mobile", "themes", "purpose", "legal_ground", "legal_ground_url",
                    "privacy_statement_url", "personal_data", "is_public", "is_open_data", "active_from", "active_until")  # fmt: skip


def first_review(subject: str | None, admin: bool, now: datetime) -> dict[str, Any]:
    """The review columns of a new entry."""
    if admin:
        return {"status": "approved", "review_note": "registered by an administrator", "reviewed_by": subject, "reviewed_at": now}
    return {"status": "submitted", "review_note": None, "reviewed_by": None, "reviewed_at": None}


def decision(decision: str, note: str | None, subject: str | None, now: datetime) -> dict[str, Any]:
    """The review columns after an administrator's decision ('approve' or 'reject')."""
    if decision not in DECISIONS:
        raise BadRequest("decision must be 'approve' or 'reject'", field="decision")
    note = (note or "").strip() or None
    if decision == "reject" and not note:
        raise BadRequest("a rejection needs a note that tells the owner why", field="note")
    return {"status": DECISIONS[decision], "review_note": note, "reviewed_by": subject, "reviewed_at": now}


def after_change(row: Mapping[str, Any], sensors: list[Mapping[str, Any]], values: DeviceValues, admin: bool) -> dict[str, Any]:
    """The review columns after a change of the entry `row` to `values`: back to `submitted` when an
    owner changed an approved or rejected entry materially; else unchanged (empty)."""
    if admin or row["status"] == "submitted" or not is_material(row, sensors, values):
        return {}
    return {"status": "submitted", "review_note": None, "reviewed_by": None, "reviewed_at": None}


def is_material(row: Mapping[str, Any], sensors: list[Mapping[str, Any]], values: DeviceValues) -> bool:
    new = values.row()
    if any(row[c] != new[c] for c in MATERIAL_COLUMNS):
        return True
    before = sorted((s["type"] or "", tuple(s["observes"])) for s in sensors)
    after = sorted((s.type or "", s.observes) for s in values.sensors)
    return before != after

