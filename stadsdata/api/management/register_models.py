"""Request bodies of the sensor register's endpoints (`register_routes.py`); their OpenAPI schemas
too. The shapes only: what the values must be (coordinates in range, dates in order, URLs, the
type and theme codes, personal data with a legal ground) is checked by the register itself
(`catalog/register/entries.py`), whichever way an entry comes in."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from stadsdata.api.management.models import Body, Id
from stadsdata.catalog.register.vocabulary import TYPES

_TYPES = ", ".join(TYPES)
_URL = "an absolute http(s) URL"


class RegisterContact(Body):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)


class RegisterSensor(Body):
    name: str = Field(min_length=1, max_length=200, description="e.g. 'SDS011'")
    description: str = Field("", max_length=2000)
    type: str | None = Field(None, max_length=200, description="its technical kind, e.g. 'optical particle counter' (SensRNet sensorType)")
    manufacturer: str | None = Field(None, max_length=200)
    supplier: str | None = Field(None, max_length=200)
    documentationUrl: str | None = Field(None, max_length=2000, description=f"its datasheet: {_URL}")
    observes: list[str] = Field(default_factory=list, max_length=100, description="what it measures, e.g. ['PM10', 'PM2.5']")
    datastreamIds: list[Id] = Field(default_factory=list, description="the SensorThings Datastreams it produces (ones the caller may read)")


class _Device(Body):
    description: str | None = Field(None, max_length=5000)
    ownerPartyId: Id | None = Field(None, description="the legal entity that owns it: the caller's party (default) or one below it")
    contact: RegisterContact | None = Field(None, description="whom the public may ask about it")
    locationDescription: str | None = Field(None, max_length=1000, description="where, in words: 'on the lamp post at the corner of …'")
    mobile: bool | None = Field(None, description="it moves within its geometry (an area)")
    legalGround: str | None = Field(None, max_length=2000, description="required with personal data, e.g. 'AVG art. 6(1)(e): public task'")
    legalGroundUrl: str | None = Field(None, max_length=2000, description=f"the regulation: {_URL}")
    privacyStatementUrl: str | None = Field(None, max_length=2000, description=f"required with personal data: {_URL}")
    isPublic: bool | None = Field(None, description="the entry is shown to everyone once approved (default true)")
    isOpenData: bool | None = Field(None, description="its data are open data (default false; needs isPublic)")
    activeFrom: date | None = None
    activeUntil: date | None = Field(None, description="when it is removed; not before activeFrom")
    thingId: Id | None = Field(None, description="the device as a SensorThings Thing (one the caller may read)")
    sensors: list[RegisterSensor] | None = Field(None, max_length=50, description="its sensors; on PATCH the whole list")


class NewRegisterDevice(_Device):
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(description=f"one of {_TYPES}")
    geometry: dict[str, Any] = Field(description="where: a GeoJSON Point, or a Polygon or MultiPolygon (an area), in WGS84")
    themes: list[str] = Field(min_length=1, description="EU data theme codes, e.g. ['ENVI', 'HEAL']")
    purpose: str = Field(min_length=1, max_length=5000, description="why it measures")
    personalData: bool = Field(description="whether it processes personal data")


class RegisterDeviceChange(_Device):
    """A merge patch: the members given replace the stored ones; null removes an optional one."""

    name: str | None = Field(None, min_length=1, max_length=200)
    type: str | None = Field(None, description=f"one of {_TYPES}")
    geometry: dict[str, Any] | None = None
    themes: list[str] | None = Field(None, min_length=1)
    purpose: str | None = Field(None, min_length=1, max_length=5000)
    personalData: bool | None = None


class RegisterReview(Body):
    decision: Literal["approve", "reject"]
    note: str | None = Field(None, max_length=4000, description="required when rejecting: what the owner must change")
