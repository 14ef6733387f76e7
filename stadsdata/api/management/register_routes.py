"""Management endpoints of the sensor register (`stadsdata/catalog/register/`): the devices as
the caller is shown them — JSON (HAL pages), GeoJSON, CSV and the SensRNet shape, with the same
filters — registering, changing and removing a device, and the municipality's review."""

# No `from __future__ import annotations`: FastAPI reads these annotations, `Who` is a parameter.
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.responses import JSONResponse

from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints
from stadsdata.api.management.params import Cursor, Limit
from stadsdata.api.management.register_models import NewRegisterDevice, RegisterDeviceChange, RegisterReview
from stadsdata.catalog.downloads.selection import parse_box
from stadsdata.catalog.register.csv_export import as_csv
from stadsdata.catalog.register.devices import Device
from stadsdata.catalog.register.geojson import feature_collection
from stadsdata.catalog.register.register import Register
from stadsdata.catalog.register.search import RegisterQuery
from stadsdata.catalog.register.sensrnet import sensrnet_document
from stadsdata.catalog.register.views import device_view
from stadsdata.catalog.register.vocabulary import STATUSES, TYPES
from stadsdata.errors import BadRequest
from stadsdata.platform import Platform

Many = Annotated[list[str] | None, Query(description="one value, several (repeat the parameter) or values separated by commas")]
Format = Literal["json", "geojson", "csv", "sensrnet"]
TAG = "sensor register"


def _values(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def register_query(
    q: Annotated[str, Query(max_length=500, description="words that must all occur in the entry")] = "",
    owner: Many = None, theme: Many = None, type: Many = None, status: Many = None,
    personalData: Annotated[bool | None, Query(description="only entries that do (true) or do not (false) process personal data")] = None,  # noqa: N803
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (WGS84): entries whose location meets it")] = None,
) -> RegisterQuery:  # fmt: skip
    """The filters every listing of the register takes (400 naming a bad one)."""
    owners = _values(owner)
    if not all(o.isdigit() and int(o) < 2**63 for o in owners):
        raise BadRequest("owner is a party id (a whole number)", field="owner")
    for name, given, known in (("type", _values(type), TYPES), ("status", _values(status), STATUSES)):
        if unknown := [v for v in given if v not in known]:
            raise BadRequest(f"{name} {unknown[0]!r} is not one of {', '.join(known)}", field=name)
    return RegisterQuery(
        text=q.replace("\x00", ""), owners=tuple(int(o) for o in owners), themes=_values(theme), types=_values(type),
        statuses=_values(status), personal_data=personalData, bbox=parse_box(bbox),
    )  # fmt: skip


Filters = Annotated[RegisterQuery, Depends(register_query)]


def answer(request: Request, tools: Endpoints, devices: list[Device], format: str, limit: int = 0, cursor: int | None = None) -> Response:
    """The devices in the format asked for: a HAL page of `limit` after `cursor` (json), or all of
    them as GeoJSON, CSV or the SensRNet shape."""
    root = tools.site_url(request)
    if format == "geojson":
        return Response(orjson.dumps(feature_collection(devices, root)), media_type="application/geo+json")
    if format == "csv":
        return Response(as_csv(devices), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="sensorregister.csv"'})  # fmt: skip
    if format == "sensrnet":
        return Response(orjson.dumps(sensrnet_document(devices, root)), media_type="application/json")
    after = [d for d in devices if cursor is None or d.id > cursor]
    page = after[:limit]
    next_cursor = page[-1].id if len(after) > limit else None
    return tools.listing(request, "devices", ([device_view(d, root) for d in page], next_cursor))


def add_register_routes(router: APIRouter, tools: Endpoints, Who: Any, platform: Platform) -> None:  # noqa: N803 - a type
    register = Register(platform.store, platform.core.access)

    @router.get("/register/devices", tags=[TAG], summary="The sensor register: the devices the caller is shown, filtered")
    def list_devices(
        request: Request, who: Who, filters: Filters, limit: Limit = 100, cursor: Cursor = None,
        format: Annotated[Format, Query(description="json (HAL pages), or all matches as geojson, csv or sensrnet")] = "json",
    ) -> Response:  # fmt: skip
        return answer(request, tools, register.devices(who, filters), format, limit, cursor)

    @router.get("/register/devices.geojson", tags=[TAG], summary="The register as GeoJSON (all matches)")
    def devices_geojson(request: Request, who: Who, filters: Filters) -> Response:
        return answer(request, tools, register.devices(who, filters), "geojson")

    @router.get("/register/devices.csv", tags=[TAG], summary="The register as CSV (all matches)")
    def devices_csv(request: Request, who: Who, filters: Filters) -> Response:
        return answer(request, tools, register.devices(who, filters), "csv")

    @router.get("/register/sensrnet", tags=[TAG], summary="The register in the SensRNet model: legal entity → device → sensor → datastream")
    def devices_sensrnet(request: Request, who: Who, filters: Filters) -> Response:
        return answer(request, tools, register.devices(who, filters), "sensrnet")

    @router.post("/register/devices", tags=[TAG], status_code=201, summary="Register a device (for the caller's party or one below it)")
    def create_device(request: Request, body: NewRegisterDevice, who: Who) -> JSONResponse:
        device = register.register(who, body.model_dump(exclude_none=True))
        return tools.created(request, device_view(device, tools.site_url(request)), f"register/devices/{device.id}")

    @router.get("/register/devices/{device_id}", tags=[TAG], summary="One register entry")
    def get_device(request: Request, device_id: models.Id, who: Who) -> dict[str, Any]:
        return device_view(register.device(who, device_id), tools.site_url(request))

    @router.patch("/register/devices/{device_id}", tags=[TAG],
                  summary="Change an entry (its owner: a material change sends an approved entry back for review)")  # fmt: skip
    def change_device(request: Request, device_id: models.Id, body: RegisterDeviceChange, who: Who) -> dict[str, Any]:
        device = register.change(who, device_id, body.model_dump(exclude_unset=True))
        return device_view(device, tools.site_url(request))

    @router.delete("/register/devices/{device_id}", tags=[TAG], status_code=204, summary="Remove an entry (its owner)")
    def delete_device(device_id: models.Id, who: Who) -> Response:
        register.remove(who, device_id)
        return Response(status_code=204)

    @router.post("/register/devices/{device_id}/review", tags=[TAG], summary="Approve or reject an entry (administrators)")
    def review_device(request: Request, device_id: models.Id, body: RegisterReview, who: Who) -> dict[str, Any]:
        device = register.review(who, device_id, body.decision, body.note)
        return device_view(device, tools.site_url(request))
