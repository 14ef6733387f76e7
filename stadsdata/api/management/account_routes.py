"""Management endpoints of accounts: local users and API keys (`management/identities.py`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.management import identities


def add_user_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803 - a type
    run, listing, created = tools.run, tools.listing, tools.created

    @router.get("/users", tags=["accounts"], summary="Accounts of the parties the caller manages")
    def list_users(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "users", run(who, lambda a: identities.list_users(a, limit=limit, cursor=cursor)))

    @router.post("/users", tags=["accounts"], status_code=201, summary="Add a local account")
    def create_user(request: Request, body: models.NewUser, who: Who) -> JSONResponse:
        out = run(
            who,
            lambda a: identities.create_user(
                a, username=body.username, password=body.password, party_id=body.partyId, is_admin=body.isAdmin, can_write=body.canWrite
            ),
            write=True,
        )
        return created(request, out, f"users/{out['id']}")

    @router.get("/users/{user_id}", tags=["accounts"])
    def get_user(user_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: identities.get_user(a, user_id))

    @router.patch("/users/{user_id}", tags=["accounts"], summary="Disable/enable an account or set its password")
    def update_user(user_id: models.Id, body: models.UserChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: identities.update_user(a, user_id, disabled=body.disabled, password=body.password, can_write=body.canWrite), write=True)


def add_api_key_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803
    run, listing, created = tools.run, tools.listing, tools.created

    @router.get("/api-keys", tags=["accounts"], summary="API keys of the parties the caller manages (never the secret)")
    def list_keys(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "apiKeys", run(who, lambda a: identities.list_keys(a, limit=limit, cursor=cursor)))

    @router.post("/api-keys", tags=["accounts"], status_code=201, summary="Create an API key; `key` is shown only in this answer")
    def create_key(request: Request, body: models.NewApiKey, who: Who) -> JSONResponse:
        out = run(
            who,
            lambda a: identities.create_key(
                a, name=body.name, party_id=body.partyId, is_admin=body.isAdmin, can_write=body.canWrite, expires_at=body.expiresAt
            ),
            write=True,
        )
        response = created(request, out, f"api-keys/{out['id']}")
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.get("/api-keys/{key_id}", tags=["accounts"])
    def get_key(key_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: identities.get_key(a, key_id))

    @router.delete("/api-keys/{key_id}", tags=["accounts"], status_code=204, summary="Revoke an API key")
    def revoke_key(key_id: models.Id, who: Who) -> Response:
        run(who, lambda a: identities.revoke_key(a, key_id), write=True)
        return Response(status_code=204)
