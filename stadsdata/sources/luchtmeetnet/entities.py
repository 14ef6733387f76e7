"""Luchtmeetnet's stations and components as SensorThings entities: a station (`/stations/{n}`)
is a Thing with a Location; each of its components a Datastream with a Sensor and an
ObservedProperty shared by every station that measures that component (keyed by the formula).

The API gives no units and its `/components` listing only names: the concentrations are in
µg/m³ (the unit Luchtmeetnet publishes them in), the LKI is an index without unit, and a
component this table does not know gets a unit that says so rather than a guess. The names are
those of `/components` (kept here, so that a run costs no request for them)."""

from __future__ import annotations

from typing import Any

from stadsdata.errors import BadRequest

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
MEASUREMENT = OM + "OM_Measurement"
LKI = "LKI"
MICROGRAM = {
    "name": "microgram per cubic metre",
    "symbol": "ug/m3",
    "definition": "http://unitsofmeasure.org/ucum.html#ug/m3",
}
INDEX = {"name": "Luchtkwaliteitsindex (1-11)", "symbol": None, "definition": "https://www.luchtmeetnet.nl/"}
UNKNOWN = {"name": "unknown: the Luchtmeetnet API gives no unit for this component", "symbol": None, "definition": None}
# formula -> (English, Dutch) name; every one but LKI (and PS, whose unit is not known here) in µg/m³
NAMES: dict[str, tuple[str, str]] = {
    "NO": ("Nitrogen monoxide", "Stikstofmonoxide"),
    "NO2": ("Nitrogen dioxide", "Stikstofdioxide"),
    "O3": ("Ozone", "Ozon"),
    "PM10": ("Particulate matter (PM10)", "Fijnstof (PM10)"),
    "PM25": ("Particulate matter (PM2.5)", "Fijnstof (PM2.5)"),
    "SO2": ("Sulphur dioxide", "Zwaveldioxide"),
    "NH3": ("Ammonia", "Ammoniak"),
    "CO": ("Carbon monoxide", "Koolmonoxide"),
    "H2S": ("Hydrogen sulphide", "Zwavelwaterstof"),
    "C6H6": ("Benzene", "Benzeen"),
    "C7H8": ("Toluene", "Tolueen"),
    "C8H10": ("Xylene", "Xyleen"),
    "FN": ("Soot", "Roet"),
    LKI: ("Air quality index (LKI)", "Luchtkwaliteitsindex (LKI)"),
}
CONCENTRATIONS = frozenset(NAMES) - {LKI}


def unit(formula: str) -> dict[str, Any]:
    """The unitOfMeasurement of a component's measurements."""
    if formula == LKI:
        return INDEX
    return MICROGRAM if formula in CONCENTRATIONS else UNKNOWN


def english(formula: str) -> str:
    return NAMES.get(formula, (formula, formula))[0]


def station_data(document: Any, number: str) -> dict[str, Any]:
    """The `data` of a `/stations/{n}` answer, with a usable point; BadRequest naming the member
    otherwise."""
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise BadRequest(f"the answer for station {number} has no 'data' object", field="data")
    geometry = data.get("geometry")
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        not isinstance(geometry, dict)
        or str(geometry.get("type", "")).lower() != "point"  # the API writes 'point'
        or not isinstance(coordinates, list)
        or len(coordinates) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
    ):
        raise BadRequest(f"station {number} has no point geometry [lon, lat]", field="data.geometry")
    return data


def components(data: dict[str, Any]) -> list[str]:
    """The formulas a station measures (its `components`)."""
    found = data.get("components")
    return [c.upper() for c in found if isinstance(c, str) and c] if isinstance(found, list) else []


def station_name(number: str, data: dict[str, Any]) -> str:
    return _text(data.get("location")) or number


def location_body(number: str, data: dict[str, Any]) -> dict[str, Any]:
    lon, lat = data["geometry"]["coordinates"][:2]
    return {
        "name": station_name(number, data),
        "description": f"Luchtmeetnet station {number}",
        "encodingType": "application/geo+json",
        "location": {"type": "Point", "coordinates": [lon, lat]},
    }


def thing_body(number: str, data: dict[str, Any], location_id: int) -> dict[str, Any]:
    name = station_name(number, data)
    description = _language(data.get("description")) or name
    properties: dict[str, Any] = {"number": number, "location": name}
    for member in ("organisation", "type", "municipality", "province", "url", "year_start"):
        value = data.get(member)
        if value not in (None, ""):
            properties[member] = value
    properties["components"] = components(data)
    return {
        "name": name,
        "description": f"Luchtmeetnet air quality station {number}: {description}",
        "properties": properties,
        "Locations": [{"@iot.id": location_id}],
    }


def sensor_body(formula: str) -> dict[str, Any]:
    if formula == LKI:
        description = (
            "The air quality index (Luchtkwaliteitsindex, 1–11) Luchtmeetnet computes from a station's measurements"
        )
    else:
        description = (
            f"The {formula} monitors of the stations of Luchtmeetnet (its API does not describe the instruments)"
        )
    return {
        "name": f"Luchtmeetnet {formula}",
        "description": description,
        "encodingType": "text/html",
        "metadata": "https://www.luchtmeetnet.nl/",
        "properties": {"formula": formula},
    }


def observed_property_body(formula: str, url: str) -> dict[str, Any]:
    name_en, name_nl = NAMES.get(formula, (formula, formula))
    return {
        "name": name_en,
        "definition": f"{url}/components/{formula}",
        "description": f"{name_nl} ({formula}) as Luchtmeetnet measures it",
        "properties": {"formula": formula, "name_nl": name_nl},
    }


def datastream_body(number: str, station: str, formula: str, links: dict[str, int]) -> dict[str, Any]:
    """`links`: the local ids of the station's Thing and of the formula's Sensor and ObservedProperty."""
    return {
        "name": f"{english(formula)} — {station}",
        "description": f"Hourly means of {english(formula)} ({formula}) at Luchtmeetnet station {number} ({station})",
        "unitOfMeasurement": unit(formula),
        "observationType": MEASUREMENT,
        "properties": {"station": number, "formula": formula},
        "Thing": {"@iot.id": links["Thing"]},
        "Sensor": {"@iot.id": links["Sensor"]},
        "ObservedProperty": {"@iot.id": links["ObservedProperty"]},
    }


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _language(value: Any) -> str:
    """A {NL, EN} text in English, else Dutch."""
    if not isinstance(value, dict):
        return _text(value)
    return _text(value.get("EN")) or _text(value.get("NL"))
