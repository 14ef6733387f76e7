"""The demo city's dashboards: one per theme, as the JSON documents `/api/v1/dashboards`
stores (validated against `api/management/models.Dashboard` in the tests)."""

from __future__ import annotations

from typing import Any


def _t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


DASHBOARDS: dict[str, dict[str, Any]] = {
    "luchtkwaliteit": {
        "title": _t("Luchtkwaliteit", "Air quality"),
        "description": _t("Fijnstof en stikstofdioxide van het burgermeetnet", "Particulate matter and NO2 of the citizen network"),
        "theme": "air",
        "panels": [
            {"type": "kpi", "title": _t("PM10 nu, gemiddeld", "PM10 now, mean"), "observedProperty": "PM10", "statistic": "mean"},
            {"type": "kpi", "title": _t("PM2.5 nu, hoogste", "PM2.5 now, highest"), "observedProperty": "PM2.5", "statistic": "max"},
            {"type": "kpi", "title": _t("NO2 nu, gemiddeld", "NO2 now, mean"), "observedProperty": "NO2", "statistic": "mean"},
            {"type": "chart", "title": _t("PM10, afgelopen week", "PM10, last week"), "observedProperty": "PM10", "limit": 4, "days": 7},
            {"type": "map", "title": _t("PM2.5 op de kaart", "PM2.5 on the map"), "observedProperty": "PM2.5"},
            # the exceedance report (analytics/air_quality/, the page /air-quality): sensors above a limit value this year
            {"type": "analysis", "title": _t("Sensoren boven EU-grenswaarden dit jaar", "Sensors above EU limit values this year"),
             "path": "/api/v1/air-quality/exceedances?standard=eu-2008", "field": "summary.exceeding", "link": "/air-quality"},
            {"type": "analysis", "title": _t("Sensoren boven WHO-advieswaarden dit jaar", "Sensors above WHO guidelines this year"),
             "path": "/api/v1/air-quality/exceedances?standard=who-2021", "field": "summary.exceeding", "link": "/air-quality"},
        ],
    },
    "parkeren": {
        "title": _t("Parkeren", "Parking"),
        "description": _t("Vrije plaatsen in de parkeergarages", "Vacant spaces in the car parks"),
        "theme": "parking",
        "panels": [
            {"type": "kpi", "title": _t("Vrije plaatsen nu", "Vacant spaces now"), "observedProperty": "Vacant parking spaces", "statistic": "sum"},
            {"type": "kpi", "title": _t("Capaciteit", "Capacity"), "observedProperty": "Parking capacity", "statistic": "sum"},
            {"type": "chart", "title": _t("Vrije plaatsen, afgelopen week", "Vacant spaces, last week"),
             "observedProperty": "Vacant parking spaces", "limit": 6, "days": 7},
            {"type": "map", "title": _t("Garages", "Car parks"), "observedProperty": "Vacant parking spaces"},
        ],
    },
    "laden": {
        "title": _t("Laden", "Charging"),
        "description": _t("Openbare laadpalen; energie per sessie alleen met toegang", "Public charge points; energy per session only with access"),
        "theme": "charging",
        "panels": [
            {"type": "kpi", "title": _t("Laadpalen", "Charge points"), "observedProperty": "Charge point status", "statistic": "count"},
            {"type": "kpi", "title": _t("Energie laatste sessies", "Energy of the latest sessions"),
             "observedProperty": "Energy per charging session", "statistic": "sum"},
            {"type": "chart", "title": _t("Energie per sessie, afgelopen maand", "Energy per session, last month"),
             "observedProperty": "Energy per charging session", "limit": 5, "days": 30},
            # LaadNet's charge points that report over OCPI 2.2.1 (demo/charge_point_operator.py)
            {"type": "kpi", "title": _t("Laadpunten via OCPI", "Charge points over OCPI"), "observedProperty": "EVSE status", "statistic": "count"},
            {"type": "chart", "title": _t("Energie per sessie via OCPI (CDR's), afgelopen 2 dagen", "Energy per session over OCPI (CDRs), last 2 days"),
             "observedProperty": "energy delivered", "limit": 6, "days": 2},
        ],
    },
    # The EV charging analysis (analytics/charging/, the page /charging): placement and yesterday's peak shaving
    "laden-analyse": {
        "title": _t("Laden: analyse", "Charging: analysis"),
        "description": _t("Vrije laadpunten, en de piek van gisteren met en zonder piekverlaging (sessies alleen met toegang)",
                          "Free charge points, and yesterday's peak with and without peak shaving (sessions only with access)"),
        "theme": "charging",
        "panels": [
            {"type": "analysis", "title": _t("Vrije laadpunten nu", "Free charge points now"), "path": "/api/v1/charging/placement",
             "field": "freeChargePointsNow", "link": "/charging"},
            {"type": "analysis", "title": _t("Piek gisteren zonder sturing", "Yesterday's peak, uncontrolled"),
             "path": "/api/v1/charging/peak-shaving", "field": "peakBeforeKw", "unit": "kW", "link": "/charging"},
            {"type": "analysis", "title": _t("Piek gisteren met piekverlaging", "Yesterday's peak with peak shaving"),
             "path": "/api/v1/charging/peak-shaving", "field": "peakAfterKw", "unit": "kW", "link": "/charging"},
            {"type": "map", "title": _t("Laadpalen", "Charge points"), "observedProperty": "Charge point status"},
        ],
    },
    "openbare-ruimte": {
        "title": _t("Openbare ruimte", "Public space"),
        "description": _t("Afval, grondwater, gras en licht", "Waste, groundwater, grass and light"),
        "theme": "public-space",
        "panels": [
            {"type": "kpi", "title": _t("Containers, hoogste vulgraad", "Containers, highest fill level"), "observedProperty": "Fill level", "statistic": "max"},
            {"type": "kpi", "title": _t("Grashoogte, gemiddeld", "Grass height, mean"), "observedProperty": "Grass height", "statistic": "mean"},
            {"type": "map", "title": _t("Vulgraad afvalcontainers", "Fill level of waste containers"), "observedProperty": "Fill level"},
            {"type": "chart", "title": _t("Grondwaterstand, afgelopen maand", "Groundwater level, last month"),
             "observedProperty": "Groundwater level", "limit": 4, "days": 30},
            {"type": "chart", "title": _t("Zwaar verkeer, afgelopen week", "Heavy traffic, last week"),
             "observedProperty": "Heavy vehicles per hour", "limit": 3, "days": 7},
        ],
    },
    # The waste collection route (analytics/waste/, the page /waste): the truck's route of today
    "afval": {
        "title": _t("Afvalinzameling: route", "Waste collection: route"),
        "description": _t("Containers boven 80 % en de route eromheen, langs volle garages", "Containers above 80 % and the route, around full garages"),
        "theme": "public-space",
        "panels": [
            {"type": "analysis", "title": _t("Containers te legen", "Containers to empty"), "path": "/api/v1/waste/routes",
             "body": {"fillThreshold": 80}, "field": "stops.length", "link": "/waste"},
            {"type": "analysis", "title": _t("Lengte van de route", "Length of the route"), "path": "/api/v1/waste/routes",
             "body": {"fillThreshold": 80}, "field": "totalLengthM", "unit": "m", "link": "/waste"},
            {"type": "analysis", "title": _t("Straten dicht door volle garages", "Streets closed by full garages"),
             "path": "/api/v1/waste/routes", "body": {"fillThreshold": 80}, "field": "blockedStreets.length", "link": "/waste"},
            {"type": "map", "title": _t("Vulgraad afvalcontainers", "Fill level of waste containers"), "observedProperty": "Fill level"},
            {"type": "chart", "title": _t("Vulgraad, afgelopen week", "Fill level, last week"), "observedProperty": "Fill level", "limit": 5, "days": 7},
        ],
    },
    # The analysis of green and public space (analytics/public_space/, the page /public-space)
    "groen": {
        "title": _t("Groen en openbare ruimte: analyse", "Green and public space: analysis"),
        "description": _t("Maaien wanneer nodig, grondwater tegen de drempels, kapotte lantaarnpalen",
                          "Mow when needed, groundwater against the thresholds, failed street lights"),
        "theme": "public-space",
        "panels": [
            {"type": "analysis", "title": _t("Grasvelden nu maaien", "Grass fields to mow now"),
             "path": "/api/v1/public-space/mowing?mowingHeight=10", "field": "mowNow", "link": "/public-space"},
            {"type": "analysis", "title": _t("Lantaarnpalen kapot", "Street lights failed"),
             "path": "/api/v1/public-space/street-lights?days=7", "field": "counts.failed", "link": "/public-space"},
            {"type": "analysis", "title": _t("Lantaarnpalen branden overdag", "Street lights burning by day"),
             "path": "/api/v1/public-space/street-lights?days=7", "field": "counts.burns_by_day", "link": "/public-space"},
            {"type": "chart", "title": _t("Grashoogte, afgelopen maand", "Grass height, last month"),
             "observedProperty": "Grass height", "limit": 5, "days": 30},
            {"type": "chart", "title": _t("Grondwaterstand, afgelopen maand", "Groundwater level, last month"),
             "observedProperty": "Groundwater level", "limit": 8, "days": 30},
            {"type": "map", "title": _t("Lantaarnpalen", "Street lights"), "observedProperty": "Light level"},
        ],
    },
}
