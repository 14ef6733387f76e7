"""Management endpoints of parties: the caller itself (`/me`) and the parties it may know
(`management/parties.py`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.management import parties


def add_me_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803 - a type
    run = tools.run

    @router.get("/me", tags=["parties"], summary="The caller: subject, party, rights")
    def get_me(who: Who) -> dict[str, Any]:
        return run(who, parties.me)


def add_party_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803
    run, listing, created = tools.run, tools.listing, tools.created

    @router.get("/parties", tags=["parties"], summary="Parties the caller may know")
    def list_parties(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "parties", run(who, lambda a: parties.list_parties(a, limit=limit, cursor=cursor)))

    @router.post("/parties", tags=["parties"], status_code=201, summary="Add a party (admins; organisations: departments)")
    def create_party(request: Request, body: models.NewParty, who: Who) -> JSONResponse:
        out = run(who, lambda a: parties.create_party(a, name=body.name, kind=body.kind, parent_id=body.parentId), write=True)
        return created(request, out, f"parties/{out['id']}")

    @router.get("/parties/{party_id}", tags=["parties"])
    def get_party(party_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: parties.get_party(a, party_id))
