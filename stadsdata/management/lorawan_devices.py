"""Device mappings (`/api/v1/lorawan-devices`): which Thing a device of a source kind is (a
LoRaWAN network server's device, a meter, …), and which Datastream each field of its decoded
reports feeds. The `network` is the source kind's name. Admins only for now (a mapping decides
where data lands)."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import BadRequest, Conflict, NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view
from stadsdata.sources.registry import SourceKinds


def device_id(kinds: SourceKinds, network: str, device: str) -> str:
    """The device's id as the kind's reports carry it (e.g. a ChirpStack DevEUI in lower case);
    BadRequest for a kind that is not there or takes no device reports, or an id not of its form."""
    kind = kinds.get(network)
    if kind is None or kind.decode is None:
        reporting = sorted(name for name, k in kinds.items() if k.decode is not None)
        raise BadRequest(f"no source kind {network!r} of devices; the kinds are {', '.join(reporting)}", field="network")
    return kind.device_id(device)


def _check_streams(actor: Actor, fields: dict[str, int]) -> None:
    if not fields:
        raise BadRequest("map at least one field to a Datastream", field="fields")
    ids = sorted(set(fields.values()))
    found = actor.records.stream_datasets("Datastream", ids)
    for name, stream in fields.items():
        if stream not in found:
            raise NotFound(f"no Datastream({stream})", field=f"fields.{name}")


def list_devices(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_admin("read LoRaWAN device mappings")
    return page([view(r) for r in actor.records.rows("lorawan_devices", limit=limit + 1, cursor=cursor)], limit)


def _device(actor: Actor, device_id: int) -> dict[str, Any]:
    return actor.one("lorawan_devices", {"id": device_id}, missing=f"no LoRaWAN device mapping {device_id}")


def get_device(actor: Actor, device_id: int) -> dict[str, Any]:
    actor.require_admin("read LoRaWAN device mappings")
    return view(_device(actor, device_id))


def put_device(actor: Actor, *, network: str, device: str, thing_id: int | None, fields: dict[str, int]) -> tuple[dict[str, Any], bool]:
    """Create the mapping, or replace the one of the same device (its id as `device_id` gives it);
    (mapping, created)."""
    actor.require_admin("map LoRaWAN devices")
    _check_streams(actor, fields)
    existing = actor.records.rows("lorawan_devices", {"network": network, "device": device}, limit=1)
    values = {"network": network, "device": device, "thing_id": thing_id, "fields": fields}
    if existing:
        actor.records.update_row("lorawan_devices", existing[0]["id"], values)
        return view(_device(actor, existing[0]["id"])), False
    new_id = actor.records.insert_row("lorawan_devices", {**values, "created_at": actor.now})
    return view(_device(actor, new_id)), True


def update_fields(actor: Actor, device_id: int, fields: dict[str, int]) -> dict[str, Any]:
    actor.require_admin("map LoRaWAN devices")
    _device(actor, device_id)
    _check_streams(actor, fields)
    actor.records.update_row("lorawan_devices", device_id, {"fields": fields})
    return view(_device(actor, device_id))


def ensure_new(actor: Actor, network: str, device: str) -> None:
    if actor.records.rows("lorawan_devices", {"network": network, "device": device}, limit=1):
        raise Conflict(f"{network} device {device!r} is mapped already (PATCH it)", field="device")
