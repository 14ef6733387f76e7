"""Who sees and who manages a register entry, and what of it others are shown. The rules:

- An entry is *owned* by its owner party. A caller *acts for* the owner when the owner is the
  caller's party, an organisation above it or a party below it (a department and its
  municipality see each other's entries). Administrators — the municipality's reviewers — act
  for every owner.
- A caller *manages* an entry (changes or removes it) when it may write and the owner is its own
  party or a party below it (as it registers: `register.py`), or when it is an administrator.
- Everyone else — anonymous callers included — sees an entry only when it is approved and its
  owner keeps it public (`isPublic`). A submitted, rejected or non-public entry is shown only to
  who acts for its owner and to administrators.
- A resident owner is named to no one but that resident and the administrators: others see an
  owner of kind 'resident' without id or name, no contact, and a point location rounded to
  three decimals (about 100 m), so that the register does not tell where someone lives.
- The review's note, who reviewed and who changed the entry are shown to who acts for the owner.
- Of the linked Datastreams and Thing, each caller is shown only those it may read (`streams.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from stadsdata.catalog.register.devices import Device, Owner, Review, Sensor
from stadsdata.catalog.register.streams import Linked
from stadsdata.management.rights import Actor

GENERALISED_DECIMALS = 3  # a resident's point, as others see it: about 100 m


def acts_for(actor: Actor, owner_party_id: int) -> bool:
    return actor.is_admin or owner_party_id in actor.chain or owner_party_id in actor.below


def manages(actor: Actor, owner_party_id: int) -> bool:
    return actor.is_admin or (actor.caller.can_write and owner_party_id in actor.below)


def sees(actor: Actor, row: dict[str, Any]) -> bool:
    return acts_for(actor, row["owner_party_id"]) or (row["status"] == "approved" and bool(row["is_public"]))


def shown(actor: Actor, row: dict[str, Any], sensors: list[dict[str, Any]], parties: dict[int, dict[str, Any]], linked: Linked) -> Device:
    """The entry `row` (which the caller sees) with its `sensors` rows, as the caller is shown it."""
    owned = acts_for(actor, row["owner_party_id"])
    party = parties.get(row["owner_party_id"]) or {"id": row["owner_party_id"], "name": None, "kind": "organisation"}
    hidden = party["kind"] == "resident" and not (actor.is_admin or actor.caller.party_id == party["id"])
    owner = Owner(None, None, "resident") if hidden else Owner(party["id"], party["name"], party["kind"], party.get("uri"))
    contact = {k: row[f"contact_{k}"] for k in ("name", "email", "phone") if row[f"contact_{k}"]}
    geometry, bbox, generalised = row["geometry"], _bbox(row), False
    if hidden and geometry.get("type") == "Point":
        geometry = {"type": "Point", "coordinates": [round(c, GENERALISED_DECIMALS) for c in geometry["coordinates"][:2]]}
        bbox, generalised = (*geometry["coordinates"], *geometry["coordinates"]), True  # type: ignore[assignment]
    streams = linked.datastreams(i for s in sensors for i in s["datastream_ids"])
    review = Review(row["status"], row["review_note"], row["reviewed_by"], row["reviewed_at"]) if owned else Review(row["status"], None, None, None)
    return Device(
        id=row["id"], name=row["name"], description=row["description"], type=row["type"], owner=owner,
        contact=None if hidden else contact, geometry=geometry, bbox=bbox, location_description=row["location_description"],
        mobile=bool(row["mobile"]), themes=tuple(row["themes"]), purpose=row["purpose"], legal_ground=row["legal_ground"],
        legal_ground_url=row["legal_ground_url"], privacy_statement_url=row["privacy_statement_url"],
        personal_data=bool(row["personal_data"]), is_public=bool(row["is_public"]), is_open_data=bool(row["is_open_data"]),
        active_from=_day(row["active_from"]), active_until=_day(row["active_until"]), thing_id=linked.thing(row["thing_id"]),
        review=review, created_at=row["created_at"], updated_at=row["updated_at"],
        created_by=row["created_by"] if owned else None, updated_by=row["updated_by"] if owned else None,
        sensors=tuple(Sensor(
            s["id"], s["name"], s["description"], s["type"], s["manufacturer"], s["supplier"], s["documentation_url"],
            tuple(s["observes"]), tuple(streams[i] for i in s["datastream_ids"] if i in streams),
        ) for s in sensors),
        owned=owned, managed=manages(actor, row["owner_party_id"]), generalised=generalised,
    )  # fmt: skip


def _bbox(row: dict[str, Any]) -> tuple[float, float, float, float]:
    return (row["bbox_minx"], row["bbox_miny"], row["bbox_maxx"], row["bbox_maxy"])


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
