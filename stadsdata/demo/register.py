"""The demo city's sensor register: a handful of Veenhaven's devices as their owners registered
them, linked to the demo's Things and Datastreams by name — three of the municipality's air-quality
boxes, two garages' parking sensors, a camera that counts people on the Markt (personal data, with
its legal ground and privacy statement), resident Jansen's weather station, and the waste company's
fill-level sensors, still waiting for the municipality's review. Written when the city is seeded,
through the register itself (`catalog/register/`), as the owners and the municipality would."""

from __future__ import annotations

from datetime import date
from typing import Any

from shapely.geometry import Polygon, mapping

from stadsdata.access.policy import Caller
from stadsdata.catalog.register.register import Register
from stadsdata.demo import basemap, city, townplan
from stadsdata.service.core import Core
from stadsdata.store.base import Store

MUNICIPALITY = Caller(subject="demo:seed", is_admin=True, can_write=True)  # registers and reviews
PRIVACY = "https://veenhaven.example/privacy"
SDS011 = {"type": "optical particle counter", "manufacturer": "Nova Fitness", "documentationUrl": "https://example.org/sds011.pdf"}
START = date(2024, 3, 1)


def register_devices(store: Store, core: Core) -> int:
    """Register the demo's devices (once: an empty register only); how many were registered."""
    register = Register(store, core.access)
    if register.devices(MUNICIPALITY):
        return 0
    with store.read_only() as tx:
        parties = {p["name"]: p["id"] for p in tx.access.rows("parties", limit=10**6)}
        streams = {s["name"]: s for s in tx.access.rows("datastreams", limit=10**6)}

    def linked(site: str, *properties: str) -> dict[str, Any]:
        """The Thing of `site` and its Datastreams of `properties` (as the demo named them)."""
        found = [streams[f"{p} — {site}"] for p in properties]
        return {"thingId": found[0]["thing_id"], "datastreamIds": [s["id"] for s in found]}

    entries = [*_air(linked), *_parking(linked), _camera(), _weather_station(linked)]
    for owner, document in entries:
        register.register(MUNICIPALITY, document | {"ownerPartyId": parties[owner]})
    waste = Caller(subject="demo:afvalbedrijf", party_id=parties["Afvalbedrijf Groen BV"], can_write=True)
    register.register(waste, _waste(linked))  # by its owner: submitted, for the municipality to review
    return len(entries) + 1


def _point(site: city.Site) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [site.lon, site.lat]}


def _site(name: str) -> city.Site:
    return next(s for s in city.sites() if s.name == name)


def _contact(name: str, email: str) -> dict[str, str]:
    return {"name": name, "email": email}


def _air(linked: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for street in ("Markt", "Stationsweg", "Havenkade"):
        site = _site(f"Luchtsensor {street}")
        links = linked(site.name, "PM10", "PM2.5", "NO2", "Temperature", "Relative humidity", "Air pressure")
        out.append((city.CITY, {
            "name": f"Luchtmeetkast {street}", "type": "air-quality", "themes": ["ENVI", "HEAL"],
            "description": "Meetkast van het burgermeetnet luchtkwaliteit", "geometry": _point(site),
            "locationDescription": f"aan een lantaarnpaal, {street}", "purpose": "Luchtkwaliteit in de wijk volgen en fijnstofpieken zien",
            "personalData": False, "isOpenData": True, "activeFrom": START.isoformat(), "thingId": links["thingId"],
            "contact": _contact("Team Luchtkwaliteit", "lucht@veenhaven.example"),
            "sensors": [
                SDS011 | {"name": "SDS011", "observes": ["PM10", "PM2.5"], "datastreamIds": links["datastreamIds"][:2]},
                {"name": "BME280", "type": "temperature, humidity and pressure", "manufacturer": "Bosch",
                 "observes": ["NO2", "temperatuur", "luchtvochtigheid", "luchtdruk"], "datastreamIds": links["datastreamIds"][2:]},
            ],
        }))  # fmt: skip
    return out


def _parking(linked: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in ("Centrum", "Station"):
        site = _site(f"Parkeergarage {name}")
        links = linked(site.name, "Vacant parking spaces", "Parking capacity")
        out.append(("Parkeerbedrijf Veenhaven", {
            "name": f"Parkeersensoren garage {name}", "type": "parking", "themes": ["TRAN"], "geometry": _point(site),
            "locationDescription": f"in- en uitrit van parkeergarage {name}", "purpose": "Vrije plaatsen tonen op de parkeerverwijzing",
            "personalData": False, "isOpenData": True, "activeFrom": START.isoformat(), "thingId": links["thingId"],
            "contact": _contact("Parkeerbedrijf Veenhaven", "info@parkeren-veenhaven.example"),
            "sensors": [{"name": "Lusdetectoren", "type": "inductive loop", "observes": ["vrije plaatsen", "capaciteit"],
                         "datastreamIds": links["datastreamIds"]}],
        }))  # fmt: skip
    return out


def _camera() -> tuple[str, dict[str, Any]]:
    square = basemap.to_lonlat(Polygon(townplan.SQUARES["Markt"]))
    area = mapping(square)
    return city.CITY, {
        "name": "Telcamera Markt", "type": "camera", "themes": ["REGI", "JUST"],
        "description": "Camera die telt hoeveel mensen er op de Markt zijn; beelden worden niet bewaard",
        "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in area["coordinates"]]},
        "locationDescription": "boven de ingang van het stadhuis, gericht op de Markt",
        "purpose": "Drukte op de Markt meten om bij evenementen het publiek veilig te leiden",
        "personalData": True, "legalGround": "AVG art. 6 lid 1 sub e (taak van algemeen belang); Gemeentewet art. 172",
        "legalGroundUrl": "https://wetten.overheid.nl/BWBR0005416/", "privacyStatementUrl": f"{PRIVACY}/telcamera-markt",
        "activeFrom": "2025-04-01", "activeUntil": "2027-03-31", "contact": _contact("Team Openbare Orde", "drukte@veenhaven.example"),
        "sensors": [{"name": "Telcamera", "type": "camera with on-board people counting", "observes": ["aantal personen"]}],
    }  # fmt: skip


def _weather_station(linked: Any) -> tuple[str, dict[str, Any]]:
    site = _site("Bewonerssensor Beukenhof")
    links = linked(site.name, "Temperature", "PM10")
    return "Bewoner Jansen", {
        "name": "Weerstation in de tuin", "type": "weather", "themes": ["ENVI"], "geometry": _point(site),
        "purpose": "Temperatuur en fijnstof bij huis meten en delen met wie toestemming heeft", "personalData": False,
        "contact": _contact("Fam. Jansen", "jansen@example.org"), "thingId": links["thingId"],
        "sensors": [{"name": "Weerstation", "observes": ["temperatuur", "PM10"], "datastreamIds": links["datastreamIds"]}],
    }  # fmt: skip


def _waste(linked: Any) -> dict[str, Any]:
    site = next(s for s in city.sites() if s.kind == "waste")
    links = linked(site.name, "Fill level")
    return {
        "name": "Vulgraadsensor ondergrondse container", "type": "fill-level", "themes": ["ENVI", "REGI"], "geometry": _point(site),
        "purpose": "Containers legen wanneer ze vol zijn, niet op een vast schema", "personalData": False, "isOpenData": True,
        "activeFrom": "2026-01-01", "activeUntil": "2031-12-31", "thingId": links["thingId"],
        "contact": _contact("Afvalbedrijf Groen, klantenservice", "klant@groen.example"),
        "sensors": [{"name": "Ultrasone vulgraadsensor", "type": "ultrasonic distance", "observes": ["vulgraad"],
                     "datastreamIds": links["datastreamIds"]}],
    }  # fmt: skip
