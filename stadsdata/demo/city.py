"""The demo city: Veenhaven, a fictional municipality, with the sensor kinds of the report
(Deel 2): citizen air sensors, garages, public charge points, groundwater wells, grass fields,
smart street lights, waste containers, heavy-traffic counters — and a few residents' own air
sensors. Who owns which dataset, at which access level, and where each sensor stands."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stadsdata.demo import signals

CITY = "Gemeente Veenhaven"
CENTRE = (6.0917, 52.5125)  # lon, lat
UNITS = {
    "ugm3": {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3"},
    "degC": {"name": "degree Celsius", "symbol": "°C", "definition": "http://qudt.org/vocab/unit/DEG_C"},
    "percent": {"name": "percent", "symbol": "%", "definition": "http://qudt.org/vocab/unit/PERCENT"},
    "hPa": {"name": "hectopascal", "symbol": "hPa", "definition": "http://qudt.org/vocab/unit/HectoPA"},
    "count": {"name": "count", "symbol": "", "definition": "http://qudt.org/vocab/unit/NUM"},
    "kWh": {"name": "kilowatt hour", "symbol": "kWh", "definition": "http://qudt.org/vocab/unit/KiloW-HR"},
    "mNAP": {"name": "metre relative to NAP", "symbol": "m NAP", "definition": "http://qudt.org/vocab/unit/M"},
    "cm": {"name": "centimetre", "symbol": "cm", "definition": "http://qudt.org/vocab/unit/CentiM"},
    "state": {"name": "state", "symbol": "", "definition": "https://github.com/openchargealliance (OCPP 1.6 status)"},
}
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
CATEGORY = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation"


@dataclass(frozen=True)
class Stream:
    key: str
    property: str  # ObservedProperty name
    definition: str
    unit: str  # a key of UNITS
    every_minutes: int  # cadence of readings
    value: Callable[[int, datetime], Any]  # (site seed, moment) -> result, or None: no reading then
    observation_type: str = MEASUREMENT


@dataclass(frozen=True)
class Site:
    key: str  # stable identity, e.g. 'air-07' (also the HTTP push identity)
    name: str
    kind: str
    theme: str  # air, parking, charging, public-space, traffic
    dataset: str  # a key of DATASETS
    lon: float
    lat: float
    seed: int
    streams: tuple[Stream, ...]
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Party:
    name: str
    kind: str  # organisation, company, resident
    parent: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    level: str  # public, restricted, non-public
    owner: str  # a party name
    description: str


PARTIES = (
    Party(CITY, "organisation"),
    Party("Team Luchtkwaliteit", "department", CITY),
    Party("LaadNet Veenhaven BV", "company"),
    Party("Afvalbedrijf Groen BV", "company"),
    Party("Parkeerbedrijf Veenhaven", "company"),
    Party("Bewoner Jansen", "resident"),
    Party("Bewoner El Amrani", "resident"),
)

DATASETS = {
    "luchtkwaliteit": DatasetSpec("luchtkwaliteit", "Luchtkwaliteit (burgermeetnet)", "public", CITY,
                                  "Fijnstof, NO2 en weer van het burgermeetnet"),
    "parkeren": DatasetSpec("parkeren", "Bezetting parkeergarages", "public", "Parkeerbedrijf Veenhaven",
                            "Vrije plaatsen en capaciteit per garage"),
    "laadpalen": DatasetSpec("laadpalen", "Status openbare laadpalen", "public", "LaadNet Veenhaven BV",
                             "Beschikbaarheid van de openbare laadpalen"),
    "laadsessies": DatasetSpec("laadsessies", "Laadsessies (energie per sessie)", "restricted", "LaadNet Veenhaven BV",
                               "Geleverde energie per laadsessie; beperkt: alleen met overeenkomst"),
    "openbare-ruimte": DatasetSpec("openbare-ruimte", "Openbare ruimte", "public", CITY,
                                   "Grondwater, grashoogte, straatverlichting en afvalcontainers"),
    "verkeer": DatasetSpec("verkeer", "Tellingen zwaar verkeer", "public", CITY, "Vrachtverkeer per uur per telpunt"),
    "bewoner-jansen": DatasetSpec("bewoner-jansen", "Luchtsensor fam. Jansen", "restricted", "Bewoner Jansen",
                                  "De eigen sensor van een bewoner: alleen met toestemming"),
    "bewoner-el-amrani": DatasetSpec("bewoner-el-amrani", "Luchtsensor fam. El Amrani", "restricted", "Bewoner El Amrani",
                                     "De eigen sensor van een bewoner: alleen met toestemming"),
}


def _air_streams() -> tuple[Stream, ...]:
    def kind(name: str) -> Callable[[int, datetime], Any]:
        return lambda seed, moment: signals.air(name, seed, moment)

    return (
        Stream("pm10", "PM10", "http://vocab.nerc.ac.uk/collection/P01/current/PMC10ATX/", "ugm3", 30, kind("pm10")),
        Stream("pm25", "PM2.5", "http://vocab.nerc.ac.uk/collection/P01/current/PMC25ATX/", "ugm3", 30, kind("pm25")),
        Stream("no2", "NO2", "http://vocab.nerc.ac.uk/collection/P01/current/CONCNO2X/", "ugm3", 30, kind("no2")),
        Stream("temperature", "Temperature", "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0023/", "degC", 30, kind("temperature")),
        Stream("humidity", "Relative humidity", "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0413/", "percent", 30, kind("humidity")),
        Stream("pressure", "Air pressure", "http://vocab.nerc.ac.uk/collection/P07/current/CFSN0015/", "hPa", 60, kind("pressure")),
    )


def _garage_streams(capacity: int) -> tuple[Stream, ...]:
    return (
        Stream("vacant", "Vacant parking spaces", "https://schema.org/availableSpaces", "count", 15,
               lambda seed, moment: signals.garage_vacant(seed, capacity, moment), COUNT),
        Stream("capacity", "Parking capacity", "https://schema.org/maximumAttendeeCapacity", "count", 24 * 60,
               lambda seed, moment: capacity, COUNT),
    )  # fmt: skip


STREETS = (
    "Markt", "Grote Kerkplein", "Stationsweg", "Havenkade", "Molenstraat", "Veenweg", "Kerkstraat", "Dijkstraat",
    "Oosterlaan", "Westerpark", "Brugstraat", "Schoolstraat", "Lindenlaan", "Beukenhof", "Turfmarkt", "Sluiskade",
    "Zuidwal", "Noorderbrug", "Spoorlaan", "Eikenlaan", "Vaartweg", "Burgwal", "Wilhelminastraat", "Julianapark",
)  # fmt: skip


def sites() -> list[Site]:
    """Every sensor site of the city, in a fixed order (the same on every run)."""
    rng = random.Random("veenhaven")

    def near(spread: float = 0.022) -> tuple[float, float]:
        return round(CENTRE[0] + rng.uniform(-1.6, 1.6) * spread, 5), round(CENTRE[1] + rng.uniform(-1, 1) * spread, 5)

    out: list[Site] = []
    for i in range(20):
        lon, lat = near()
        out.append(Site(f"air-{i + 1:02d}", f"Luchtsensor {STREETS[i]}", "air", "air", "luchtkwaliteit", lon, lat, 100 + i,
                        _air_streams(), {"owner": CITY, "theme": "air", "model": "Sensor.Community SDS011 + BME280"}))  # fmt: skip
    for i, (name, capacity) in enumerate((("Centrum", 620), ("Station", 780), ("Havenkwartier", 340), ("Stadhuis", 410),
                                          ("Noord", 290), ("Ziekenhuis", 520))):  # fmt: skip
        lon, lat = near(0.015)
        out.append(Site(f"garage-{i + 1}", f"Parkeergarage {name}", "garage", "parking", "parkeren", lon, lat, 200 + i,
                        _garage_streams(capacity), {"owner": "Parkeerbedrijf Veenhaven", "theme": "parking", "capacity": capacity}))  # fmt: skip
    for i in range(20):
        lon, lat = near()
        streams = (
            Stream("status", "Charge point status", "https://ocpp-spec.org/status", "state", 60,
                   signals.charge_status, CATEGORY),
            Stream("energy", "Energy per charging session", "https://ocpp-spec.org/energy.active.import.register", "kWh", 60,
                   signals.charge_session_kwh),
        )  # fmt: skip
        out.append(Site(f"charge-{i + 1:02d}", f"Laadpaal {STREETS[(i + 5) % len(STREETS)]} {i + 1}", "charge-point", "charging",
                        "laadpalen", lon, lat, 300 + i, streams, {"owner": "LaadNet Veenhaven BV", "theme": "charging"}))  # fmt: skip
    for i in range(8):
        lon, lat = near(0.03)
        out.append(Site(f"well-{i + 1}", f"Grondwaterput {i + 1}", "groundwater", "public-space", "openbare-ruimte", lon, lat,
                        400 + i, (Stream("level", "Groundwater level", "https://www.bro-loket.nl/grondwaterstand", "mNAP", 60,
                                         signals.groundwater),), {"owner": CITY, "theme": "public-space"}))  # fmt: skip
    for i in range(10):
        lon, lat = near(0.028)
        out.append(Site(f"grass-{i + 1:02d}", f"Grasveld {STREETS[(i + 9) % len(STREETS)]}", "grass", "public-space", "openbare-ruimte",
                        lon, lat, 500 + i, (Stream("height", "Grass height", "https://example.org/def/grass-height", "cm", 360,
                                                   signals.grass_height),), {"owner": CITY, "theme": "public-space"}))  # fmt: skip
    for i in range(30):
        lon, lat = near()
        out.append(Site(f"light-{i + 1:02d}", f"Lichtmast {STREETS[i % len(STREETS)]} {i + 1}", "street-light", "public-space",
                        "openbare-ruimte", lon, lat, 600 + i, (Stream("dimming", "Light level", "https://example.org/def/dimming-level",
                                                                      "percent", 60, signals.street_light),),
                        {"owner": CITY, "theme": "public-space"}))  # fmt: skip
    for i in range(25):
        lon, lat = near()
        out.append(Site(f"waste-{i + 1:02d}", f"Container {STREETS[(i + 3) % len(STREETS)]}", "waste", "public-space", "openbare-ruimte",
                        lon, lat, 700 + i, (Stream("fill", "Fill level", "https://example.org/def/fill-level", "percent", 60,
                                                   signals.waste_fill),), {"owner": "Afvalbedrijf Groen BV", "theme": "public-space"}))  # fmt: skip
    for i in range(6):
        lon, lat = near(0.035)
        out.append(Site(f"traffic-{i + 1}", f"Telpunt {STREETS[(i + 12) % len(STREETS)]}", "traffic-counter", "traffic", "verkeer",
                        lon, lat, 800 + i, (Stream("heavy", "Heavy vehicles per hour", "https://example.org/def/heavy-vehicles", "count", 60,
                                                   signals.heavy_traffic, COUNT),), {"owner": CITY, "theme": "traffic"}))  # fmt: skip
    for i, (dataset, street) in enumerate((("bewoner-jansen", "Beukenhof"), ("bewoner-el-amrani", "Lindenlaan"))):
        lon, lat = near()
        out.append(Site(f"resident-{i + 1}", f"Bewonerssensor {street}", "air", "air", dataset, lon, lat, 900 + i,
                        _air_streams()[:2] + _air_streams()[3:4], {"theme": "air", "owner": "bewoner"}))  # fmt: skip
    return out


# Streams whose readings go to the restricted dataset 'laadsessies' instead of the site's own.
STREAM_DATASET_OVERRIDES = {("charge-point", "energy"): "laadsessies"}
