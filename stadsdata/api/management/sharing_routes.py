"""Management endpoints of sharing: grants on datasets (`management/datasets.py`), and ODRL
Offers, access requests under them and the Agreements they lead to (`management/sharing.py`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.management import datasets, sharing


def add_grant_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803 - a type
    run, listing, created = tools.run, tools.listing, tools.created

    @router.get("/grants", tags=["sharing"], summary="Grants on datasets the caller manages, and grants to its parties")
    def list_grants(
        request: Request, who: Who, datasetId: models.Id | None = None, limit: Limit = 100, cursor: Cursor = None
    ) -> JSONResponse:
        return listing(request, "grants", run(who, lambda a: datasets.list_grants(a, dataset_id=datasetId, limit=limit, cursor=cursor)))

    @router.post("/datasets/{dataset_id}/grants", tags=["sharing"], status_code=201, summary="Let a party read the dataset")
    def create_grant(request: Request, dataset_id: models.Id, body: models.NewGrant, who: Who) -> JSONResponse:
        out = run(
            who,
            lambda a: datasets.create_grant(a, dataset_id, party_id=body.partyId, valid_from=body.validFrom, valid_until=body.validUntil),
            write=True,
        )
        return created(request, out, f"grants/{out['id']}")

    @router.delete("/grants/{grant_id}", tags=["sharing"], status_code=204, summary="Revoke a grant now")
    def revoke_grant(grant_id: models.Id, who: Who) -> Response:
        run(who, lambda a: datasets.revoke_grant(a, grant_id), write=True)
        return Response(status_code=204)


def add_offer_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803
    run, listing, created = tools.run, tools.listing, tools.created

    @router.get("/offers", tags=["sharing"], summary="ODRL Offers on the datasets in the caller's catalogue")
    def list_offers(
        request: Request, who: Who, datasetId: models.Id | None = None, limit: Limit = 100, cursor: Cursor = None
    ) -> JSONResponse:
        return listing(request, "offers", run(who, lambda a: sharing.list_offers(a, dataset_id=datasetId, limit=limit, cursor=cursor)))

    @router.post("/datasets/{dataset_id}/offers", tags=["sharing"], status_code=201, summary="Publish an ODRL Offer on the dataset")
    def create_offer(request: Request, dataset_id: models.Id, body: models.NewOffer, who: Who) -> JSONResponse:
        out = run(who, lambda a: sharing.create_offer(a, dataset_id, policy=body.policy, auto_accept=body.autoAccept), write=True)
        return created(request, out, f"offers/{out['id']}")

    @router.get("/offers/{offer_id}", tags=["sharing"])
    def get_offer(offer_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: sharing.get_offer(a, offer_id))

    @router.delete("/offers/{offer_id}", tags=["sharing"], status_code=204, summary="Withdraw an offer (its Agreements stay)")
    def withdraw_offer(offer_id: models.Id, who: Who) -> Response:
        run(who, lambda a: sharing.withdraw_offer(a, offer_id), write=True)
        return Response(status_code=204)


def add_access_request_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803
    run, listing, created = tools.run, tools.listing, tools.created

    @router.get("/access-requests", tags=["sharing"], summary="Requests the caller's parties made, and those on its datasets")
    def list_requests(
        request: Request,
        who: Who,
        status: Annotated[str | None, Query(pattern="^(pending|approved|rejected|withdrawn)$")] = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> JSONResponse:
        found = run(who, lambda a: sharing.list_requests(a, status=status, limit=limit, cursor=cursor))
        return listing(request, "accessRequests", found)

    @router.post("/access-requests", tags=["sharing"], status_code=201, summary="Ask for access under an Offer")
    def create_request(request: Request, body: models.NewAccessRequest, who: Who) -> JSONResponse:
        out = run(who, lambda a: sharing.create_request(a, offer_id=body.offerId, purpose=body.purpose, message=body.message), write=True)
        return created(request, out, f"access-requests/{out['id']}")

    @router.get("/access-requests/{request_id}", tags=["sharing"])
    def get_request(request_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: sharing.get_request(a, request_id))

    @router.patch("/access-requests/{request_id}", tags=["sharing"], summary="Approve or reject (the owner), withdraw (the asker)")
    def decide_request(request_id: models.Id, body: models.AccessRequestDecision, who: Who) -> dict[str, Any]:
        return run(who, lambda a: sharing.decide_request(a, request_id, status=body.status, reason=body.reason), write=True)


def add_agreement_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803
    run, listing = tools.run, tools.listing

    @router.get("/agreements", tags=["sharing"], summary="Agreements of the caller's parties and on its datasets, with usage")
    def list_agreements(
        request: Request, who: Who, datasetId: models.Id | None = None, limit: Limit = 100, cursor: Cursor = None
    ) -> JSONResponse:
        found = run(who, lambda a: sharing.list_agreements(a, dataset_id=datasetId, limit=limit, cursor=cursor))
        return listing(request, "agreements", found)

    @router.get("/agreements/{agreement_id}", tags=["sharing"], summary="An agreement, records read under it and the amount due")
    def get_agreement(agreement_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: sharing.get_agreement(a, agreement_id))

    @router.patch("/agreements/{agreement_id}", tags=["sharing"], summary="End an agreement")
    def end_agreement(agreement_id: models.Id, body: models.AgreementChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: sharing.end_agreement(a, agreement_id), write=True)
