"""LoRaWAN device mappings: which Thing a network server's device is, and which Datastream each
field of its decoded payload feeds. Admins only for now (a mapping decides where data lands)."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import BadRequest, Conflict, NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view

NETWORKS = ("tts", "chirpstack")


def normalise_device(network: str, device: str) -> str:
    """ChirpStack DevEUIs in lower case; TTS as '<application id>/<device id>'."""
    if network == "chirpstack":
        return device.lower()
    if "/" not in device:
        raise BadRequest("a The Things Stack device is '<application id>/<device id>'", field="device")
    return device


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
    rows = actor.records.rows("lorawan_devices", {"id": device_id}, limit=1)
    if not rows:
        raise NotFound(f"no LoRaWAN device mapping {device_id}")
    return rows[0]


def get_device(actor: Actor, device_id: int) -> dict[str, Any]:
    actor.require_admin("read LoRaWAN device mappings")
    return view(_device(actor, device_id))


def put_device(actor: Actor, *, network: str, device: str, thing_id: int | None, fields: dict[str, int]) -> tuple[dict[str, Any], bool]:
    """Create the mapping, or replace the one of the same device; (mapping, created)."""
    actor.require_admin("map LoRaWAN devices")
    device = normalise_device(network, device)
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
    if actor.records.rows("lorawan_devices", {"network": network, "device": normalise_device(network, device)}, limit=1):
        raise Conflict(f"{network} device {device!r} is mapped already (PATCH it)", field="device")
