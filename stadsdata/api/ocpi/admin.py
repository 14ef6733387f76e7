"""Managing the CPOs (admins only, as the management API: `management/rights.py`):

- `POST /api/v1/ocpi/parties` registers a CPO (name, country code, party id; optionally the
  access level and owner party of its dataset): a dataset `ocpi-<cc>-<party>` with the personal
  fields of charging sessions is made for its streams, and the answer carries the one-time
  registration token A (shown once) and our versions URL, to hand to the CPO;
- `GET /api/v1/ocpi/parties` (a page of `limit`, `cursor` for the next; `Link: rel="next"`) and
  `GET /api/v1/ocpi/parties/{id}`;
- `POST /api/v1/ocpi/parties/{id}/registration-token`: a new token A (e.g. after the CPO
  unregistered, or lost A); any token C of the party stops working.

These routes live under the management API's prefix but are this face's (they are placed before
the management API's mount, which would otherwise take every path under /api/v1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse
from starlette.routing import Mount

from stadsdata.api.ocpi.registrations import PARTIES, PENDING, new_token, public_view, token_hash
from stadsdata.api.ocpi.storage import PERSONAL_FIELDS
from stadsdata.api.sta.routes import base_url
from stadsdata.errors import Conflict, NotFound
from stadsdata.management.datasets import create_dataset
from stadsdata.management.rights import Actor
from stadsdata.platform import Platform

PATH = "/api/v1/ocpi/parties"
T = TypeVar("T")


class NewParty(BaseModel):
    """A CPO to register: its name here, and its OCPI country code and party id."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    countryCode: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]  # noqa: N815 - the API's JSON names
    partyId: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3}$")]  # noqa: N815
    accessLevel: Literal["public", "restricted", "non-public"] = "non-public"  # noqa: N815
    ownerPartyId: int | None = None  # noqa: N815


def build_admin_router(platform: Platform) -> APIRouter:
    router = APIRouter(tags=["ocpi"])

    def run(request: Request, work: Callable[[Actor], T], *, write: bool = False) -> T:
        caller = platform.authenticator.caller(request.headers, request.method)
        with platform.store.write() if write else platform.store.read_only() as tx:
            actor = Actor(caller, tx.access, datetime.now(UTC))
            actor.require_admin("manage OCPI parties")
            return work(actor)

    @router.post(
        PATH, status_code=201, summary="Register a CPO: its dataset and a one-time registration token A (admins)"
    )
    def register_party(request: Request, body: NewParty) -> JSONResponse:
        def work(actor: Actor) -> dict[str, Any]:
            country_code, party_id = body.countryCode.upper(), body.partyId.upper()
            if actor.records.rows(PARTIES, {"country_code": country_code, "party_id": party_id}, limit=1):
                raise Conflict(f"CPO {country_code}/{party_id} is registered already", field="partyId")
            if actor.records.rows(PARTIES, {"name": body.name}, limit=1):
                raise Conflict(f"a CPO named {body.name!r} is registered already", field="name")
            dataset = create_dataset(
                actor, name=f"ocpi-{country_code}-{party_id}".lower(), title=f"Charging data of {body.name} (OCPI)",
                description=f"Locations, EVSE statuses, sessions and charge detail records that CPO {body.name} "
                f"({country_code}/{party_id}) pushes over OCPI 2.2.1; charge card ids are pseudonymised.",
                access_level=body.accessLevel, owner_party_id=body.ownerPartyId, personal_fields=PERSONAL_FIELDS,
            )  # fmt: skip
            token_a = new_token()
            row_id = actor.records.insert_row(PARTIES, {
                "name": body.name, "country_code": country_code, "party_id": party_id, "status": PENDING,
                "dataset_id": dataset["id"], "token_a_hash": token_hash(token_a), "created_at": actor.now, "updated_at": actor.now,
            })  # fmt: skip
            return _with_token(actor, row_id, token_a, request)

        out = run(request, work, write=True)
        return JSONResponse(
            out, status_code=201, headers={"Location": f"{base_url(request, platform.settings)}{PATH}/{out['id']}"}
        )

    @router.get(PATH, summary="The registered CPOs (admins)")
    def list_parties(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: Annotated[int | None, Query(ge=0)] = None,
    ) -> JSONResponse:
        rows = run(request, lambda actor: actor.records.rows(PARTIES, limit=limit + 1, cursor=cursor))
        items, more = [public_view(r) for r in rows[:limit]], len(rows) > limit
        root = base_url(request, platform.settings)
        links: dict[str, Any] = {"self": {"href": str(request.url)}}
        headers = {}
        if more:
            links["next"] = {"href": f"{root}{PATH}?limit={limit}&cursor={items[-1]['id']}"}
            headers["Link"] = f'<{links["next"]["href"]}>; rel="next"'
        return JSONResponse({"_embedded": {"parties": items}, "_links": links}, headers=headers)

    @router.get(PATH + "/{registration_id}", summary="One registered CPO (admins)")
    def get_party(request: Request, registration_id: int) -> dict[str, Any]:
        return run(request, lambda actor: public_view(_row(actor, registration_id)))

    @router.post(PATH + "/{registration_id}/registration-token", summary="A new one-time registration token A (admins)")
    def new_registration_token(request: Request, registration_id: int) -> dict[str, Any]:
        def work(actor: Actor) -> dict[str, Any]:
            _row(actor, registration_id)
            token_a = new_token()
            actor.records.update_row(PARTIES, registration_id, {
                "status": PENDING, "token_a_hash": token_hash(token_a), "token_c_hash": None, "updated_at": actor.now,
            })  # fmt: skip
            return _with_token(actor, registration_id, token_a, request)

        return run(request, work, write=True)

    def _with_token(actor: Actor, row_id: int, token_a: str, request: Request) -> dict[str, Any]:
        out = public_view(_row(actor, row_id))
        out["registrationToken"] = token_a  # shown once: only its hash is kept
        out["ourVersionsUrl"] = f"{base_url(request, platform.settings)}/ocpi/versions"
        return out

    return router


def _row(actor: Actor, registration_id: int) -> dict[str, Any]:
    rows = actor.records.rows(PARTIES, {"id": registration_id}, limit=1)
    if not rows:
        raise NotFound(f"no OCPI party {registration_id}")
    return rows[0]


def include_before_mounts(app: FastAPI, router: APIRouter) -> None:
    """Add the router's routes ahead of the app's mounts (the management API is mounted at
    /api/v1 and would take these paths first)."""
    before = len(app.router.routes)
    app.include_router(router)
    added = app.router.routes[before:]
    del app.router.routes[before:]
    first_mount = next((i for i, r in enumerate(app.router.routes) if isinstance(r, Mount)), len(app.router.routes))
    app.router.routes[first_mount:first_mount] = added
