"""Datasets (the catalogue), the streams in them, and grants on them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from stadsdata.access.datasets import access_basis
from stadsdata.access.pseudonyms import check_paths
from stadsdata.errors import BadRequest, Conflict, Forbidden, NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view

STREAM_TABLES = {"datastreams": "Datastream", "multi-datastreams": "MultiDatastream"}


# -- datasets ---------------------------------------------------------------------------------
def list_datasets(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """The catalogue this caller sees (anonymous callers too: public and restricted datasets)."""
    visible = {d for d in actor.snapshot.datasets if actor.sees_dataset(d)}
    rows = actor.records.rows("datasets", {"id": visible}, limit=limit + 1, cursor=cursor)
    return page([_dataset_view(actor, r) for r in rows], limit)


def _dataset_view(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    out = view(row)
    out["managed"] = actor.caller.subject is not None and actor.manages_dataset(row["id"])
    return out


def get_dataset(actor: Actor, dataset_id: int) -> dict[str, Any]:
    actor.dataset(dataset_id)
    return _dataset_view(actor, actor.records.rows("datasets", {"id": dataset_id}, limit=1)[0])


def dataset_named(actor: Actor, name: str) -> dict[str, Any]:
    """A dataset by its name (how an operator names it), if it is in the caller's catalogue."""
    rows = actor.records.rows("datasets", {"name": name}, limit=1)
    if not rows or not actor.sees_dataset(rows[0]["id"]):
        raise NotFound(f"no dataset named {name!r}")
    return _dataset_view(actor, rows[0])


def create_dataset(
    actor: Actor, *, name: str, title: str, description: str, access_level: str, owner_party_id: int | None,
    personal_fields: list[str] | None = None, metadata: dict[str, Any] | None = None, unlisted: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Admins add datasets for anyone; others for their own party or one below it."""
    actor.require_credentials()
    owner = owner_party_id if owner_party_id is not None else actor.caller.party_id
    if owner is not None and owner not in actor.parties:
        raise NotFound(f"no party {owner}", field="ownerPartyId")
    if not actor.is_admin and not (actor.caller.can_write and owner is not None and owner in actor.below):
        raise Forbidden(f"{actor.caller.subject} may not add datasets for party {owner}", field="ownerPartyId")
    if actor.records.rows("datasets", {"name": name}, limit=1):
        raise Conflict(f"a dataset named {name!r} exists", field="name")
    paths = check_paths(personal_fields or [], field="personalFields")
    dataset_id = actor.records.insert_row(
        "datasets",
        {
            "name": name, "title": title, "description": description, "access_level": access_level, "owner_party_id": owner,
            "personal_fields": paths or None, "created_at": actor.now, "metadata": metadata or None, "unlisted": unlisted,
            "modified_at": actor.now,
        },
    )  # fmt: skip
    return get_dataset(actor, dataset_id)


MergeMetadata = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


def update_dataset(actor: Actor, dataset_id: int, changes: dict[str, Any], merge_metadata: MergeMetadata | None = None) -> dict[str, Any]:
    """Change title, description, access level (it takes effect on the next request), the
    pseudonymised fields, whether it is listed, or its catalog metadata: `merge_metadata` applies
    and checks a change of that (`catalog/metadata.py::merged`)."""
    actor.dataset(dataset_id, manage=True)
    columns = {"title": "title", "description": "description", "accessLevel": "access_level", "personalFields": "personal_fields",
               "unlisted": "unlisted"}  # fmt: skip
    values = {columns[k]: v for k, v in changes.items() if k in columns and v is not None}
    if "personal_fields" in values:
        values["personal_fields"] = check_paths(values["personal_fields"], field="personalFields") or None
    if changes.get("metadata") is not None:
        if merge_metadata is None:
            raise BadRequest("metadata cannot be changed here", field="metadata")
        current = actor.records.rows("datasets", {"id": dataset_id}, limit=1)[0]["metadata"]
        values["metadata"] = merge_metadata(current, changes["metadata"]) or None
    if values:
        actor.records.update_row("datasets", dataset_id, values | {"modified_at": actor.now})
    return get_dataset(actor, dataset_id)


# -- streams in a dataset ---------------------------------------------------------------------
def list_streams(actor: Actor, dataset_id: int, kind: str, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.dataset(dataset_id)
    if not actor.manages_dataset(dataset_id) and not _reads(actor, dataset_id):
        return [], None  # a restricted dataset's streams are data: listed for those who may read it
    table = kind.replace("-", "_")
    rows = actor.records.rows(table, {"dataset_id": dataset_id}, limit=limit + 1, cursor=cursor)
    return page([view(r) for r in rows], limit)


def _reads(actor: Actor, dataset_id: int) -> bool:
    level, owner = actor.snapshot.datasets[dataset_id]
    return actor.is_admin or access_basis(dataset_id, level, owner, actor.chain, actor.snapshot, actor.now) is not None


def put_stream(actor: Actor, dataset_id: int, kind: str, stream_id: int) -> None:
    """Put a stream into the dataset. The caller must manage the dataset and the one the stream
    is in now; only an admin moves a stream that is in no dataset (it follows the deployment's
    default level, often public: nobody else may take it)."""
    actor.dataset(dataset_id, manage=True)
    _move(actor, kind, stream_id, dataset_id)


def remove_stream(actor: Actor, dataset_id: int, kind: str, stream_id: int) -> None:
    """Take a stream out of the dataset (admins only: it then follows the default level)."""
    actor.dataset(dataset_id, manage=True)
    current = actor.records.stream_datasets(STREAM_TABLES[kind], [stream_id])
    if current.get(stream_id) != dataset_id:
        raise NotFound(f"{STREAM_TABLES[kind]}({stream_id}) is not in dataset {dataset_id}")
    _move(actor, kind, stream_id, None)


def _move(actor: Actor, kind: str, stream_id: int, target: int | None) -> None:
    entity = STREAM_TABLES[kind]
    current = actor.records.stream_datasets(entity, [stream_id])
    if stream_id not in current:
        raise NotFound(f"no {entity}({stream_id})")
    now_in = current[stream_id]
    if not actor.is_admin and (now_in is None or target is None or not actor.manages_dataset(now_in)):
        where = "no dataset" if now_in is None else f"dataset {now_in}"
        raise Forbidden(f"{entity}({stream_id}) is in {where}; only an administrator (or who manages that dataset) moves it")
    ids = ([stream_id], []) if entity == "Datastream" else ([], [stream_id])
    actor.records.assign_streams(target, *ids)


# -- grants -----------------------------------------------------------------------------------
def list_grants(actor: Actor, *, dataset_id: int | None, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """Grants on datasets the caller manages, and grants to the parties it acts for."""
    actor.require_credentials()
    where: dict[str, Any] = {}
    if dataset_id is not None:
        actor.dataset(dataset_id)
        where["dataset_id"] = dataset_id
    rows = actor.records.rows("dataset_grants", where, limit=10**9, cursor=cursor)
    mine = [r for r in rows if actor.manages_dataset(r["dataset_id"]) or actor.acts_for(r["party_id"])]
    return page([_grant_view(actor, r) for r in mine[: limit + 1]], limit)


def _grant_view(actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    out = view(row)
    in_force = row["revoked_at"] is None and (row["valid_until"] is None or row["valid_until"] > actor.now)
    out["status"] = "revoked" if row["revoked_at"] else ("in force" if in_force else "expired")
    return out


def create_grant(
    actor: Actor, dataset_id: int, *, party_id: int, valid_from: datetime | None, valid_until: datetime | None
) -> dict[str, Any]:
    actor.dataset(dataset_id, manage=True)
    if party_id not in actor.parties:
        raise NotFound(f"no party {party_id}", field="partyId")
    owner = actor.snapshot.datasets[dataset_id][1]
    if owner is not None and actor.parties.get(owner, (None, ""))[1] == "resident":
        raise Conflict("a resident's dataset is shared by the resident's consent, not by grants (POST /consents)", field="datasetId")
    if valid_from and valid_until and valid_until <= valid_from:
        raise BadRequest("validUntil is not after validFrom", field="validUntil")
    grant_id = actor.records.insert_row(
        "dataset_grants",
        {"dataset_id": dataset_id, "party_id": party_id, "valid_from": valid_from, "valid_until": valid_until, "created_at": actor.now},
    )
    return _grant_view(actor, actor.records.rows("dataset_grants", {"id": grant_id}, limit=1)[0])


def revoke_grant(actor: Actor, grant_id: int) -> bool:
    """Revoke a grant now; whether it was still unrevoked (revoking twice changes nothing)."""
    actor.require_credentials()
    rows = actor.records.rows("dataset_grants", {"id": grant_id}, limit=1)
    if not rows or not (actor.manages_dataset(rows[0]["dataset_id"]) or actor.acts_for(rows[0]["party_id"])):
        raise NotFound(f"no grant {grant_id}")
    if not actor.manages_dataset(rows[0]["dataset_id"]):
        raise Forbidden(f"{actor.caller.subject} does not manage dataset {rows[0]['dataset_id']}")
    return actor.records.update_row("dataset_grants", grant_id, {"revoked_at": actor.now}, {"revoked_at": None})
