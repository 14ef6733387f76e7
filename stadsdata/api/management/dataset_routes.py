"""Management endpoints of datasets: the catalogue, and the Datastreams and MultiDatastreams in
each dataset (`management/datasets.py`)."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.catalog.metadata import merged
from stadsdata.errors import BadRequest
from stadsdata.management import datasets


def add_dataset_routes(router: APIRouter, tools: Endpoints, Who: Any) -> None:  # noqa: N803 - a type
    run, listing, created = tools.run, tools.listing, tools.created

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
                metadata=body.metadata.dump() if body.metadata else None, unlisted=body.unlisted,
            ),
            write=True,
        )  # fmt: skip
        return created(request, out, f"datasets/{out['id']}")

    @router.get("/datasets/{dataset_id}", tags=["datasets"])
    def get_dataset(dataset_id: models.Id, who: Who) -> dict[str, Any]:
        return run(who, lambda a: datasets.get_dataset(a, dataset_id))

    @router.patch("/datasets/{dataset_id}", tags=["datasets"], summary="Change title, description, access level, listing or catalog metadata")
    def update_dataset(dataset_id: models.Id, body: models.DatasetChange, who: Who) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        return run(who, lambda a: datasets.update_dataset(a, dataset_id, changes, checked_metadata), write=True)

    for kind in datasets.STREAM_TABLES:
        add_stream_routes(router, tools, Who, kind)


def add_stream_routes(router: APIRouter, tools: Endpoints, Who: Any, kind: str) -> None:  # noqa: N803
    """`/datasets/{id}/datastreams[/{streamId}]` and the same for multi-datastreams."""
    run, listing = tools.run, tools.listing
    name = "datastreams" if kind == "datastreams" else "multiDatastreams"

    @router.get(f"/datasets/{{dataset_id}}/{kind}", tags=["datasets"], summary=f"The {kind} in the dataset", name=f"list_{name}")
    def list_streams(request: Request, dataset_id: models.Id, who: Who, limit: Limit = 100, cursor: Cursor = None) -> JSONResponse:
        return listing(request, name, run(who, lambda a: datasets.list_streams(a, dataset_id, kind, limit=limit, cursor=cursor)))

    @router.put(f"/datasets/{{dataset_id}}/{kind}/{{stream_id}}", tags=["datasets"], status_code=204, name=f"put_{name}",
                summary="Put a stream into the dataset")  # fmt: skip
    def put_stream(dataset_id: models.Id, stream_id: models.Id, who: Who) -> Response:
        run(who, lambda a: datasets.put_stream(a, dataset_id, kind, stream_id), write=True)
        return Response(status_code=204)

    @router.delete(f"/datasets/{{dataset_id}}/{kind}/{{stream_id}}", tags=["datasets"], status_code=204, name=f"remove_{name}",
                   summary="Take a stream out of the dataset (admins)")  # fmt: skip
    def remove_stream(dataset_id: models.Id, stream_id: models.Id, who: Who) -> Response:
        run(who, lambda a: datasets.remove_stream(a, dataset_id, kind, stream_id), write=True)
        return Response(status_code=204)


def checked_metadata(current: dict[str, Any] | None, change: dict[str, Any]) -> dict[str, Any]:
    """The stored metadata with `change` merged in, checked as a whole: 400 naming the member."""
    try:
        return merged(current, change)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise BadRequest(f"metadata.{where}: {error['msg']}", field=f"metadata.{where}") from None
