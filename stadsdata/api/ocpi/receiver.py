"""The receiver interfaces of the OCPI 2.2.1 modules Locations, Sessions, CDRs and Tariffs: one
function per (module, method) over a parsed body, in one write transaction with the `Mirror`
(`storage.py`). A handler raises `Refused` (OCPI 2001, the member named) or returns an `Answer`
(2003 for an unknown Location, 404 for an unknown object); `handle` quarantines every push that is
not accepted, with its raw body, so that nothing a CPO sent is lost (`routes.py` replays it)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from stadsdata.api.ocpi.envelope import Answer, invalid, not_found, unknown_location
from stadsdata.api.ocpi.models import (
    Cdr,
    Connector,
    Evse,
    Location,
    Refused,
    Session,
    Tariff,
    check,
    check_patch,
    parse_time,
)
from stadsdata.api.ocpi.registrations import Authenticated
from stadsdata.api.ocpi.storage import Mirror, protected
from stadsdata.errors import ProblemError
from stadsdata.ingest.pipeline import Message
from stadsdata.platform import Platform

PUSHES = frozenset({"PUT", "PATCH", "POST", "DELETE"})


@dataclass(frozen=True)
class Push:
    """One request of a CPO to a module: `segments` are the path after the module's URL
    (country code, party id, object id, …); `base` the module's URL (for a CDR's Location)."""

    method: str
    module: str
    segments: tuple[str, ...]
    body: bytes
    base: str

    @property
    def topic(self) -> str:
        """How the request is kept in the quarantine: 'PUT locations/NL/EXA/LOC1'."""
        return " ".join([self.method, "/".join([self.module, *self.segments])])


Handler = Callable[[Mirror, Push, Any], Answer]


def handle(platform: Platform, auth: Authenticated, push: Push, *, quarantined: int | None = None) -> Answer:
    """Answer the push (or a replay of quarantine row `quarantined`); a refused push is kept
    in the quarantine as `ocpi:<party>` with the OCPI answer's message as its reason."""
    handler = HANDLERS.get((push.module, push.method, _shape(push)))
    if handler is None:
        return Answer(
            2000,
            f"{push.method} of {push.module}/{'/'.join(push.segments)} is not part of the receiver interface",
            http_status=405,
        )
    answer = _answer(platform, auth, push, handler)
    if push.method in PUSHES and not answer.ok and answer.status_code < 3000:
        message = Message(f"ocpi:{auth.party}", push.topic, push.body, subject=f"ocpi:{auth.party}")
        platform.ingestor.refuse(message, answer.message, answer.refused_field, quarantined=quarantined)
    return answer


def _shape(push: Push) -> int:
    return len(push.segments)


def _answer(platform: Platform, auth: Authenticated, push: Push, handler: Handler) -> Answer:
    document: Any = None
    if push.method in ("PUT", "PATCH", "POST"):
        try:
            document = orjson.loads(push.body)
        except orjson.JSONDecodeError as exc:
            return invalid(f"the body is not JSON ({exc})", "body", http_status=400)
    if len(push.segments) >= 2 and not auth.owns(push.segments[0], push.segments[1]):
        return Answer(
            2000, f"{push.segments[0]}/{push.segments[1]} is not a party of these credentials", http_status=404
        )
    try:
        with platform.store.write() as tx:
            return handler(Mirror(platform, auth, tx.access, datetime.now(UTC)), push, document)
    except Refused as exc:
        return invalid(exc.reason, exc.member)
    except ProblemError as exc:  # refused by the core (a value it cannot store) or the server (5xx)
        if exc.status >= 500:
            return Answer(3000, f"not stored: {exc.detail}", http_status=exc.status)
        return invalid(exc.detail, exc.field)


def _owner(push: Push) -> str:
    return f"{push.segments[0].upper()}-{push.segments[1].upper()}"


def _same_ids(push: Push, document: dict[str, Any]) -> None:
    """The country code, party id and id of a pushed object are those of its URL (spec: 2001)."""
    for member, value in zip(("country_code", "party_id", "id"), push.segments[:3], strict=False):
        if str(document.get(member, "")).upper() != value.upper():
            raise Refused(member, f"is {document.get(member)!r} but the URL says {value!r}")


def _older(document: dict[str, Any], stored: dict[str, Any] | None) -> bool:
    """Whether a pushed object is older than what is stored (then it changes nothing)."""
    return stored is not None and parse_time(document["last_updated"]) < parse_time(stored["last_updated"])


def _ignored() -> Answer:
    return Answer(message="Success: older than the stored object (last_updated), nothing changed")


# -- Locations ----------------------------------------------------------------------------------
def _stored_location(mirror: Mirror, push: Push) -> tuple[str, dict[str, Any] | None]:
    key = f"{_owner(push)}/{push.segments[2]}"
    row = mirror.objects.get("location", key)
    return key, row


def _save_location(mirror: Mirror, key: str, location: dict[str, Any], row: dict[str, Any] | None) -> Answer:
    """Store a Location as it is now: the Thing, the document, a status Observation for each EVSE
    whose status changed (or is new)."""
    check(Location, location)
    before = row["document"] if row else None
    thing = mirror.thing(location, before, row["local_id"] if row else None)
    mirror.objects.put(
        "location", key, local_id=thing, document=location, last_updated=parse_time(location["last_updated"])
    )
    previous = {e["uid"]: e.get("status") for e in (before or {}).get("evses") or []}
    readings = [
        mirror.status(key, evse, f"evses[{i}]") for i, evse in enumerate(location.get("evses") or [])
        if previous.get(evse["uid"]) != evse["status"]
    ]  # fmt: skip
    if readings:
        mirror.platform.core.observations.write(mirror.caller, readings)
    return Answer(http_status=200 if row else 201)


def _evse_of(location: dict[str, Any], uid: str) -> tuple[int, dict[str, Any]] | None:
    for i, evse in enumerate(location.get("evses") or []):
        if evse.get("uid") == uid:
            return i, evse
    return None


def put_location(mirror: Mirror, push: Push, document: Any) -> Answer:
    check(Location, document)
    _same_ids(push, document)
    key, row = _stored_location(mirror, push)
    if row and _older(document, row["document"]):
        return _ignored()
    return _save_location(mirror, key, document, row)


def patch_location(mirror: Mirror, push: Push, document: Any) -> Answer:
    check_patch(Location, document)
    key, row = _stored_location(mirror, push)
    if row is None:
        return unknown_location(push.segments[2])
    if _older(document, row["document"]):
        return _ignored()
    return _save_location(mirror, key, row["document"] | document, row)


def put_evse(mirror: Mirror, push: Push, document: Any) -> Answer:
    check(Evse, document)
    return _change_evse(mirror, push, document, replace=True)


def patch_evse(mirror: Mirror, push: Push, document: Any) -> Answer:
    check_patch(Evse, document)
    return _change_evse(mirror, push, document, replace=False)


def _change_evse(mirror: Mirror, push: Push, document: dict[str, Any], *, replace: bool) -> Answer:
    uid = push.segments[3]
    if str(document.get("uid", uid)) != uid:
        raise Refused("uid", f"is {document.get('uid')!r} but the URL says {uid!r}")
    key, row = _stored_location(mirror, push)
    if row is None:
        return unknown_location(push.segments[2])
    location = copy.deepcopy(row["document"])
    found = _evse_of(location, uid)
    if found is None and not replace:
        return unknown_location(f"{push.segments[2]}/{uid} (no such EVSE)")
    if found is not None and _older(document, found[1]):
        return _ignored()
    evse = document if replace else found[1] | document  # type: ignore[index]
    evses = location.setdefault("evses", [])
    if found is None:
        evses.append(evse)
    else:
        evses[found[0]] = evse
    location["last_updated"] = document["last_updated"]  # the spec: the parent's last_updated too
    answer = _save_location(mirror, key, location, row)
    return Answer(http_status=201 if found is None else 200) if answer.ok else answer


def put_connector(mirror: Mirror, push: Push, document: Any) -> Answer:
    check(Connector, document)
    return _change_connector(mirror, push, document, replace=True)


def patch_connector(mirror: Mirror, push: Push, document: Any) -> Answer:
    check_patch(Connector, document)
    return _change_connector(mirror, push, document, replace=False)


def _change_connector(mirror: Mirror, push: Push, document: dict[str, Any], *, replace: bool) -> Answer:
    uid, connector_id = push.segments[3], push.segments[4]
    if str(document.get("id", connector_id)) != connector_id:
        raise Refused("id", f"is {document.get('id')!r} but the URL says {connector_id!r}")
    key, row = _stored_location(mirror, push)
    found = _evse_of(row["document"], uid) if row else None
    if row is None or found is None:
        return unknown_location(f"{push.segments[2]}/{uid}")
    location = copy.deepcopy(row["document"])
    evse = location["evses"][found[0]]
    connectors = evse.setdefault("connectors", [])
    index = next((i for i, c in enumerate(connectors) if c.get("id") == connector_id), None)
    if index is None and not replace:
        return unknown_location(f"{push.segments[2]}/{uid}/{connector_id} (no such connector)")
    if index is not None and _older(document, connectors[index]):
        return _ignored()
    if index is None:
        connectors.append(document)
    else:
        connectors[index] = document if replace else connectors[index] | document
    evse["last_updated"] = location["last_updated"] = document["last_updated"]
    answer = _save_location(mirror, key, location, row)
    return Answer(http_status=201 if index is None else 200) if answer.ok else answer


def get_location(mirror: Mirror, push: Push, document: Any) -> Answer:
    _, row = _stored_location(mirror, push)
    if row is None:
        return unknown_location(push.segments[2])
    found: Any = row["document"]
    if len(push.segments) > 3:
        evse = _evse_of(found, push.segments[3])
        found = evse[1] if evse else None
    if found is not None and len(push.segments) > 4:
        found = next((c for c in found.get("connectors") or [] if c.get("id") == push.segments[4]), None)
    if found is None:
        return not_found("/".join(push.segments))
    return Answer(data=found)


# -- Sessions -----------------------------------------------------------------------------------
def put_session(mirror: Mirror, push: Push, document: Any) -> Answer:
    check(Session, document)
    _same_ids(push, document)
    return _save_session(mirror, push, document)


def patch_session(mirror: Mirror, push: Push, document: Any) -> Answer:
    check_patch(Session, document)
    row = mirror.objects.get("session", f"{_owner(push)}/{push.segments[2]}")
    if row is None:
        return not_found(f"Session {'/'.join(push.segments)}")
    return _save_session(mirror, push, row["document"] | document)


def _save_session(mirror: Mirror, push: Push, session: dict[str, Any]) -> Answer:
    key = f"{_owner(push)}/{push.segments[2]}"
    row = mirror.objects.get("session", key)
    if row and _older(session, row["document"]):
        return _ignored()
    if mirror.objects.get("location", f"{_owner(push)}/{session['location_id']}") is None:
        return unknown_location(f"{session['location_id']} (of the Session)")
    mirror.platform.core.observations.write(mirror.caller, [mirror.session(_owner(push), session)])
    kept = protected(mirror.platform.core.pseudonymiser, session)
    mirror.objects.put("session", key, document=kept, last_updated=parse_time(session["last_updated"]))
    return Answer(http_status=200 if row else 201)


def get_session(mirror: Mirror, push: Push, document: Any) -> Answer:
    row = mirror.objects.get("session", f"{_owner(push)}/{push.segments[2]}")
    return Answer(data=row["document"]) if row else not_found(f"Session {'/'.join(push.segments)}")


# -- CDRs ---------------------------------------------------------------------------------------
def post_cdr(mirror: Mirror, push: Push, document: Any) -> Answer:
    check(Cdr, document)
    if not mirror.auth.owns(document["country_code"], document["party_id"]):
        raise Refused(
            "party_id", f"{document['country_code']}/{document['party_id']} is not a party of these credentials"
        )
    owner = f"{document['country_code'].upper()}-{document['party_id'].upper()}"
    key = f"{owner}/{document['id']}"
    url = f"{push.base}/{document['country_code']}/{document['party_id']}/{document['id']}"
    if mirror.objects.get("cdr", key) is not None:
        return Answer(message="Success: this CDR was received before", headers={"Location": url})  # CDRs do not change
    if mirror.objects.get("location", f"{owner}/{document['cdr_location']['id']}") is None:
        return unknown_location(f"{document['cdr_location']['id']} (cdr_location.id)")
    mirror.platform.core.observations.write(mirror.caller, [mirror.cdr(owner, document)])
    kept = protected(mirror.platform.core.pseudonymiser, document)
    mirror.objects.put("cdr", key, document=kept, last_updated=parse_time(document["last_updated"]))
    return Answer(http_status=201, headers={"Location": url})


def get_cdr(mirror: Mirror, push: Push, document: Any) -> Answer:
    row = mirror.objects.get("cdr", f"{_owner(push)}/{push.segments[2]}")
    return Answer(data=row["document"]) if row else not_found(f"CDR {'/'.join(push.segments)}")


# -- Tariffs ------------------------------------------------------------------------------------
def put_tariff(mirror: Mirror, push: Push, document: Any) -> Answer:
    check(Tariff, document)
    _same_ids(push, document)
    key = f"{_owner(push)}/{push.segments[2]}"
    row = mirror.objects.get("tariff", key)
    if row and row["status"] == "active" and _older(document, row["document"]):
        return _ignored()
    mirror.objects.put(
        "tariff", key, document=document, last_updated=parse_time(document["last_updated"]), status="active"
    )
    return Answer(http_status=200 if row else 201)


def delete_tariff(mirror: Mirror, push: Push, document: Any) -> Answer:
    key = f"{_owner(push)}/{push.segments[2]}"
    row = mirror.objects.get("tariff", key)
    if row is None or row["status"] != "active":
        return not_found(f"Tariff {'/'.join(push.segments)}")
    mirror.objects.put("tariff", key, status="deleted")  # kept, marked: nothing is lost
    return Answer()


def get_tariff(mirror: Mirror, push: Push, document: Any) -> Answer:
    row = mirror.objects.get("tariff", f"{_owner(push)}/{push.segments[2]}")
    return (
        Answer(data=row["document"])
        if row and row["status"] == "active"
        else not_found(f"Tariff {'/'.join(push.segments)}")
    )


# (module, method, number of path segments after the module's URL) -> handler
HANDLERS: dict[tuple[str, str, int], Handler] = {
    ("locations", "GET", 3): get_location, ("locations", "GET", 4): get_location, ("locations", "GET", 5): get_location,
    ("locations", "PUT", 3): put_location, ("locations", "PATCH", 3): patch_location,
    ("locations", "PUT", 4): put_evse, ("locations", "PATCH", 4): patch_evse,
    ("locations", "PUT", 5): put_connector, ("locations", "PATCH", 5): patch_connector,
    ("sessions", "GET", 3): get_session, ("sessions", "PUT", 3): put_session, ("sessions", "PATCH", 3): patch_session,
    ("cdrs", "POST", 0): post_cdr, ("cdrs", "GET", 3): get_cdr,
    ("tariffs", "GET", 3): get_tariff, ("tariffs", "PUT", 3): put_tariff, ("tariffs", "DELETE", 3): delete_tariff,
}  # fmt: skip
MODULES = ("locations", "sessions", "cdrs", "tariffs")
