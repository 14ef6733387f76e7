"""The real FROST client (`frost_sta_client` from PyPI) against a real `stadsdata serve`.

Only the client's public API is used: SensorThingsService, the model classes, the DAOs'
create/find/query/patch/update/delete, `query().filter().expand().orderby().top().list()`,
iterating an EntityList (which follows `@iot.nextLink`) and CreateObservations through
`observations().create(DataArrayDocument)`.
"""

from __future__ import annotations

from collections.abc import Iterator

import frost_sta_client as fsc
import pytest
import requests
from frost_sta_client.model.ext.data_array_value import DataArrayValue

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
THING_NAME = "Luchtmeetpunt Neude"
OTHER_THING = "Parkeergarage Centrum"

# the client itself calls the deprecated `furl.pathstr`
pytestmark = pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning")


@pytest.fixture
def service(live_server: str) -> Iterator[fsc.SensorThingsService]:
    yield fsc.SensorThingsService(f"{live_server}/v1.1")


def _datastream(name: str, prop: str, unit: tuple[str, str]) -> fsc.Datastream:
    return fsc.Datastream(
        name=name,
        description=f"{name} stream",
        observation_type=MEASUREMENT,
        unit_of_measurement=fsc.UnitOfMeasurement(name=unit[0], symbol=unit[1], definition="http://unitsofmeasure.org/ucum.html"),
        properties={"interval": "PT1M"},
        sensor=fsc.Sensor(name=f"{name} sensor", description="a sensor", encoding_type="application/pdf", metadata="https://example.org/sensor.pdf"),
        observed_property=fsc.ObservedProperty(name=prop, definition=f"https://example.org/{prop}", description=f"the {prop}"),
    )


def _deep_insert(service: fsc.SensorThingsService, name: str, lon: float, lat: float) -> fsc.Thing:
    thing = fsc.Thing(
        name=name,
        description=f"{name} in the city",
        properties={"owner": "gemeente", "height": 3},
        locations=[
            fsc.Location(
                name=f"{name} location",
                description="where it stands",
                encoding_type="application/geo+json",
                location={"type": "Point", "coordinates": [lon, lat]},
            )
        ],
        datastreams=[
            _datastream(f"{name} pm10", "pm10", ("microgram per cubic metre", "ug/m3")),
            _datastream(f"{name} temperature", "temperature", ("degree Celsius", "degC")),
        ],
    )
    service.create(thing)
    return thing


def _streams_by_name(service: fsc.SensorThingsService, thing: fsc.Thing) -> dict[str, fsc.Datastream]:
    streams = thing.get_datastreams().query().orderby("name", "asc").list()
    return {ds.name: ds for ds in streams}


def _timestamp(minute: int) -> str:
    return f"2024-03-01T{10 + minute // 60:02d}:{minute % 60:02d}:00Z"


def _data_array(datastream_id: int, rows: list[tuple[str, object]]) -> DataArrayValue:
    value = DataArrayValue()
    value.datastream = fsc.Datastream(id=datastream_id)
    value.components = {DataArrayValue.Property.PHENOMENON_TIME, DataArrayValue.Property.RESULT}
    for time, result in rows:
        value.add_observation(fsc.Observation(phenomenon_time=time, result=result))
    return value


def _self_link_id(link: str) -> int:
    return int(link.rsplit("(", 1)[1].rstrip(")"))


def test_deep_insert_and_expand(service: fsc.SensorThingsService) -> None:
    thing = _deep_insert(service, THING_NAME, 5.12, 52.09)
    assert isinstance(thing.id, int)
    _deep_insert(service, OTHER_THING, 5.11, 52.10)

    found = service.things().find(thing.id)
    assert found.name == THING_NAME
    assert found.description == f"{THING_NAME} in the city"
    assert found.properties == {"owner": "gemeente", "height": 3}
    assert found.self_link.endswith(f"/v1.1/Things({thing.id})")

    things = (
        service.things()
        .query()
        .filter(f"name eq '{THING_NAME}'")
        .expand("Datastreams($orderby=name asc;$expand=Sensor,ObservedProperty),Locations")
        .list()
    )
    assert [t.id for t in things] == [thing.id]
    expanded = things.get(0)
    locations = expanded.locations.entities
    assert [loc.name for loc in locations] == [f"{THING_NAME} location"]
    assert locations[0].encoding_type == "application/geo+json"
    assert locations[0].location == {"type": "Point", "coordinates": [5.12, 52.09]}
    streams = expanded.datastreams.entities
    assert [ds.name for ds in streams] == [f"{THING_NAME} pm10", f"{THING_NAME} temperature"]
    pm10, temperature = streams
    assert pm10.unit_of_measurement.symbol == "ug/m3"
    assert temperature.unit_of_measurement.name == "degree Celsius"
    assert pm10.observation_type == MEASUREMENT
    assert pm10.properties == {"interval": "PT1M"}
    assert pm10.sensor.name == f"{THING_NAME} pm10 sensor"
    assert pm10.sensor.metadata == "https://example.org/sensor.pdf"
    assert temperature.observed_property.name == "temperature"
    assert temperature.observed_property.definition == "https://example.org/temperature"

    # navigation from an entity the client holds: Things(id)/Datastreams and Things(id)/Locations
    assert sorted(_streams_by_name(service, thing)) == [f"{THING_NAME} pm10", f"{THING_NAME} temperature"]
    assert [loc.name for loc in thing.get_locations().query().list()] == [f"{THING_NAME} location"]
    # the other Thing has its own streams and location
    all_things = service.things().query().orderby("name", "asc").expand("Locations").list()
    assert [t.name for t in all_things] == [THING_NAME, OTHER_THING]
    assert all_things.get(1).locations.entities[0].location["coordinates"] == [5.11, 52.10]


def test_observations_filter_orderby_and_paging(service: fsc.SensorThingsService) -> None:
    thing = _deep_insert(service, THING_NAME, 5.12, 52.09)
    other = _deep_insert(service, OTHER_THING, 5.11, 52.10)
    pm10 = _streams_by_name(service, thing)[f"{THING_NAME} pm10"]
    other_pm10 = _streams_by_name(service, other)[f"{OTHER_THING} pm10"]

    # Observations linked to a Datastream by id, one request each
    created = []
    for minute, value in [(0, 12.5), (1, 20), (2, 31.25)]:
        observation = fsc.Observation(
            phenomenon_time=_timestamp(minute),
            result=value,
            parameters={"sample": minute},
            datastream=fsc.Datastream(id=pm10.id),
        )
        service.create(observation)
        assert isinstance(observation.id, int)
        created.append(observation.id)
    service.create(fsc.Observation(phenomenon_time=_timestamp(5), result=99, datastream=fsc.Datastream(id=other_pm10.id)))

    one = service.observations().find(created[1])
    assert one.result == 20
    assert one.parameters == {"sample": 1}
    assert one.phenomenon_time == "2024-03-01T10:01:00Z"

    # $filter across relations, $orderby phenomenonTime desc, $expand
    latest_first = (
        service.observations()
        .query()
        .filter(f"Datastream/Thing/name eq '{THING_NAME}'")
        .expand("Datastream($select=name),FeatureOfInterest")
        .orderby("phenomenonTime", "desc")
        .list()
    )
    observations = list(latest_first)
    assert [o.id for o in observations] == list(reversed(created))
    assert [o.result for o in observations] == [31.25, 20, 12.5]
    assert [o.phenomenon_time for o in observations] == ["2024-03-01T10:02:00Z", "2024-03-01T10:01:00Z", "2024-03-01T10:00:00Z"]
    assert {o.datastream.name for o in observations} == {f"{THING_NAME} pm10"}
    # the FeatureOfInterest was generated from the Thing's Location (§10.2.1.1)
    assert observations[0].feature_of_interest.feature == {"type": "Point", "coordinates": [5.12, 52.09]}
    assert (
        [o.result for o in service.observations().query().filter("result gt 15 and Datastream/ObservedProperty/name eq 'pm10'").orderby("result", "asc").list()]
        == [20, 31.25, 99]
    )
    # Datastreams(id)/Observations through the client's parent navigation
    assert [o.result for o in pm10.get_observations().query().orderby("phenomenonTime", "asc").list()] == [12.5, 20, 31.25]

    # 250 observations on the temperature stream, paged 100 at a time through @iot.nextLink
    temperature = _streams_by_name(service, thing)[f"{THING_NAME} temperature"]
    document = fsc.DataArrayDocument()
    document.add_data_array_value(_data_array(temperature.id, [(_timestamp(m), m / 10) for m in range(250)]))
    links = service.observations().create(document)
    assert len(links) == 250
    page = (
        service.observations()
        .query()
        .filter(f"Datastream/id eq {temperature.id}")
        .orderby("phenomenonTime", "desc")
        .top(100)
        .count()
        .list()
    )
    assert page.count == 250
    assert len(page.entities) == 100
    assert page.next_link is not None and "$skip=100" in page.next_link
    seen = [(o.id, o.result, o.phenomenon_time) for o in page]
    assert len(seen) == 250
    assert len({obs_id for obs_id, _, _ in seen}) == 250
    assert {obs_id for obs_id, _, _ in seen} == {_self_link_id(link.self_link) for link in links}
    assert [result for _, result, _ in seen] == [m / 10 for m in reversed(range(250))]
    assert seen[0][2] == _timestamp(249) and seen[-1][2] == _timestamp(0)

    # an expanded collection carries Observations@iot.nextLink; iterating it pages on
    # (the client's orderby() defaults to upper-case 'DESC')
    streams = (
        service.datastreams()
        .query()
        .filter(f"id eq {temperature.id}")
        .expand("Observations($top=100;$orderby=phenomenonTime desc)")
        .list()
    )
    nested = streams.get(0).observations
    assert len(nested.entities) == 100 and nested.next_link is not None
    assert [o.result for o in nested] == [m / 10 for m in reversed(range(250))]
    by_default_direction = service.observations().query().filter(f"Datastream/id eq {temperature.id}").orderby("phenomenonTime").top(3).list()
    assert [o.result for o in by_default_direction.entities] == [24.9, 24.8, 24.7]


def test_create_observations_data_array(service: fsc.SensorThingsService) -> None:
    thing = _deep_insert(service, THING_NAME, 5.12, 52.09)
    streams = _streams_by_name(service, thing)
    pm10, temperature = streams[f"{THING_NAME} pm10"], streams[f"{THING_NAME} temperature"]

    document = fsc.DataArrayDocument()
    document.add_data_array_value(_data_array(pm10.id, [(_timestamp(0), 10.5), (_timestamp(1), 11), (_timestamp(2), "n/a")]))
    document.add_data_array_value(_data_array(temperature.id, [(_timestamp(0), 7.25), (_timestamp(1), 8)]))
    observations = service.observations().create(document)

    assert len(observations) == 5
    assert all(isinstance(o, fsc.Observation) for o in observations)
    ids = [_self_link_id(o.self_link) for o in observations]
    assert all(o.self_link.startswith(service.url.url + "/Observations(") for o in observations)
    assert ids == sorted(ids) and len(set(ids)) == 5

    stored = {o.id: o for o in service.observations().query().expand("Datastream").top(10).list()}
    assert sorted(stored) == ids
    assert [(stored[i].datastream.id, stored[i].result, stored[i].phenomenon_time) for i in ids] == [
        (pm10.id, 10.5, "2024-03-01T10:00:00Z"),
        (pm10.id, 11, "2024-03-01T10:01:00Z"),
        (pm10.id, "n/a", "2024-03-01T10:02:00Z"),
        (temperature.id, 7.25, "2024-03-01T10:00:00Z"),
        (temperature.id, 8, "2024-03-01T10:01:00Z"),
    ]
    # the stream summary follows: phenomenonTime of the Datastream spans its observations
    refreshed = service.datastreams().find(pm10.id)
    assert refreshed.phenomenon_time == "2024-03-01T10:00:00Z/2024-03-01T10:02:00Z"

    # all components, FeatureOfInterest by id among them
    feature = service.observations().find(ids[0]).get_dao(service).query().expand("FeatureOfInterest").top(1).list().get(0).feature_of_interest
    assert feature.feature == {"type": "Point", "coordinates": [5.12, 52.09]}
    full = DataArrayValue()
    full.datastream = fsc.Datastream(id=temperature.id)
    full.components = set(DataArrayValue.Property) - {DataArrayValue.Property.ID}
    full.add_observation(
        fsc.Observation(
            phenomenon_time="2024-03-01T11:00:00Z/2024-03-01T11:15:00Z",
            result={"mean": 9.5, "n": 15},
            result_time="2024-03-01T11:15:01Z",
            result_quality={"flag": "ok"},
            valid_time="2024-03-01T11:00:00Z/2024-03-01T12:00:00Z",
            parameters={"method": "mean"},
            feature_of_interest=fsc.FeatureOfInterest(id=feature.id),
        )
    )
    document = fsc.DataArrayDocument()
    document.add_data_array_value(full)
    (link,) = service.observations().create(document)
    stored_full = service.observations().query().filter(f"id eq {_self_link_id(link.self_link)}").expand("FeatureOfInterest").list().get(0)
    assert stored_full.phenomenon_time == "2024-03-01T11:00:00Z/2024-03-01T11:15:00Z"
    assert stored_full.result == {"mean": 9.5, "n": 15}
    assert stored_full.result_time == "2024-03-01T11:15:01Z"
    assert stored_full.result_quality == {"flag": "ok"}
    assert stored_full.valid_time == "2024-03-01T11:00:00Z/2024-03-01T12:00:00Z"
    assert stored_full.parameters == {"method": "mean"}
    assert stored_full.feature_of_interest.id == feature.id

    # a document naming a Datastream that does not exist is rejected as a whole
    bad = fsc.DataArrayDocument()
    bad.add_data_array_value(_data_array(temperature.id, [(_timestamp(3), 9)]))
    bad.add_data_array_value(_data_array(999_999, [(_timestamp(3), 9)]))
    with pytest.raises(requests.HTTPError) as excinfo:
        service.observations().create(bad)
    assert excinfo.value.response.status_code in (400, 404)
    assert len(list(service.observations().query().list())) == 6


def test_patch_update_and_delete(service: fsc.SensorThingsService) -> None:
    thing = _deep_insert(service, THING_NAME, 5.12, 52.09)
    pm10 = _streams_by_name(service, thing)[f"{THING_NAME} pm10"]
    observation = fsc.Observation(phenomenon_time=_timestamp(0), result=12.5, datastream=fsc.Datastream(id=pm10.id))
    service.create(observation)

    # JSON Patch (application/json-patch+json), as the client sends it
    service.patch(thing, [{"op": "replace", "path": "/name", "value": "Luchtmeetpunt Neude-Noord"}, {"op": "add", "path": "/properties/height", "value": 4}])
    patched = service.things().find(thing.id)
    assert patched.name == "Luchtmeetpunt Neude-Noord"
    assert patched.properties == {"owner": "gemeente", "height": 4}
    assert patched.description == f"{THING_NAME} in the city"

    # PUT of the entity the client fetched, with a changed value
    fetched = service.observations().find(observation.id)
    fetched.result = 13.75
    service.update(fetched)
    updated = service.observations().find(observation.id)
    assert updated.result == 13.75
    assert updated.phenomenon_time == "2024-03-01T10:00:00Z"

    stream = pm10.get_dao(service).find(pm10.id)
    stream.description = "recalibrated pm10 stream"
    service.update(stream)
    assert service.datastreams().find(pm10.id).description == "recalibrated pm10 stream"
    assert service.datastreams().find(pm10.id).unit_of_measurement.symbol == "ug/m3"

    # DELETE an Observation, then the Thing (cascading to its Datastreams and their Observations)
    service.delete(updated)
    with pytest.raises(requests.HTTPError) as excinfo:
        service.observations().find(observation.id)
    assert excinfo.value.response.status_code == 404

    service.delete(patched)
    with pytest.raises(requests.HTTPError) as excinfo:
        service.things().find(thing.id)
    assert excinfo.value.response.status_code == 404
    assert list(service.datastreams().query().list()) == []
    # Sensors, ObservedProperties and Locations are not owned by the Thing and stay
    assert len(list(service.sensors().query().list())) == 2
    assert [loc.name for loc in service.locations().query().list()] == [f"{THING_NAME} location"]
