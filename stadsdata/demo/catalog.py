"""The demo city's catalog metadata: what Veenhaven's datasets are about (EU data themes,
keywords), under which licence, how often they change, whom to ask, and — for the datasets that
hold personal data — the record of processing (GDPR art. 30). Written when the city is seeded,
and added to a demo database seeded before the catalog existed. The municipality's TOOI-style
identifier is made up (Veenhaven is fictional; so is its municipality code GM9999)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from stadsdata.catalog.areas import Area
from stadsdata.demo import basemap, city
from stadsdata.store.base import Store

CITY_URI = "https://identifier.overheid.nl/tooi/id/gemeente/gm9999"
CONTACT = {"name": "Gemeente Veenhaven, team Data", "email": "data@veenhaven.example", "url": "https://veenhaven.example/data"}
SENSORTHINGS = "http://www.opengis.net/doc/is/sensorthings/1.1"
RESIDENT_PROCESSING = {
    "purpose": "Een bewoner meet de lucht bij het eigen huis en deelt de metingen met wie hij of zij toestemming geeft",
    "legalBasis": "consent", "dataCategories": ["meetwaarden bij een woonadres", "locatie van de sensor"],
    "subjectCategories": ["bewoners"], "retention": "tot de bewoner de sensor afmeldt",
}  # fmt: skip

METADATA: dict[str, dict[str, Any]] = {
    "luchtkwaliteit": {
        "titleEn": "Air quality (citizen network)", "descriptionEn": "Particulate matter, NO2 and weather from the citizen network",
        "themes": ["ENVI", "HEAL"], "keywords": ["luchtkwaliteit", "fijnstof", "PM10", "PM2.5", "NO2", "burgermeetnet"],
        "license": "CC0-1.0", "accrualPeriodicity": "10MIN", "contactPoint": CONTACT, "attribution": "Gemeente Veenhaven",
        "conformsTo": [SENSORTHINGS],
    },
    "parkeren": {
        "titleEn": "Car park occupancy", "descriptionEn": "Free spaces and capacity per car park",
        "themes": ["TRAN"], "keywords": ["parkeren", "parkeergarage", "bezetting"], "license": "CC-BY-4.0",
        "accrualPeriodicity": "CONT", "attribution": "Parkeerbedrijf Veenhaven",
        "contactPoint": {"name": "Parkeerbedrijf Veenhaven", "email": "info@parkeren-veenhaven.example"}, "conformsTo": [SENSORTHINGS],
    },
    "laadpalen": {
        "titleEn": "Public charge point status", "descriptionEn": "Availability of the public charge points",
        "themes": ["TRAN", "ENER"], "keywords": ["laadpalen", "elektrisch rijden", "OCPI"], "license": "CC-BY-4.0",
        "accrualPeriodicity": "CONT", "attribution": "LaadNet Veenhaven BV",
        "contactPoint": {"name": "LaadNet Veenhaven BV", "email": "data@laadnet.example"},
        "conformsTo": [SENSORTHINGS, "https://evroaming.org/ocpi-background/"],
    },
    "laadsessies": {
        "titleEn": "Charging sessions (energy per session)", "descriptionEn": "Energy delivered per charging session; restricted: by agreement only",
        "themes": ["ENER", "TRAN"], "keywords": ["laadsessies", "energie", "laadpalen"], "accrualPeriodicity": "CONT",
        "contactPoint": {"name": "LaadNet Veenhaven BV", "email": "data@laadnet.example"},
        "personalData": True,
        "processing": {
            "purpose": "Afrekenen van laadsessies en plannen van de laadinfrastructuur", "legalBasis": "contract",
            "dataCategories": ["laadpas-id (gepseudonimiseerd)", "begin- en eindtijd", "geleverde energie"],
            "subjectCategories": ["gebruikers van openbare laadpalen"], "retention": "sessies 2 jaar, daarna alleen uurtotalen",
            "controller": "LaadNet Veenhaven BV",
        },
    },
    "openbare-ruimte": {
        "titleEn": "Public space", "descriptionEn": "Groundwater, grass height, street lighting and waste containers",
        "themes": ["ENVI", "REGI"], "keywords": ["grondwater", "gras", "straatverlichting", "afval", "openbare ruimte"],
        "license": "CC0-1.0", "accrualPeriodicity": "HOURLY", "contactPoint": CONTACT, "attribution": "Gemeente Veenhaven",
        "conformsTo": [SENSORTHINGS],
    },
    "verkeer": {
        "titleEn": "Heavy traffic counts", "descriptionEn": "Lorries per hour per counting point",
        "themes": ["TRAN"], "keywords": ["verkeer", "vrachtverkeer", "tellingen"], "license": "CC0-1.0",
        "accrualPeriodicity": "HOURLY", "contactPoint": CONTACT, "attribution": "Gemeente Veenhaven", "conformsTo": [SENSORTHINGS],
    },
    "bewoner-jansen": {"themes": ["ENVI"], "keywords": ["luchtkwaliteit", "bewonerssensor"], "personalData": True,
                       "processing": RESIDENT_PROCESSING},
    "bewoner-el-amrani": {"themes": ["ENVI"], "keywords": ["luchtkwaliteit", "bewonerssensor"], "personalData": True,
                          "processing": RESIDENT_PROCESSING},
}  # fmt: skip


def describe_datasets(store: Store) -> int:
    """Give the demo's datasets their metadata where they have none, and the municipality its
    identifier; how many datasets were described."""
    now = datetime.now(UTC)
    described = 0
    with store.write() as tx:
        for key, metadata in METADATA.items():
            rows = tx.access.rows("datasets", {"name": city.DATASETS[key].name}, limit=1)
            if rows and rows[0]["metadata"] is None:
                tx.access.update_row("datasets", rows[0]["id"], {"metadata": metadata, "modified_at": now})
                described += 1
        municipality = tx.access.rows("parties", {"name": city.CITY}, limit=1)
        if municipality and municipality[0]["uri"] is None:
            tx.access.update_row("parties", municipality[0]["id"], {"uri": CITY_URI, "contact_email": CONTACT["email"]})
    return described


@cache
def districts() -> list[Area]:
    """Veenhaven's districts as the catalog's named areas (computed once: a second or so)."""
    return [Area(name, basemap.to_lonlat(area)) for name, area in sorted(basemap.districts().items())]
