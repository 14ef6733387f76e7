"""Endpoints of the management API: each authenticates the caller, opens one transaction and
hands it to a function of `stadsdata/management/`, which decides and does the work."""

# No `from __future__ import annotations` here: FastAPI reads the endpoints' annotations, and
# some name types local to `build_router`.
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBearer
from starlette.responses import JSONResponse

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import Caller
from stadsdata.api.management import models
from stadsdata.api.management.data_routes import add_data_routes
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.ingest_routes import add_ingest_routes
from stadsdata.ingest.pipeline import Ingestor
from stadsdata.management import audit, consents, datasets, identities, parties, sharing
from stadsdata.settings import Settings
from stadsdata.store.base import Store

T = TypeVar("T")
Limit = Annotated[int, Query(ge=1, le=1000, description="items per page")]
Cursor = Annotated[int | None, Query(ge=0, le=models.MAX_ID, description="from `_links.next` of the previous page")]
StreamKind = Annotated[str, "datastreams or multi-datastreams"]

# Shown in the OpenAPI document; the Authenticator reads the headers itself.
_SCHEMES = [
    Depends(HTTPBearer(auto_error=False, description="an API key (sdk_…) or an OpenID Connect access token")),
    Depends(APIKeyHeader(name="X-API-Key", auto_error=False)),
    Depends(HTTPBasic(auto_error=False, description="a local account")),
]


def build_router(store: Store, settings: Settings, authenticator: Authenticator, ingestor: Ingestor) -> APIRouter:
    router = APIRouter(dependencies=_SCHEMES)

    tools = Endpoints(store, settings, authenticator)
    Who = Annotated[Caller, Depends(tools.caller)]
    run, listing, created = tools.run, tools.listing, tools.created

    # -- who am I ---------------------------------------------------------------------------
    @router.get("/me", tags=["parties"], summary="The caller: subject, party, rights")
    def get_me(who: Who) -> dict[str, Any]:
        return run(who, parties.me)

    # -- parties ----------------------------------------------------------------------------
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

    # -- users ------------------------------------------------------------------------------
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

    # -- API keys ---------------------------------------------------------------------------
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

    # -- datasets ---------------------------------------------------------------------------
    @router.get("/datasets", tags=["datasets"], summary="The catalogue the caller sees (anonymous: public and restricted)")
    def list_datasets(request: Request, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, "datasets", run(who, lambda a: datasets.list_datasets(a, limit=limit, cursor=cursor)))

    @router.post("/datasets", tags=["datasets"], status_code=201, summary="Add a dataset")
    def create_dataset(request: Request, body: models.NewDataset, who: Who) -> JSONResponse:
        out = run(
            who,
            lambda a: datasets.create_dataset(
                a, name=body.name, title=body.title, description=body.description, access_level=body.accessLevel,
                owner_party_id=body.ownerPartyId, personal_fields=body.personalFields,
            ),
            write=True,
        )  # fmt: skip
        return created(request, out, f"datasets/{out['id']}")

    @router.get("/datasets/{dataset_id}", tags=["datasets"])
    def get_dataset(dataset_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: datasets.get_dataset(a, dataset_id))

    @router.patch("/datasets/{dataset_id}", tags=["datasets"], summary="Change title, description or access level")
    def update_dataset(dataset_id: models.Id, body: models.DatasetChange, who: Who) -> dict[str, Any]:
        return run(who, lambda a: datasets.update_dataset(a, dataset_id, body.model_dump(exclude_unset=True)), write=True)

    for kind in datasets.STREAM_TABLES:
        _stream_routes(router, kind, run, listing, Who)

    # -- grants -----------------------------------------------------------------------------
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

    # -- offers -----------------------------------------------------------------------------
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

    # -- access requests --------------------------------------------------------------------
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

    # -- agreements -------------------------------------------------------------------------
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

    # -- consents ---------------------------------------------------------------------------
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

    # -- audit ------------------------------------------------------------------------------
    @router.get("/audit-events", tags=["audit"], summary="Reads of non-public data: of the caller's datasets, and by its parties")
    def list_audit_events(
        request: Request,
        who: Who,
        datasetId: models.Id | None = None,
        since: datetime | None = None,
        limit: Limit = 100,
        cursor: Cursor = None,
    ) -> JSONResponse:
        since_utc = None if since is None else since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        found = run(who, lambda a: audit.list_audit_events(a, dataset_id=datasetId, since=since_utc, limit=limit, cursor=cursor))
        return listing(request, "auditEvents", found)

    add_ingest_routes(router, tools, Who, ingestor)
    add_data_routes(router, tools, Who, ingestor.service)
    return router


def _stream_routes(router: APIRouter, kind: str, run: Callable[..., Any], listing: Callable[..., JSONResponse], who_type: Any) -> None:
    """`/datasets/{id}/datastreams[/{streamId}]` and the same for multi-datastreams."""
    name = "datastreams" if kind == "datastreams" else "multiDatastreams"

    @router.get(f"/datasets/{{dataset_id}}/{kind}", tags=["datasets"], summary=f"The {kind} in the dataset", name=f"list_{name}")
    def list_streams(request: Request, dataset_id: models.Id, who: who_type, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, name, run(who, lambda a: datasets.list_streams(a, dataset_id, kind, limit=limit, cursor=cursor)))

    @router.put(f"/datasets/{{dataset_id}}/{kind}/{{stream_id}}", tags=["datasets"], status_code=204, name=f"put_{name}",
                summary="Put a stream into the dataset")  # fmt: skip
    def put_stream(dataset_id: models.Id, stream_id: models.Id, who: who_type) -> Response:
        run(who, lambda a: datasets.put_stream(a, dataset_id, kind, stream_id), write=True)
        return Response(status_code=204)

    @router.delete(f"/datasets/{{dataset_id}}/{kind}/{{stream_id}}", tags=["datasets"], status_code=204, name=f"remove_{name}",
                   summary="Take a stream out of the dataset (admins)")  # fmt: skip
    def remove_stream(dataset_id: models.Id, stream_id: models.Id, who: who_type) -> Response:
        run(who, lambda a: datasets.remove_stream(a, dataset_id, kind, stream_id), write=True)
        return Response(status_code=204)
