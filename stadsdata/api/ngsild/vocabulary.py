"""The Smart Data Models vocabulary this face maps to: which ObservedProperty becomes which
attribute of which entity type, and the UN/CEFACT unit codes it knows.

The rule (docs/ngsi-ld.md, "Mapping"): an ObservedProperty's name is lower-cased and split
into words; the first `RULES` entry whose words (or joined form) it contains gives the attribute
name and the entity type it points at. A Thing's type is the first type of `TYPE_ORDER` one of
its streams points at, otherwise `Thing`. A property no rule knows keeps its ObservedProperty's
name in lowerCamelCase (`energy delivered` -> `energyDelivered`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

GENERIC_TYPE = "Thing"


@dataclass(frozen=True)
class Rule:
    words: tuple[str, ...]  # any of these, as a word or (joined) inside the joined name
    attribute: str
    entity_type: str


RULES = (
    Rule(("pm25", "pm2.5", "pm2_5"), "pm25", "AirQualityObserved"),
    Rule(("pm10",), "pm10", "AirQualityObserved"),
    Rule(("pm1",), "pm1", "AirQualityObserved"),
    Rule(("no2", "nitrogendioxide"), "no2", "AirQualityObserved"),
    Rule(("nox",), "nox", "AirQualityObserved"),
    Rule(("o3", "ozone"), "o3", "AirQualityObserved"),
    Rule(("so2", "sulphurdioxide", "sulfurdioxide"), "so2", "AirQualityObserved"),
    Rule(("co2", "carbondioxide"), "co2", "AirQualityObserved"),
    Rule(("ph",), "pH", "WaterQualityObserved"),
    Rule(("conductivity",), "conductivity", "WaterQualityObserved"),
    Rule(("turbidity",), "turbidity", "WaterQualityObserved"),
    Rule(("dissolvedoxygen",), "o2", "WaterQualityObserved"),
    Rule(("vacant", "available", "free", "availablespotnumber"), "availableSpotNumber", "OffStreetParking"),
    Rule(("capacity", "totalspotnumber"), "totalSpotNumber", "OffStreetParking"),
    Rule(("evse", "chargepoint", "charging"), "status", "EVChargingStation"),
    Rule(("fill", "filling", "fillinglevel"), "fillingLevel", "WasteContainer"),
    Rule(("vehiclespeed", "averagevehiclespeed"), "averageVehicleSpeed", "TrafficFlowObserved"),
    Rule(("vehicles", "intensity", "trafficflow"), "intensity", "TrafficFlowObserved"),
    Rule(("light", "illuminance", "illuminancelevel"), "illuminanceLevel", "Streetlight"),
    Rule(("grass", "grassheight"), "grassHeight", "GreenspaceRecord"),
    Rule(("soilmoisture",), "soilMoistureVwc", "GreenspaceRecord"),
    Rule(("temperature", "temp"), "temperature", "WeatherObserved"),
    Rule(("humidity", "relativehumidity"), "relativeHumidity", "WeatherObserved"),
    Rule(("pressure", "atmosphericpressure"), "atmosphericPressure", "WeatherObserved"),
    Rule(("windspeed",), "windSpeed", "WeatherObserved"),
    Rule(("precipitation", "rain", "rainfall"), "precipitation", "WeatherObserved"),
)
# A Thing with streams of several types is the most specific one: a charging station that also
# measures temperature is an EVChargingStation.
TYPE_ORDER = (
    "EVChargingStation", "OffStreetParking", "WasteContainer", "TrafficFlowObserved", "WaterQualityObserved",
    "AirQualityObserved", "Streetlight", "GreenspaceRecord", "WeatherObserved",
)  # fmt: skip
# UN/CEFACT common codes (Recommendation 20) -> the symbols SensorThings units use for them.
UNIT_CODES = {
    "GQ": ("microgram per cubic metre", "µg/m³"), "CEL": ("degree Celsius", "°C"), "P1": ("percent", "%"),
    "A97": ("hectopascal", "hPa"), "MTS": ("metre per second", "m/s"), "KMH": ("kilometre per hour", "km/h"),
    "MMT": ("millimetre", "mm"), "CMT": ("centimetre", "cm"), "MTR": ("metre", "m"), "LUX": ("lux", "lx"),
    "KWH": ("kilowatt hour", "kWh"), "KWT": ("kilowatt", "kW"), "WTT": ("watt", "W"), "59": ("part per million", "ppm"),
    "H61": ("millisiemens per centimetre", "mS/cm"), "C62": ("one", ""), "E50": ("vehicles per hour", "/h"),
}  # fmt: skip
OWN_CODE = "urn:ngsi-ld:unitCode:"  # a unitOfMeasurement's definition carrying a code we do not know by symbol
_SYMBOLS = {symbol.lower(): code for code, (_, symbol) in UNIT_CODES.items() if symbol}
_SYMBOLS.update({"ug/m3": "GQ", "µg/m3": "GQ", "degc": "CEL", "c": "CEL", "percent": "P1", "lux": "LUX"})


def rule_for(observed_property: str) -> Rule | None:
    words = re.findall(r"[a-z0-9._]+", observed_property.lower())
    joined = "".join(re.findall(r"[a-z0-9]+", observed_property.lower()))
    for rule in RULES:
        for word in rule.words:
            if word in words or (len(word) > 4 and word in joined):
                return rule
    return None


def camel(name: str) -> str:
    """An ObservedProperty's name as an attribute name: lowerCamelCase of its words."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    if not words:
        return "value"
    text = words[0][0].lower() + words[0][1:] + "".join(w[0].upper() + w[1:] for w in words[1:])
    return text if text[0].isalpha() else "p" + text


def entity_type(types: set[str]) -> str:
    return next((t for t in TYPE_ORDER if t in types), GENERIC_TYPE)


def unit_code(unit: Any) -> str | None:
    """The UN/CEFACT code of a SensorThings unitOfMeasurement, when it is known."""
    if not isinstance(unit, dict):
        return None
    definition = str(unit.get("definition") or "")
    if definition.startswith(OWN_CODE):
        return definition[len(OWN_CODE) :]
    symbol = str(unit.get("symbol") or "").strip().lower()
    return _SYMBOLS.get(symbol)


def unit_of_measurement(code: str | None) -> dict[str, str]:
    """The SensorThings unitOfMeasurement an NGSI-LD `unitCode` is stored as."""
    if code is None:
        return {"name": "", "symbol": "", "definition": ""}
    name, symbol = UNIT_CODES.get(code, (code, code))
    return {"name": name, "symbol": symbol, "definition": OWN_CODE + code}
