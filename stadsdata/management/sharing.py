"""ODRL offers, access requests and agreements: how a restricted dataset is shared.

An owner publishes an Offer on a dataset; a party asks for access under it, for a purpose; the
owner approves (an Agreement for that party is made from the Offer) or rejects, or the Offer
accepts automatically. Agreements are metered from the audit log (`count` constraints,
`compensate` duties)."""

from __future__ import annotations

import uuid
from typing import Any

from stadsdata.access.odrl import Policy, PolicyError, agreement_from_offer, parse_policy
from stadsdata.errors import BadRequest, Conflict, Forbidden, NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view

REQUEST_DECISIONS = ("approved", "rejected", "withdrawn")


# -- offers -----------------------------------------------------------------------------------
def list_offers(actor: Actor, *, dataset_id: int | None, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Offers in force on the datasets in the caller's catalogue (withdrawn ones: to managers)."""
    visible = {d for d in actor.snapshot.datasets if actor.sees_dataset(d)}
    if dataset_id is not None:
        actor.dataset(dataset_id)
        visible &= {dataset_id}
    rows = actor.records.rows("offers", {"dataset_id": visible}, limit=10**9, cursor=cursor)
    shown = [r for r in rows if r["withdrawn_at"] is None or _manages(actor, r["dataset_id"])]
    return page([view(r) for r in shown[: limit + 1]], limit)


def _manages(actor: Actor, dataset_id: int) -> bool:
    return actor.caller.subject is not None and actor.manages_dataset(dataset_id)


def _offer(actor: Actor, offer_id: int) -> dict[str, Any]:
    rows = actor.records.rows("offers", {"id": offer_id}, limit=1)
    if not rows or not actor.sees_dataset(rows[0]["dataset_id"]):
        raise NotFound(f"no offer {offer_id}")
    return rows[0]


def get_offer(actor: Actor, offer_id: int) -> dict[str, Any]:
    return view(_offer(actor, offer_id))


def create_offer(actor: Actor, dataset_id: int, *, policy: dict[str, Any], auto_accept: bool) -> dict[str, Any]:
    actor.dataset(dataset_id, manage=True)
    if actor.snapshot.datasets[dataset_id][0] == "public":
        raise Conflict("a public dataset is open to everyone: it needs no offer", field="datasetId")
    parsed = _parse(policy, "Offer")
    if actor.records.rows("offers", {"uid": parsed.uid}, limit=1):
        raise Conflict(f"an offer with uid {parsed.uid!r} exists", field="policy.uid")
    offer_id = actor.records.insert_row(
        "offers", {"dataset_id": dataset_id, "uid": parsed.uid, "policy": policy, "auto_accept": auto_accept, "created_at": actor.now}
    )
    return get_offer(actor, offer_id)


def withdraw_offer(actor: Actor, offer_id: int) -> None:
    """No new requests under it; the Agreements made from it stay."""
    offer = _offer(actor, offer_id)
    actor.dataset(offer["dataset_id"], manage=True)
    actor.records.update_row("offers", offer_id, {"withdrawn_at": actor.now}, {"withdrawn_at": None})


def _parse(document: dict[str, Any], kind: str) -> Policy:
    try:
        return parse_policy(document, kind=kind)
    except PolicyError as exc:
        raise BadRequest(str(exc), field=f"policy.{exc.field}") from None


# -- access requests --------------------------------------------------------------------------
def list_requests(actor: Actor, *, status: str | None, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Requests the caller's parties made, and requests on datasets it manages."""
    actor.require_credentials()
    rows = actor.records.rows("access_requests", {"status": status} if status else {}, limit=10**9, cursor=cursor)
    mine = [r for r in rows if actor.acts_for(r["party_id"]) or actor.manages_dataset(r["dataset_id"])]
    return page([view(r) for r in mine[: limit + 1]], limit)


def _request(actor: Actor, request_id: int) -> dict[str, Any]:
    rows = actor.records.rows("access_requests", {"id": request_id}, limit=1)
    if not rows or not (actor.acts_for(rows[0]["party_id"]) or actor.manages_dataset(rows[0]["dataset_id"])):
        raise NotFound(f"no access request {request_id}")
    return rows[0]


def get_request(actor: Actor, request_id: int) -> dict[str, Any]:
    actor.require_credentials()
    return view(_request(actor, request_id))


def create_request(actor: Actor, *, offer_id: int, purpose: str, message: str) -> dict[str, Any]:
    """A party asks for access under an Offer, for a purpose the Offer allows."""
    party = actor.require_party("ask for access")
    offer = _offer(actor, offer_id)
    if offer["withdrawn_at"] is not None:
        raise Conflict(f"offer {offer_id} is withdrawn", field="offerId")
    owner = actor.snapshot.datasets[offer["dataset_id"]][1]
    if owner is not None and owner in actor.chain:
        raise Conflict("a party does not ask for access to its own dataset", field="offerId")
    _agreement_document(offer, party, purpose)  # the purpose must fit the offer: refused now, not at approval
    request_id = actor.records.insert_row(
        "access_requests",
        {
            "offer_id": offer_id, "dataset_id": offer["dataset_id"], "party_id": party, "requested_by": actor.caller.subject,
            "purpose": purpose, "message": message, "status": "pending", "created_at": actor.now,
        },
    )  # fmt: skip
    if offer["auto_accept"]:
        _approve(actor, _request(actor, request_id), decided_by=f"offer:{offer_id}")
    return get_request(actor, request_id)


def decide_request(actor: Actor, request_id: int, *, status: str, reason: str | None) -> dict[str, Any]:
    """The owner approves or rejects a pending request; the asking party may withdraw it."""
    actor.require_credentials()
    request = _request(actor, request_id)
    if request["status"] != "pending":
        raise Conflict(f"access request {request_id} is {request['status']}, not pending", field="status")
    if status == "withdrawn":
        if not actor.acts_for(request["party_id"]):
            raise Forbidden("only the asking party withdraws its request", field="status")
        actor.records.update_row(
            "access_requests", request_id, {"status": "withdrawn", "decided_at": actor.now, "decided_by": actor.caller.subject, "reason": reason}
        )
    elif not actor.manages_dataset(request["dataset_id"]):
        raise Forbidden(f"only who manages dataset {request['dataset_id']} decides on this request", field="status")
    elif status == "approved":
        _approve(actor, request, decided_by=actor.caller.subject or "", reason=reason)
    else:
        actor.records.update_row(
            "access_requests", request_id, {"status": "rejected", "decided_at": actor.now, "decided_by": actor.caller.subject, "reason": reason}
        )
    return get_request(actor, request_id)


def _agreement_document(offer: dict[str, Any], party: int, purpose: str) -> tuple[str, dict[str, Any]]:
    uid = f"urn:stadsdata:agreement:{uuid.uuid4()}"
    try:
        document = agreement_from_offer(
            parse_policy(offer["policy"], kind="Offer"), uid=uid, assignee=f"urn:stadsdata:party:{party}", purpose=purpose
        )
    except PolicyError as exc:
        raise BadRequest(str(exc), field=exc.field) from None
    return uid, document


def _approve(actor: Actor, request: dict[str, Any], *, decided_by: str, reason: str | None = None) -> None:
    offer = actor.records.rows("offers", {"id": request["offer_id"]}, limit=1)[0]
    agreement_id = _add_agreement(actor, offer, request["party_id"], request["purpose"])
    actor.records.update_row(
        "access_requests",
        request["id"],
        {"status": "approved", "decided_at": actor.now, "decided_by": decided_by, "reason": reason, "agreement_id": agreement_id},
    )


def _add_agreement(actor: Actor, offer: dict[str, Any], party: int, purpose: str) -> int:
    uid, document = _agreement_document(offer, party, purpose)
    return actor.records.add_agreement(offer["dataset_id"], party, offer["id"], uid, document, actor.now)


# -- agreements -------------------------------------------------------------------------------
def make_agreement(actor: Actor, offer_id: int, *, party_id: int, purpose: str) -> dict[str, Any]:
    """Who manages the dataset makes an Agreement from its Offer for a party, for a purpose the
    Offer allows, without an access request (the party asked some other way)."""
    offer = _offer(actor, offer_id)
    actor.dataset(offer["dataset_id"], manage=True)
    if offer["withdrawn_at"] is not None:
        raise Conflict(f"offer {offer_id} is withdrawn", field="offerId")
    if party_id not in actor.parties:
        raise NotFound(f"no party {party_id}", field="partyId")
    return get_agreement(actor, _add_agreement(actor, offer, party_id, purpose))


def list_agreements(actor: Actor, *, dataset_id: int | None, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Agreements of the caller's parties and on datasets it manages, with their usage."""
    actor.require_credentials()
    rows = actor.records.rows("agreements", {"dataset_id": dataset_id} if dataset_id else {}, limit=10**9, cursor=cursor)
    mine = [r for r in rows if actor.acts_for(r["party_id"]) or actor.manages_dataset(r["dataset_id"])][: limit + 1]
    usage = actor.records.agreement_usage([r["id"] for r in mine])
    return page([_agreement_view(r, usage.get(r["id"], 0)) for r in mine], limit)


def _agreement(actor: Actor, agreement_id: int) -> dict[str, Any]:
    rows = actor.records.rows("agreements", {"id": agreement_id}, limit=1)
    if not rows or not (actor.acts_for(rows[0]["party_id"]) or actor.manages_dataset(rows[0]["dataset_id"])):
        raise NotFound(f"no agreement {agreement_id}")
    return rows[0]


def get_agreement(actor: Actor, agreement_id: int) -> dict[str, Any]:
    actor.require_credentials()
    row = _agreement(actor, agreement_id)
    return _agreement_view(row, actor.records.agreement_usage([agreement_id]).get(agreement_id, 0))


def _agreement_view(row: dict[str, Any], used: int) -> dict[str, Any]:
    policy = parse_policy(row["policy"], kind="Agreement")
    out = view(row)
    out["usage"] = {"recordsRead": used, "countLimit": policy.count_limit()}
    pay = policy.compensation()
    if pay is not None:
        blocks = -(-used // pay.per_records)  # a started block is due
        out["usage"]["amountDue"] = {"amount": str(pay.amount * blocks), "unit": pay.unit, "perRecords": pay.per_records}
    return out


def end_agreement(actor: Actor, agreement_id: int) -> dict[str, Any]:
    """The owner or the party under it ends an agreement; reads stop on the next request."""
    actor.require_credentials()
    row = _agreement(actor, agreement_id)
    if row["status"] != "active":
        raise Conflict(f"agreement {agreement_id} is {row['status']}", field="status")
    if not (actor.manages_dataset(row["dataset_id"]) or (actor.caller.can_write and actor.acts_for(row["party_id"]))):
        raise Forbidden(f"{actor.caller.subject} may not end agreement {agreement_id}", field="status")
    actor.records.end_agreement(agreement_id, actor.now)
    return get_agreement(actor, agreement_id)
