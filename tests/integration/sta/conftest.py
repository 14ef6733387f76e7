"""A small city to query: two Things with Locations, Datastreams with Observations, a
MultiDatastream. `seed` returns the ids."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
COMPLEX = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_ComplexObservation"
CELSIUS = {"name": "degree Celsius", "symbol": "degC", "definition": "http://unitsofmeasure.org/ucum.html#para-30"}
PROBLEM = "application/problem+json"
UGM3 = {"name": "microgram per cubic metre", "symbol": "ug/m3", "definition": "http://unitsofmeasure.org/ucum.html"}


def assert_problem(response: Any, status: int = 400, field: str | None = None) -> dict[str, Any]:
    """A problem+json response with this status (and, when given, naming this field)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert_error_members(problem, status)
    if field is not None:
        assert problem.get("field") == field, problem
    return problem


def assert_error_members(problem: dict[str, Any], status: int) -> None:
    """RFC 9457's members, and the `code` and `message` that clients of FROST-Server read."""
    assert problem["type"] and problem["title"] and problem["detail"], problem
    assert problem["status"] == problem["code"] == status, problem
    assert problem["message"] == problem["detail"], problem


def created_id(response: Any) -> int:
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    return int(location.rsplit("(", 1)[1].rstrip(")"))


def thing_body(name: str, lon: float, lat: float, streams: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"{name} in the city",
        "properties": {"owner": "gemeente", "height": 3},
        "Locations": [
            {
                "name": f"{name} location",
                "description": "where it stands",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        "Datastreams": streams,
    }


def stream_body(name: str, prop: str, unit: dict[str, str], results: list[tuple[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"{name} stream",
        "unitOfMeasurement": unit,
        "observationType": MEASUREMENT,
        "Sensor": {"name": f"{name} sensor", "description": "a sensor", "encodingType": "application/pdf", "metadata": "https://example.org/sensor.pdf"},
        "ObservedProperty": {"name": prop, "definition": f"https://example.org/{prop}", "description": prop},
        "Observations": [{"phenomenonTime": t, "result": r} for t, r in results],
    }


@pytest.fixture
def seed(client: TestClient) -> dict[str, Any]:
    air = thing_body(
        "Air sensor Markt",
        5.10,
        52.09,
        [
            stream_body("pm10 Markt", "pm10", UGM3, [("2024-03-01T10:00:00Z", 12.5), ("2024-03-01T11:00:00Z", 20), ("2024-03-01T12:00:00Z", 31.25)]),
            stream_body("temperature Markt", "temperature", CELSIUS, [("2024-03-01T10:00:00Z", 7.5), ("2024-03-01T11:00:00Z", 8)]),
        ],
    )
    garage = thing_body(
        "Garage Centrum",
        5.12,
        52.10,
        [stream_body("vacant spaces", "vacancy", {"name": "count", "symbol": "1", "definition": "count"}, [("2024-03-01T10:00:00Z", 140), ("2024-03-01T10:05:00Z", "closed")])],
    )
    things = [created_id(client.post("/v1.1/Things", json=body)) for body in (air, garage)]
    datastreams = [d["@iot.id"] for d in client.get("/v1.1/Datastreams?$orderby=id").json()["value"]]
    return {"things": things, "datastreams": datastreams}
