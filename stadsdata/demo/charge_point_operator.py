"""A charge point operator of the demo city that talks OCPI 2.2.1 to the platform, as a real CPO's
system does (Utrecht's case: the municipality receives its own charging data from the CPOs):

1. at the start of `serve --demo`, the municipality's administrator registers the CPO (LaadNet
   Veenhaven, NL/LNV; its dataset restricted, owned by LaadNet, read by the municipality under a
   grant) or asks for a new registration token A;
2. the CPO does the credentials handshake with it (versions, version details, POST credentials
   with its token B) and gets its token C;
3. it pushes its six charge points (Locations with two EVSEs each) once, then, every round, the
   EVSE status changes (PATCH) and, for every session that ended, a CDR with the energy and the
   driver's charge card (its uid and contract id pseudonymised by the platform at ingest).

It runs over HTTP against this server, in a thread of the demo simulator's process."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from stadsdata.demo import signals

log = logging.getLogger(__name__)
COUNTRY, PARTY = "NL", "LNV"
NAME = "LaadNet Veenhaven BV"
VERSION = "2.2.1"
# id, street, lon, lat
LOCATIONS = [
    ("VH-OCPI-01", "Spoorlaan 2", 6.0874, 52.5049), ("VH-OCPI-02", "Havenkade 14", 6.1043, 52.5125),
    ("VH-OCPI-03", "Markt 1", 6.0919, 52.5127), ("VH-OCPI-04", "Noorderweg 88", 6.0989, 52.5259),
    ("VH-OCPI-05", "Veenlaan 31", 6.0802, 52.5161), ("VH-OCPI-06", "Kerkstraat 7", 6.0951, 52.5093),
]  # fmt: skip
STATUS = {"Available": "AVAILABLE", "Charging": "CHARGING", "Faulted": "OUTOFORDER"}
CARDS = [f"04A1{n:04X}B2" for n in range(24)]  # the drivers' RFID cards (pseudonymised at ingest)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DemoChargePointOperator:
    def __init__(self, base_url: str, admin_key: str, *, interval_s: float = 30.0) -> None:
        self.base = base_url.rstrip("/")
        self.admin = {"X-API-Key": admin_key}
        self.interval_s = interval_s
        self.token = ""
        self.status: dict[tuple[str, str], str] = {}
        self.sessions: dict[tuple[str, str], datetime] = {}  # EVSE -> when its session started
        self.pushed = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the municipality registers the CPO; the CPO does the handshake -------------------------------
    def register(self, http: httpx.Client) -> bool:
        """Register (or register again) and do the handshake; whether the CPO is new here."""
        parties = http.get("/api/v1/ocpi/parties", headers=self.admin).json()["_embedded"]["parties"]
        mine = next((p for p in parties if (p["countryCode"], p["partyId"]) == (COUNTRY, PARTY)), None)
        if mine is None:
            owner = next((p["id"] for p in http.get("/api/v1/parties?limit=1000", headers=self.admin).json()["_embedded"]["parties"]
                          if p["name"] == NAME), None)  # fmt: skip
            made = http.post("/api/v1/ocpi/parties", headers=self.admin, json={
                "name": NAME, "countryCode": COUNTRY, "partyId": PARTY, "accessLevel": "restricted", "ownerPartyId": owner})  # fmt: skip
            made.raise_for_status()
            registration = made.json()
            self._grant_the_city(http, registration["datasetId"])
            new = True
        else:
            answer = http.post(f"/api/v1/ocpi/parties/{mine['id']}/registration-token", headers=self.admin)
            answer.raise_for_status()
            registration = answer.json()
            new = False
        self.token = registration["registrationToken"]
        versions = self._ocpi(http, "GET", "/ocpi/versions")["data"]
        details = self._ocpi(http, "GET", next(v["url"] for v in versions if v["version"] == VERSION))["data"]
        credentials = next(e["url"] for e in details["endpoints"] if e["identifier"] == "credentials")
        ours = self._ocpi(http, "POST", credentials, {
            "token": str(uuid.uuid4()), "url": f"{self.base}/demo/cpo/ocpi/versions",
            "roles": [{"role": "CPO", "party_id": PARTY, "country_code": COUNTRY, "business_details": {"name": NAME}}],
        })  # fmt: skip
        self.token = ours["data"]["token"]
        return new

    def _grant_the_city(self, http: httpx.Client, dataset_id: int) -> None:
        parties = http.get("/api/v1/parties?limit=1000", headers=self.admin).json()["_embedded"]["parties"]
        city = next((p["id"] for p in parties if p["name"] == "Gemeente Veenhaven"), None)
        if city is not None:
            http.post(f"/api/v1/datasets/{dataset_id}/grants", headers=self.admin, json={"partyId": city}).raise_for_status()

    # -- what the CPO pushes ------------------------------------------------------------------------------
    def push_locations(self, http: httpx.Client, now: datetime) -> None:
        for n, (location_id, street, lon, lat) in enumerate(LOCATIONS):
            evses = []
            for e in (1, 2):
                status = STATUS[signals.charge_status(900 + n * 2 + e, now)]
                self.status[location_id, f"{location_id}-{e}"] = status
                evses.append({
                    "uid": f"{location_id}-{e}", "evse_id": f"{COUNTRY}*{PARTY}*E{location_id[-2:]}{e}", "status": status,
                    "connectors": [{"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
                                    "max_voltage": 400, "max_amperage": 32, "last_updated": _time(now)}],
                    "last_updated": _time(now),
                })  # fmt: skip
            self._ocpi(http, "PUT", f"/ocpi/{VERSION}/locations/{COUNTRY}/{PARTY}/{location_id}", {
                "country_code": COUNTRY, "party_id": PARTY, "id": location_id, "publish": True, "name": f"Laadplein {street}",
                "address": street, "city": "Veenhaven", "country": "NLD",
                "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"}, "parking_type": "ON_STREET",
                "evses": evses, "operator": {"name": NAME}, "time_zone": "Europe/Amsterdam", "last_updated": _time(now),
            })  # fmt: skip

    def push_history(self, http: httpx.Client, now: datetime, hours: int = 48) -> None:
        """The sessions of the last `hours` as CDRs (a new CPO's first push), then the current status."""
        start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)
        self.push_locations(http, start)
        for hour in range(1, hours + 1):
            self.push_round(http, start + timedelta(hours=hour), statuses=False)

    def push_round(self, http: httpx.Client, now: datetime, *, statuses: bool = True) -> None:
        """The status changes since the last round, and a CDR for each session that ended."""
        for n, (location_id, *_rest) in enumerate(LOCATIONS):
            for e in (1, 2):
                evse = (location_id, f"{location_id}-{e}")
                status = STATUS[signals.charge_status(900 + n * 2 + e, now)]
                if status == self.status.get(evse):
                    continue
                if statuses:
                    self._ocpi(http, "PATCH", f"/ocpi/{VERSION}/locations/{COUNTRY}/{PARTY}/{location_id}/{evse[1]}",
                               {"status": status, "last_updated": _time(now)})  # fmt: skip
                if status == "CHARGING":
                    self.sessions[evse] = now
                elif self.status.get(evse) == "CHARGING" and evse in self.sessions:
                    self._cdr(http, evse, self.sessions.pop(evse), now)
                self.status[evse] = status

    def _cdr(self, http: httpx.Client, evse: tuple[str, str], start: datetime, end: datetime) -> None:
        rng = random.Random(f"{evse}{start}")
        hours = max((end - start).total_seconds() / 3600, 0.25)
        energy = round(min(11.0 * hours, rng.uniform(4, 38)), 3)
        card = rng.choice(CARDS)
        location = next(loc for loc in LOCATIONS if loc[0] == evse[0])
        self._ocpi(http, "POST", f"/ocpi/{VERSION}/cdrs", {
            "country_code": COUNTRY, "party_id": PARTY, "id": f"CDR-{evse[1]}-{int(end.timestamp())}",
            "start_date_time": _time(start), "end_date_time": _time(end), "session_id": f"S-{evse[1]}-{int(start.timestamp())}",
            "cdr_token": {"country_code": COUNTRY, "party_id": "MSP", "uid": card, "type": "RFID", "contract_id": f"NL-MSP-C{card}-X"},
            "auth_method": "WHITELIST", "currency": "EUR",
            "cdr_location": {"id": evse[0], "address": location[1], "city": "Veenhaven", "country": "NLD",
                             "coordinates": {"latitude": f"{location[3]:.6f}", "longitude": f"{location[2]:.6f}"},
                             "evse_uid": evse[1], "evse_id": f"{COUNTRY}*{PARTY}*E{evse[0][-2:]}{evse[1][-1]}", "connector_id": "1",
                             "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET", "connector_power_type": "AC_3_PHASE"},
            "charging_periods": [{"start_date_time": _time(start), "dimensions": [{"type": "ENERGY", "volume": energy}]}],
            "total_cost": {"excl_vat": round(energy * 0.39, 2), "incl_vat": round(energy * 0.39 * 1.21, 2)},
            "total_energy": energy, "total_time": round(hours, 3), "last_updated": _time(end),
        })  # fmt: skip

    def _ocpi(self, http: httpx.Client, method: str, url: str, body: Any = None) -> dict[str, Any]:
        import base64

        token = base64.b64encode(self.token.encode()).decode()
        answer = http.request(method, url, json=body, headers={"Authorization": f"Token {token}", "X-Request-ID": str(uuid.uuid4()),
                                                                "X-Correlation-ID": str(uuid.uuid4())})  # fmt: skip
        document = answer.json()
        if answer.status_code >= 300 or document.get("status_code", 1000) >= 2000:
            raise RuntimeError(f"OCPI {method} {url}: HTTP {answer.status_code}, {document.get('status_code')} {document.get('status_message')}")
        self.pushed += 1
        return document  # type: ignore[no-any-return]

    # -- in the background ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-cpo", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self._stop.is_set():  # the server answers once its start is done
                try:
                    http.get("/healthz").raise_for_status()
                    break
                except httpx.HTTPError:
                    self._stop.wait(0.5)
            try:
                if self.register(http):
                    self.push_history(http, datetime.now(UTC))
                self.push_locations(http, datetime.now(UTC))
            except (httpx.HTTPError, RuntimeError, KeyError, StopIteration) as exc:
                log.warning("demo CPO: could not register or push its locations: %s", exc)
                return
            log.info("demo CPO %s/%s: registered over OCPI %s, %d charge points pushed", COUNTRY, PARTY, VERSION, len(LOCATIONS))
            while not self._stop.wait(self.interval_s):
                try:
                    self.push_round(http, datetime.now(UTC))
                except (httpx.HTTPError, RuntimeError) as exc:
                    log.warning("demo CPO: a round failed: %s", exc)

