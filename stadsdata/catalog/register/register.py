"""`Register`: the sensor register's operations, each in one transaction and each for one caller —
list and read entries (as `visibility.py` says the caller is shown them), register a device,
change or remove it (who manages it), and review it (administrators, `review.py`).

Who registers: any caller with credentials and write rights, for its own party or a party below
it (a municipality for its departments); an administrator for any party. The owner defaults to
the caller's party. A device may be linked only to Datastreams and a Thing the registering caller
may read (400 naming the link otherwise — a Datastream it may not read is as one that does not
exist), so a register entry cannot be used to learn of hidden data either."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.catalog.register import review, visibility
from stadsdata.catalog.register.devices import Device
from stadsdata.catalog.register.entries import DeviceValues, check_document, document_of
from stadsdata.catalog.register.search import RegisterQuery
from stadsdata.catalog.register.streams import Linked
from stadsdata.errors import BadRequest, Forbidden, NotFound
from stadsdata.management.rights import Actor
from stadsdata.store.base import Store, Transaction

DEVICES, SENSORS = "register_devices", "register_sensors"
ALL = 10**9


class Register:
    def __init__(self, store: Store, access: AccessPolicy) -> None:
        self.store = store
        self.access = access

    def devices(self, caller: Caller, query: RegisterQuery | None = None) -> list[Device]:
        """Every entry the caller sees that matches `query` (None: all), by id."""
        query = query or RegisterQuery()
        with self.store.read_only() as tx:
            session = _Session(tx, self.access, caller)
            return [d for d in session.shown(session.seen_rows()) if query.matches(d)]

    def device(self, caller: Caller, device_id: int) -> Device:
        with self.store.read_only() as tx:
            session = _Session(tx, self.access, caller)
            return session.shown([session.seen_row(device_id)])[0]

    def register(self, caller: Caller, document: Mapping[str, Any]) -> Device:
        """Register a device (see the module's docstring); the new entry as the caller sees it."""
        with self.store.write() as tx:
            session = _Session(tx, self.access, caller)
            session.require_writer("register devices")
            values = check_document(document)
            owner = values.owner_party_id if values.owner_party_id is not None else caller.party_id
            if owner is None:
                raise BadRequest(f"{caller.subject} acts for no party: name the owner in ownerPartyId", field="ownerPartyId")
            session.check_owner(owner)
            session.check_links(values, before=None)
            now = session.actor.now
            row = values.row() | {"owner_party_id": owner, "created_by": caller.subject, "created_at": now, "updated_by": caller.subject,
                                  "updated_at": now} | review.first_review(caller.subject, caller.is_admin, now)  # fmt: skip
            device_id = tx.access.insert_row(DEVICES, row)
            for sensor in values.sensors:
                tx.access.insert_row(SENSORS, sensor.row(device_id))
            return session.shown([session.seen_row(device_id)])[0]

    def change(self, caller: Caller, device_id: int, changes: Mapping[str, Any]) -> Device:
        """Merge `changes` into the entry (a member set to null is removed; `sensors`, when given,
        replaces them all) and check the whole again; an owner's material change of a reviewed
        entry sends it back for review (`review.py`)."""
        with self.store.write() as tx:
            session = _Session(tx, self.access, caller)
            row = session.managed_row(device_id)
            sensors = session.sensor_rows([device_id])
            merged = document_of(row, sensors) | dict(changes)
            values = check_document({k: v for k, v in merged.items() if v is not None})
            if values.owner_party_id is None:
                raise BadRequest("an entry keeps its owner: ownerPartyId cannot be removed", field="ownerPartyId")
            if values.owner_party_id != row["owner_party_id"]:
                session.check_owner(values.owner_party_id)
            session.check_links(values, before=(row, sensors))
            status = review.after_change(row, sensors, values, caller.is_admin)
            now = session.actor.now
            tx.access.update_row(DEVICES, device_id, values.row() | status | {"updated_by": caller.subject, "updated_at": now})
            if "sensors" in changes:
                for sensor in sensors:
                    tx.access.delete_row(SENSORS, sensor["id"])
                for new in values.sensors:
                    tx.access.insert_row(SENSORS, new.row(device_id))
            return session.shown([session.seen_row(device_id)])[0]

    def remove(self, caller: Caller, device_id: int) -> None:
        with self.store.write() as tx:
            session = _Session(tx, self.access, caller)
            session.managed_row(device_id)
            for sensor in session.sensor_rows([device_id]):
                tx.access.delete_row(SENSORS, sensor["id"])
            tx.access.delete_row(DEVICES, device_id)

    def review(self, caller: Caller, device_id: int, decision: str, note: str | None) -> Device:
        """An administrator approves or rejects the entry (a rejection says why in `note`)."""
        with self.store.write() as tx:
            session = _Session(tx, self.access, caller)
            session.actor.require_admin("review register entries")
            session.seen_row(device_id)
            now = session.actor.now
            tx.access.update_row(DEVICES, device_id, review.decision(decision, note, caller.subject, now))
            return session.shown([session.seen_row(device_id)])[0]


class _Session:
    """One caller's work on the register within one transaction."""

    def __init__(self, tx: Transaction, access: AccessPolicy, caller: Caller) -> None:
        self.tx = tx
        self.actor = Actor(caller, tx.access, datetime.now(UTC))
        self.linked = Linked(tx, access, caller)

    # -- reading ----------------------------------------------------------------------------------
    def seen_rows(self) -> list[dict[str, Any]]:
        return [r for r in self.tx.access.rows(DEVICES, limit=ALL) if visibility.sees(self.actor, r)]

    def seen_row(self, device_id: int) -> dict[str, Any]:
        """The entry, if the caller sees it; NotFound otherwise (as if there were none)."""
        rows = self.tx.access.rows(DEVICES, {"id": device_id}, limit=1)
        if not rows or not visibility.sees(self.actor, rows[0]):
            raise NotFound(f"no register entry {device_id}")
        return rows[0]

    def managed_row(self, device_id: int) -> dict[str, Any]:
        self.actor.require_credentials()
        row = self.seen_row(device_id)
        if not visibility.manages(self.actor, row["owner_party_id"]):
            raise Forbidden(f"{self.actor.caller.subject} does not manage register entry {device_id}")
        return row

    def sensor_rows(self, device_ids: list[int]) -> list[dict[str, Any]]:
        where = {"device_id": device_ids} if len(device_ids) <= 500 else None
        wanted = set(device_ids)
        return [s for s in self.tx.access.rows(SENSORS, where, limit=ALL) if s["device_id"] in wanted]

    def shown(self, rows: list[dict[str, Any]]) -> list[Device]:
        parties = {p["id"]: p for p in self.tx.access.rows("parties", limit=ALL)}
        sensors: dict[int, list[dict[str, Any]]] = {}
        for sensor in self.sensor_rows([r["id"] for r in rows]) if rows else ():
            sensors.setdefault(sensor["device_id"], []).append(sensor)
        self.linked.datastreams(i for s in sensors.values() for sensor in s for i in sensor["datastream_ids"])  # in a few queries
        self.linked.things(r["thing_id"] for r in rows if r["thing_id"] is not None)
        return [visibility.shown(self.actor, r, sensors.get(r["id"], []), parties, self.linked) for r in rows]

    # -- checks of a change -----------------------------------------------------------------------
    def require_writer(self, what: str) -> None:
        self.actor.require_credentials()
        if not (self.actor.is_admin or self.actor.caller.can_write):
            raise Forbidden(f"{self.actor.caller.subject} has no write rights, so it cannot {what}")

    def check_owner(self, party_id: int) -> None:
        """The caller may register for this party: its own or one below it (administrators: any)."""
        if self.actor.is_admin:
            if party_id not in self.actor.parties:
                raise BadRequest(f"no party {party_id}", field="ownerPartyId")
        elif party_id not in self.actor.below:
            raise Forbidden(f"{self.actor.caller.subject} registers devices only for its own party and the parties below it",
                            field="ownerPartyId")  # fmt: skip

    def check_links(self, values: DeviceValues, before: tuple[dict[str, Any], list[dict[str, Any]]] | None) -> None:
        """The Datastreams and Thing newly linked must be ones the caller may read."""
        old_streams = {i for s in before[1] for i in s["datastream_ids"]} if before else set()
        new = [i for i in values.datastream_ids() if i not in old_streams]
        readable = self.linked.datastreams(new)
        for index, sensor in enumerate(values.sensors):
            for n, stream in enumerate(sensor.datastream_ids):
                if stream in new and stream not in readable:
                    raise BadRequest(f"no Datastream {stream}", field=f"sensors.{index}.datastreamIds.{n}")
        if values.thing_id is not None and (before is None or before[0]["thing_id"] != values.thing_id):
            if self.linked.thing(values.thing_id) is None:
                raise BadRequest(f"no Thing {values.thing_id}", field="thingId")
