"""What a CPO's pushes become in the platform, written through the core (so that the access
policy, pseudonymisation and the audit apply as for every other way in):

- each OCPI Location → a Thing (its Location from the coordinates; `properties.ocpi`: party,
  location id, address, city, postal code, operator, EVSE uids);
- each EVSE → Datastreams on that Thing, made on first use: `status` (OM_CategoryObservation:
  AVAILABLE, CHARGING, … — every status change an Observation at the EVSE's `last_updated`),
  `energy delivered (kWh)` (each CDR an Observation: its start–end interval, result
  `total_energy`) and `charging sessions (kWh)` (each Session PUT/PATCH an Observation of the
  session's state: start–end (or last_updated) interval, result `kwh` so far, the status and
  ids in `parameters`; the latest one is the session's current state);
- every Datastream goes into the CPO's dataset, whose `personal_fields` make the observation sink
  replace the charge card (`parameters.cdr_token.uid`, `parameters.cdr_token.contract_id`,
  `parameters.authorization_reference`) by pseudonyms before anything is stored.

The OCPI objects themselves (Locations, Tariffs; Sessions and CDRs with the same personal members
pseudonymised) are kept in `ocpi_objects`, with the local ids they map to, for the GETs of the
receiver interface and for merging PATCHes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.api.ocpi.models import parse_time
from stadsdata.api.ocpi.registrations import OBJECTS, Authenticated
from stadsdata.errors import ServiceUnavailable
from stadsdata.model.entities import ENTITY_TYPES
from stadsdata.model.values import Interval
from stadsdata.platform import Platform
from stadsdata.service.sink import Reading
from stadsdata.store.base import AccessRecords

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
SPEC = "https://github.com/ocpi/ocpi/blob/2.2.1/"
KWH = {"name": "kilowatt hour", "symbol": "kWh", "definition": "http://qudt.org/vocab/unit/KiloW-HR"}
# The paths the observation sink pseudonymises (`access/pseudonyms.py`), the CPO dataset's personal fields.
PERSONAL_FIELDS = ["parameters.cdr_token.uid", "parameters.cdr_token.contract_id", "parameters.authorization_reference"]


@dataclass(frozen=True)
class StreamKind:
    title: str
    observation_type: str
    unit: dict[str, str]
    property_name: str
    property_definition: str


STREAMS = {
    "status": StreamKind("status", OM + "OM_CategoryObservation",
                         {"name": "EVSE status", "symbol": "", "definition": SPEC + "mod_locations.asciidoc#mod_locations_status_enum"},
                         "EVSE status", SPEC + "mod_locations.asciidoc#mod_locations_status_enum"),
    "energy": StreamKind("energy delivered (kWh)", OM + "OM_Measurement", KWH,
                         "energy delivered", SPEC + "mod_cdrs.asciidoc#mod_cdrs_cdr_object"),
    "session": StreamKind("charging sessions (kWh)", OM + "OM_Measurement", KWH,
                          "energy delivered in a charging session", SPEC + "mod_sessions.asciidoc#mod_sessions_session_object"),
}  # fmt: skip


class Objects:
    """The rows of `ocpi_objects` of one registration, in the request's transaction."""

    def __init__(self, records: AccessRecords, registration_id: int, now: datetime) -> None:
        self.records = records
        self.registration_id = registration_id
        self.now = now

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        rows = self.records.rows(
            OBJECTS, {"registration_id": self.registration_id, "kind": kind, "object_key": key}, limit=1
        )
        return rows[0] if rows else None

    def put(self, kind: str, key: str, **values: Any) -> dict[str, Any]:
        """Create or update the row of (kind, key) with `values` (columns); the row after."""
        row = self.get(kind, key)
        if row is None:
            base = {"registration_id": self.registration_id, "kind": kind, "object_key": key, "created_at": self.now}
            self.records.insert_row(OBJECTS, base | {"updated_at": self.now} | values)
        else:
            self.records.update_row(OBJECTS, row["id"], {"updated_at": self.now} | values)
        found = self.get(kind, key)
        assert found is not None
        return found


def protected(pseudonymiser: Pseudonymiser | None, document: Mapping[str, Any]) -> dict[str, Any]:
    """A Session or CDR as it may be kept: the personal members (the token's uid and contract id,
    the authorization reference) replaced by the same pseudonyms the observation sink gives."""
    out = dict(document)
    if pseudonymiser is None:
        return out
    _, parameters = pseudonymiser.apply(
        PERSONAL_FIELDS, None, {k: out.get(k) for k in ("cdr_token", "authorization_reference")}
    )
    out.update({k: v for k, v in parameters.items() if k in out})
    return out


class Mirror:
    """Writes one registration's objects as Things, Datastreams and Observations, as an
    administrator named after the CPO (`ocpi:NL-EXA`; it writes only into what it mapped)."""

    def __init__(self, platform: Platform, auth: Authenticated, records: AccessRecords, now: datetime) -> None:
        self.platform = platform
        self.auth = auth
        self.objects = Objects(records, auth.row["id"], now)
        self.records = records
        self.caller = Caller(subject=f"ocpi:{auth.party}", is_admin=True, can_write=True)

    # -- entities -------------------------------------------------------------------------------
    def thing(self, location: Mapping[str, Any], before: Mapping[str, Any] | None, thing_id: int | None) -> int:
        """The Thing of an OCPI Location: created, or updated when it changed (a new position is a
        new SensorThings Location, kept in the Thing's history)."""
        body = self._thing_body(location)
        if thing_id is None:
            return self.platform.core.entities.create(
                self.caller, ENTITY_TYPES["Thing"], body | {"Locations": [self._place(location)]}
            )
        changes: dict[str, Any] = dict(body)
        if before is None or before.get("coordinates") != location.get("coordinates"):
            changes["Locations"] = [self._place(location)]
        self.platform.core.entities.patch(self.caller, ENTITY_TYPES["Thing"], thing_id, changes)
        return thing_id

    def _thing_body(self, location: Mapping[str, Any]) -> dict[str, Any]:
        name = location.get("name") or f"{location['address']}, {location['city']}"
        ocpi = {
            "party": self.auth.party, "location_id": location["id"], "address": location["address"], "city": location["city"],
            "postal_code": location.get("postal_code"), "country": location["country"],
            "operator": (location.get("operator") or {}).get("name"), "parking_type": location.get("parking_type"),
            "evse_uids": [e["uid"] for e in location.get("evses") or []], "last_updated": location["last_updated"],
        }  # fmt: skip
        return {
            "name": name,
            "description": f"charging location {location['id']} of CPO {self.auth.party} (OCPI)",
            "properties": {"ocpi": ocpi},
        }

    @staticmethod
    def _place(location: Mapping[str, Any]) -> dict[str, Any]:
        point = [float(location["coordinates"]["longitude"]), float(location["coordinates"]["latitude"])]
        return {"name": location.get("name") or location["address"], "description": f"{location['address']}, {location['city']}",
                "encodingType": "application/geo+json", "location": {"type": "Point", "coordinates": point}}  # fmt: skip

    def stream(self, location_key: str, evse: Mapping[str, Any], kind: str) -> int:
        """The Datastream `kind` (STREAMS) of an EVSE of Location `location_key` ('NL-EXA/LOC1'),
        made on first use in the CPO's dataset."""
        key = f"{location_key}/{evse['uid']}/{kind}"
        row = self.objects.get("stream", key)
        if row is not None:
            return int(row["local_id"])
        location = self.objects.get("location", location_key)
        assert location is not None and location["local_id"] is not None, "the Location is stored before its streams"
        spec, location_id = STREAMS[kind], location["document"]["id"]
        known = next((e for e in location["document"].get("evses") or [] if e.get("uid") == evse["uid"]), {})
        label = evse.get("evse_id") or known.get("evse_id") or evse["uid"]
        body = {
            "name": f"{location['document'].get('name') or location_id} EVSE {label} {spec.title}",
            "description": f"{spec.title} of EVSE {label} at charging location {location_id} of CPO {self.auth.party} (OCPI)",
            "observationType": spec.observation_type, "unitOfMeasurement": spec.unit,
            "properties": {"ocpi": {"party": self.auth.party, "location_id": location_id, "evse_uid": evse["uid"], "evse_id": label}},
            "Thing": {"@iot.id": location["local_id"]}, "Sensor": {"@iot.id": self._sensor()},
            "ObservedProperty": {"@iot.id": self._observed_property(kind)},
        }  # fmt: skip
        stream_id = self.platform.core.entities.create(self.caller, ENTITY_TYPES["Datastream"], body)
        if self.auth.row["dataset_id"] is not None:
            self.records.assign_streams(self.auth.row["dataset_id"], [stream_id], [])
        self.objects.put("stream", key, local_id=stream_id)
        return stream_id

    def _sensor(self) -> int:
        row = self.objects.get("entity", "Sensor")
        if row is not None:
            return int(row["local_id"])
        body = {"name": f"OCPI feed of CPO {self.auth.party}", "description": f"what CPO {self.auth.party} ({self.auth.row['name']}) pushes over OCPI 2.2.1",
                "encodingType": "text/html", "metadata": SPEC}  # fmt: skip
        sensor = self.platform.core.entities.create(self.caller, ENTITY_TYPES["Sensor"], body)
        self.objects.put("entity", "Sensor", local_id=sensor)
        return sensor

    def _observed_property(self, kind: str) -> int:
        row = self.objects.get("entity", f"ObservedProperty:{kind}")
        if row is not None:
            return int(row["local_id"])
        spec = STREAMS[kind]
        body = {
            "name": spec.property_name,
            "definition": spec.property_definition,
            "description": f"{spec.property_name} (OCPI 2.2.1)",
        }
        made = self.platform.core.entities.create(self.caller, ENTITY_TYPES["ObservedProperty"], body)
        self.objects.put("entity", f"ObservedProperty:{kind}", local_id=made)
        return made

    # -- readings -------------------------------------------------------------------------------
    def status(self, location_key: str, evse: Mapping[str, Any], field: str) -> Reading:
        """An EVSE's status at its `last_updated`, once per (party, location, EVSE, time): the
        key 'ocpi:NL-EXA:LOC1:3256:2024-11-07T22:39:09Z'."""
        return Reading(
            parse_time(evse["last_updated"]), evse["status"], self.stream(location_key, evse, "status"),
            parameters={"evse_id": evse.get("evse_id")} if evse.get("evse_id") else None,
            key=f"ocpi:{location_key.replace('/', ':')}:{evse['uid']}:{evse['last_updated']}", field=field,
        )  # fmt: skip

    def _require_dataset(self) -> None:
        """Personal members are stored only in streams of the CPO's dataset, whose personal fields
        the sink pseudonymises: without it nothing is stored (never the raw charge card)."""
        if self.auth.row["dataset_id"] is None:
            raise ServiceUnavailable(
                f"CPO {self.auth.party} has no dataset (with personal fields) to store sessions and CDRs in"
            )

    def session(self, owner: str, session: Mapping[str, Any]) -> Reading:
        """A Session's state: an Observation of its EVSE's `session` stream."""
        self._require_dataset()
        evse = {"uid": session["evse_uid"]}
        start = parse_time(session["start_date_time"])
        end = parse_time(session.get("end_date_time") or session["last_updated"])
        parameters = {
            "session_id": session["id"], "status": session["status"], "auth_method": session["auth_method"],
            "cdr_token": session["cdr_token"], "authorization_reference": session.get("authorization_reference"),
            "connector_id": session["connector_id"], "currency": session["currency"], "total_cost": session.get("total_cost"),
            "last_updated": session["last_updated"],
        }  # fmt: skip
        return Reading(
            Interval(start, max(start, end)), float(session["kwh"]), self.stream(f"{owner}/{session['location_id']}", evse, "session"),
            parameters=parameters, result_time=parse_time(session["last_updated"]),
            key=f"ocpi:{owner}:session:{session['id']}:{session['last_updated']}", field="session",
        )  # fmt: skip

    def cdr(self, owner: str, cdr: Mapping[str, Any]) -> Reading:
        """A CDR: an Observation of its EVSE's `energy` stream over the charging interval."""
        self._require_dataset()
        where = cdr["cdr_location"]
        evse = {"uid": where["evse_uid"], "evse_id": where.get("evse_id")}
        start, end = parse_time(cdr["start_date_time"]), parse_time(cdr["end_date_time"])
        parameters = {
            "cdr_id": cdr["id"], "session_id": cdr.get("session_id"), "auth_method": cdr["auth_method"], "cdr_token": cdr["cdr_token"],
            "authorization_reference": cdr.get("authorization_reference"), "connector_id": where["connector_id"],
            "currency": cdr["currency"], "total_cost": cdr["total_cost"], "total_time": cdr["total_time"],
            "total_parking_time": cdr.get("total_parking_time"), "tariff_ids": [t.get("id") for t in cdr.get("tariffs") or [] if isinstance(t, dict)],
            "last_updated": cdr["last_updated"],
        }  # fmt: skip
        return Reading(
            Interval(start, max(start, end)), float(cdr["total_energy"]), self.stream(f"{owner}/{where['id']}", evse, "energy"),
            parameters=parameters, result_time=parse_time(cdr["last_updated"]), key=f"ocpi:{owner}:cdr:{cdr['id']}", field="cdr",
        )  # fmt: skip
