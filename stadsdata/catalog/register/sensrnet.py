"""The register in the shape of the Dutch national sensor register model (Kadaster SensRNet):
legal entity → device → sensor → datastream, with the field names of SensRNet's registry API, so
that a SensRNet registry node (or the national viewer) can be fed from it.

How the register's fields map (docs/register.md has the table):
- a legal entity is the owner party (name, website = the party's URI, contact details); a resident
  shown to someone else is a legal entity without a name, one per device, so that no one can tell
  which devices belong to the same resident;
- a device keeps its name, description and category (Sensor, Camera, Beacon, from its type);
  its location is a GeoJSON point — an area's centre, the area itself going to each datastream's
  `observedArea`; `locationDetails.description` is the location description;
- each sensor keeps its name, description, type, manufacturer, supplier and documentation;
- each Datastream the caller may read becomes a SensRNet datastream with a `dataLink` to it on the
  SensorThings API; a sensor without linked Datastreams has one datastream per thing it observes;
- the device's flags go to each datastream: `isPublic`, `isOpenData` (and `isReusable`),
  `containsPersonalInfoData`, `isActive` (today within the active period), `theme` (the Dutch
  theme labels); the purpose and legal ground become the datastream's observation goal
  (`name`, `description`, `legalGround`, `legalGroundLink`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shapely.geometry import mapping, shape

from stadsdata.catalog.register.devices import Device, Sensor
from stadsdata.catalog.register.vocabulary import TYPES
from stadsdata.catalog.vocabularies import theme

MODEL = "https://github.com/kadaster-labs/sensrnet-home/blob/main/docs/Definitions.md"


def sensrnet_document(devices: Iterable[Device], base_url: str) -> dict[str, Any]:
    entities: dict[Any, dict[str, Any]] = {}
    for device in devices:
        owner = device.owner
        key = owner.id if owner.id is not None else ("anonymous", device.id)
        if key not in entities:
            contact = [{"name": device.contact.get("name"), "email": device.contact.get("email"),
                        "phone": device.contact.get("phone"), "isPublic": True}] if device.contact else []  # fmt: skip
            entities[key] = {"name": owner.name, "website": owner.uri, "contactDetails": contact, "devices": []}
        entities[key]["devices"].append(_device(device, base_url))
    return {"model": MODEL, "legalEntities": list(entities.values())}


def _device(device: Device, base_url: str) -> dict[str, Any]:
    area = device.geometry if device.geometry["type"] != "Point" else None
    location = device.geometry if area is None else mapping(shape(area).centroid)
    return {
        "id": str(device.id), "name": device.name, "description": device.description,
        "category": TYPES[device.type].sensrnet_category, "connectivity": None,
        "location": {"type": "Point", "coordinates": list(location["coordinates"])},
        "locationDetails": {"name": device.name, "description": device.location_description},
        "sensors": [{"id": str(s.id), "name": s.name, "description": s.description, "type": s.type, "manufacturer": s.manufacturer,
                     "supplier": s.supplier, "documentation": s.documentation_url} for s in device.sensors],
        "datastreams": [d for s in device.sensors for d in _datastreams(device, s, area, base_url)],
    }  # fmt: skip


def _datastreams(device: Device, sensor: Sensor, area: dict[str, Any] | None, base_url: str) -> list[dict[str, Any]]:
    common = {
        "sensorId": str(sensor.id), "observedArea": area, "theme": [t.nl for code in device.themes if (t := theme(code))],
        "dataQuality": None, "isActive": device.active, "isPublic": device.is_public, "isOpenData": device.is_open_data,
        "containsPersonalInfoData": device.personal_data, "isReusable": device.is_open_data, "documentation": sensor.documentation_url,
        "observationGoals": [{"name": device.purpose[:100], "description": device.purpose, "legalGround": device.legal_ground,
                              "legalGroundLink": device.legal_ground_url}],
    }  # fmt: skip
    if sensor.datastreams:
        return [{"id": f"datastream-{d.id}", "name": d.name, "description": d.observed_property or "", "unitOfMeasurement": d.unit,
                 "dataLink": f"{base_url}/v1.1/Datastreams({d.id})", **common} for d in sensor.datastreams]  # fmt: skip
    return [{"id": f"sensor-{sensor.id}-{n}", "name": name, "description": name, "unitOfMeasurement": None, "dataLink": None, **common}
            for n, name in enumerate(sensor.observes)]  # fmt: skip
