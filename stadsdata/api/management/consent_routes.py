"""Management endpoints of residents' consents: who may read a dataset because its owner agreed
(`management/consents.py`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.management import consents


def add_consent_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803 - a type
    run, listing, created = tools.run, tools.listing, tools.created

    @router.get("/consents", tags=["consent"], summary="Who may read the caller's datasets by consent, and consents given to it")
    def list_consents(
        request: Request, who: Who, datasetId: models.Id | None = None, limit: Limit = 100, cursor: Cursor = None
    ) -> JSONResponse:
        found = run(who, lambda a: consents.list_consents(a, dataset_id=datasetId, limit=limit, cursor=cursor))
        return listing(request, "consents", found)

    @router.post("/consents", tags=["consent"], status_code=201, summary="A resident gives a party consent to read a dataset")
    def give_consent(request: Request, body: models.NewConsent, who: Who) -> JSONResponse:
        out = run(
            who,
            lambda a: consents.give_consent(a, dataset_id=body.datasetId, party_id=body.partyId, purpose=body.purpose, expires_at=body.expiresAt),
            write=True,
        )
        return created(request, out, f"consents/{out['id']}")

    @router.get("/consents/{consent_id}", tags=["consent"])
    def get_consent(consent_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: consents.get_consent(a, consent_id))

    @router.patch("/consents/{consent_id}", tags=["consent"], summary="Withdraw a consent (counts from the next request)")
    def withdraw_consent(consent_id: models.Id, body: models.ConsentChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: consents.withdraw_consent(a, consent_id), write=True)
