"""Residents' consents (W3C DPV statuses: given, withdrawn, expired): a resident lets a party
read the resident's dataset for a purpose, and withdraws it; withdrawal counts from the very
next request (and for open MQTT subscriptions, on their next message)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stadsdata.errors import BadRequest, Conflict, Forbidden, NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view


def _owned_by_resident(actor: Actor, dataset_id: int) -> bool:
    owner = actor.snapshot.datasets.get(dataset_id, ("", None))[1]
    return owner is not None and actor.parties.get(owner, (None, ""))[1] == "resident"


def _consent_view(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    status = row["status"]
    if status == "given" and row["expires_at"] is not None and row["expires_at"] <= actor.now:
        status = "expired"
    return {**view(row), "status": status}


def _visible(actor: Actor, row: dict[str, Any]) -> bool:
    return actor.acts_for(row["party_id"]) or actor.acts_for(actor.snapshot.datasets.get(row["dataset_id"], ("", None))[1])


def list_consents(actor: Actor, *, dataset_id: int | None, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Consents on the caller's datasets (who has access) and consents given to its parties."""
    actor.require_credentials()
    rows = actor.records.rows("consents", {"dataset_id": dataset_id} if dataset_id else {}, limit=10**9, cursor=cursor)
    mine = [r for r in rows if _visible(actor, r)]
    return page([_consent_view(actor, r) for r in mine[: limit + 1]], limit)


def _consent(actor: Actor, consent_id: int) -> dict[str, Any]:
    rows = actor.records.rows("consents", {"id": consent_id}, limit=1)
    if not rows or not _visible(actor, rows[0]):
        raise NotFound(f"no consent {consent_id}")
    return rows[0]


def get_consent(actor: Actor, consent_id: int) -> dict[str, Any]:
    actor.require_credentials()
    return _consent_view(actor, _consent(actor, consent_id))


def give_consent(actor: Actor, *, dataset_id: int, party_id: int, purpose: str, expires_at: datetime | None) -> dict[str, Any]:
    """The resident who owns the dataset (or an admin on the resident's behalf) gives consent."""
    actor.dataset(dataset_id, manage=True)
    if not _owned_by_resident(actor, dataset_id):
        raise Conflict("consent is for datasets residents own; share other datasets by grants or offers", field="datasetId")
    if party_id not in actor.parties:
        raise NotFound(f"no party {party_id}", field="partyId")
    if expires_at is not None and expires_at <= actor.now:
        raise BadRequest("expiresAt is in the past", field="expiresAt")
    consent_id = actor.records.add_consent(dataset_id, party_id, purpose, expires_at, actor.now)
    return get_consent(actor, consent_id)


def withdraw_consent(actor: Actor, consent_id: int) -> dict[str, Any]:
    actor.require_credentials()
    row = _consent(actor, consent_id)
    if not actor.manages_dataset(row["dataset_id"]):
        raise Forbidden("only the resident who gave it withdraws a consent", field="status")
    if not actor.records.withdraw_consent(consent_id, actor.now):
        raise Conflict(f"consent {consent_id} is {row['status']}, not given", field="status")
    return get_consent(actor, consent_id)
