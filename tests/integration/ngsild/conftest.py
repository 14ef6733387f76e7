"""Shared pieces of the NGSI-LD face's tests: example entities in the shape of the Smart Data
Models, and checks of NGSI-LD problem details."""

from __future__ import annotations

from typing import Any

from tests.integration.ngsild.subscription_helpers import mqtt_subscriber, receiver  # noqa: F401 - fixtures of the subscription tests

ERRORS = "https://uri.etsi.org/ngsi-ld/errors/"
BASE = "/ngsi-ld/v1"
CONTEXT_LINK_REL = 'rel="http://www.w3.org/ns/json-ld#context"'


def air(
    key: str = "markt", no2: float = 31.5, lon: float = 6.09, lat: float = 52.51, when: str = "2026-05-01T10:00:00Z"
) -> dict[str, Any]:
    """An AirQualityObserved as the Smart Data Model has it (normalized)."""
    return {
        "id": f"urn:ngsi-ld:AirQualityObserved:{key}",
        "type": "AirQualityObserved",
        "no2": {"type": "Property", "value": no2, "observedAt": when, "unitCode": "GQ"},
        "pm10": {"type": "Property", "value": 12, "observedAt": when, "unitCode": "GQ"},
        "name": {"type": "Property", "value": f"Luchtmeetpunt {key}"},
        "dataProvider": {"type": "Property", "value": "gemeente"},
        "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [lon, lat]}},
    }


def assert_ngsi_problem(response: Any, status: int, kind: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json") or response.headers[
        "content-type"
    ].startswith("application/json")
    body = response.json()
    assert body["type"] == ERRORS + kind, body
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert body.get("field") == field, body
    return body
