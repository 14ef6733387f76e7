"""Subscriptions without I/O: which attributes a change touched, whether a subscription fires for
it (selectors, watchedAttributes, triggers, q, geoQ), and a PATCH fragment merged over the
stored subscription."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from stadsdata.api.ngsild.entities import Source, Stream, normalized
from stadsdata.api.ngsild.errors import BadRequestData
from stadsdata.api.ngsild.subscriptions.changes import Touched
from stadsdata.api.ngsild.subscriptions.matching import Matcher
from stadsdata.api.ngsild.subscriptions.model import validated

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
ENDPOINT = {"endpoint": {"uri": "http://example.org/n"}}


def source() -> Source:
    streams = [Stream(1, "no2", {}, NOW, 44.0), Stream(2, "pm10", {}, NOW, 12.0)]
    properties = {"ngsild": {"id": "urn:ngsi-ld:AirQualityObserved:a", "type": "AirQualityObserved",
                             "attributes": {"dataProvider": {"type": "Property", "value": "gemeente"}}}}  # fmt: skip
    s = Source(7, "a", properties, {"type": "Point", "coordinates": [6.09, 52.51]}, streams)
    s.entity_id, s.entity_type = "urn:ngsi-ld:AirQualityObserved:a", "AirQualityObserved"
    return s


def test_touched_attributes() -> None:
    s = source()
    entity = normalized(s)
    assert Touched(streams={2}).attributes(s, entity) == {"pm10"}
    assert Touched(other=True).attributes(s, entity) == {"dataProvider"}
    assert Touched(location=True).attributes(s, entity) == {"location"}
    assert Touched(created=True).attributes(s, entity) == {"no2", "pm10", "dataProvider", "location"}


def fires(body: dict[str, Any], changed: set[str], *, created: bool = False) -> bool:
    s = source()
    return Matcher.of(validated({"type": "Subscription", **body, "notification": ENDPOINT}, NOW)).fires(
        s, normalized(s), changed, created=created
    )


@pytest.mark.parametrize(
    ("body", "changed", "created", "expected"),
    [
        ({"watchedAttributes": ["no2"]}, {"no2"}, False, True),
        ({"watchedAttributes": ["no2"]}, {"pm10"}, False, False),
        ({"entities": [{"type": "AirQualityObserved"}]}, {"pm10"}, False, True),
        ({"entities": [{"type": "WeatherObserved"}]}, {"pm10"}, False, False),
        ({"entities": [{"type": "AirQualityObserved", "id": "urn:ngsi-ld:AirQualityObserved:b"}]}, {"no2"}, False, False),
        ({"entities": [{"type": "AirQualityObserved", "idPattern": ".*:a"}]}, {"no2"}, False, True),
        ({"watchedAttributes": ["no2"], "q": "no2>50"}, {"no2"}, False, False),
        ({"watchedAttributes": ["no2"], "q": "no2>40;dataProvider==\"gemeente\""}, {"no2"}, False, True),
        ({"watchedAttributes": ["no2"], "geoQ": {"geometry": "Point", "coordinates": [6.09, 52.52], "georel": "near;maxDistance==2000"}}, {"no2"}, False, True),
        ({"watchedAttributes": ["no2"], "geoQ": {"geometry": "Point", "coordinates": [5.0, 52.0], "georel": "near;maxDistance==2000"}}, {"no2"}, False, False),
        ({"watchedAttributes": ["no2"], "notificationTrigger": ["entityCreated"]}, {"no2"}, False, False),
        ({"watchedAttributes": ["no2"], "notificationTrigger": ["entityCreated"]}, {"no2"}, True, True),
        ({"watchedAttributes": ["no2"], "notificationTrigger": ["attributeUpdated"]}, {"no2"}, True, False),
    ],
)  # fmt: skip
def test_fires(body: dict[str, Any], changed: set[str], created: bool, expected: bool) -> None:
    assert fires(body, changed, created=created) is expected


def test_a_fragment_is_merged_over_the_stored_subscription() -> None:
    stored = validated(
        {"type": "Subscription", "watchedAttributes": ["no2"], "q": "no2>1", "notification": ENDPOINT}, NOW
    )
    merged = validated({"q": None, "notification": {"format": "keyValues"}}, NOW, stored=stored)
    assert "q" not in merged and merged["notification"]["format"] == "keyValues"
    assert merged["notification"]["endpoint"] == {"uri": "http://example.org/n", "accept": "application/json"}
    with pytest.raises(BadRequestData):
        validated({"type": "Other"}, NOW, stored=stored)
