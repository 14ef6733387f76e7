"""The OCPI 2.2.1 objects a receiver takes (mod_locations, mod_sessions, mod_cdrs, mod_tariffs,
credentials), as pydantic models used to VALIDATE what a CPO pushes: required members, enums,
the sizes of identifiers, DateTime and coordinate formats. What is stored is the object as it was
sent (members this version does not know are kept); `check` names the first wrong member
("evses[0].status") for the OCPI 2001 answer and the quarantine."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def parse_time(text: str) -> datetime:
    """An OCPI DateTime (RFC 3339; no zone means UTC, as the spec says) as an aware datetime."""
    if not isinstance(text, str) or not _DATETIME.match(text):
        raise ValueError("not an RFC 3339 date-time such as 2024-11-07T22:39:09Z")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _datetime(text: str | None) -> str | None:
    if text is not None:  # None only in a PATCH's partial model, where `no_nulls` refuses it
        parse_time(text)
    return text


def _latitude(text: str) -> str:
    if not re.fullmatch(r"-?[0-9]{1,2}\.[0-9]{5,7}", text) or abs(float(text)) > 90:
        raise ValueError("latitude must be a decimal string such as '52.089444' (5 to 7 decimals)")
    return text


def _longitude(text: str) -> str:
    if not re.fullmatch(r"-?[0-9]{1,3}\.[0-9]{5,7}", text) or abs(float(text)) > 180:
        raise ValueError("longitude must be a decimal string such as '5.110278' (5 to 7 decimals)")
    return text


DateTime = Annotated[str, AfterValidator(_datetime)]
CountryCode = Annotated[str, Field(min_length=2, max_length=2)]
PartyId = Annotated[str, Field(min_length=3, max_length=3)]
Id = Annotated[str, Field(min_length=1, max_length=36)]
EvseStatus = Literal[
    "AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED", "REMOVED", "RESERVED", "UNKNOWN"
]
PowerType = Literal["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]
TokenType = Literal["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
Currency = Annotated[str, Field(min_length=3, max_length=3)]


class _Object(BaseModel):
    model_config = ConfigDict(extra="allow", strict=False)


class GeoLocation(_Object):
    latitude: Annotated[str, AfterValidator(_latitude)]
    longitude: Annotated[str, AfterValidator(_longitude)]


class Connector(_Object):
    id: Id
    standard: Annotated[str, Field(min_length=1, max_length=40)]
    format: Literal["SOCKET", "CABLE"]
    power_type: PowerType
    max_voltage: int
    max_amperage: int
    max_electric_power: int | None = None
    tariff_ids: list[Id] | None = None
    last_updated: DateTime


class Evse(_Object):
    uid: Id
    evse_id: Annotated[str, Field(max_length=48)] | None = None
    status: EvseStatus
    connectors: Annotated[list[Connector], Field(min_length=1)]
    coordinates: GeoLocation | None = None
    last_updated: DateTime


class BusinessDetails(_Object):
    name: Annotated[str, Field(min_length=1, max_length=100)]


class Location(_Object):
    country_code: CountryCode
    party_id: PartyId
    id: Id
    publish: bool
    name: Annotated[str, Field(max_length=255)] | None = None
    address: Annotated[str, Field(max_length=45)]
    city: Annotated[str, Field(max_length=45)]
    postal_code: Annotated[str, Field(max_length=10)] | None = None
    country: Annotated[str, Field(min_length=3, max_length=3)]
    coordinates: GeoLocation
    evses: list[Evse] | None = None
    operator: BusinessDetails | None = None
    time_zone: Annotated[str, Field(min_length=1, max_length=255)]
    last_updated: DateTime


class CdrToken(_Object):
    country_code: CountryCode
    party_id: PartyId
    uid: Id
    type: TokenType
    contract_id: Id


class Price(_Object):
    excl_vat: float
    incl_vat: float | None = None


class CdrDimension(_Object):
    type: Annotated[str, Field(min_length=1)]
    volume: float


class ChargingPeriod(_Object):
    start_date_time: DateTime
    dimensions: Annotated[list[CdrDimension], Field(min_length=1)]
    tariff_id: Id | None = None


class Session(_Object):
    country_code: CountryCode
    party_id: PartyId
    id: Id
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: float
    cdr_token: CdrToken
    auth_method: Literal["AUTH_REQUEST", "COMMAND", "WHITELIST"]
    authorization_reference: Id | None = None
    location_id: Id
    evse_uid: Id
    connector_id: Id
    meter_id: Annotated[str, Field(max_length=255)] | None = None
    currency: Currency
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: Literal["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]
    last_updated: DateTime


class CdrLocation(_Object):
    id: Id
    name: Annotated[str, Field(max_length=255)] | None = None
    address: Annotated[str, Field(max_length=45)]
    city: Annotated[str, Field(max_length=45)]
    postal_code: Annotated[str, Field(max_length=10)] | None = None
    country: Annotated[str, Field(min_length=3, max_length=3)]
    coordinates: GeoLocation
    evse_uid: Id
    evse_id: Annotated[str, Field(max_length=48)]
    connector_id: Id
    connector_standard: Annotated[str, Field(min_length=1, max_length=40)]
    connector_format: Literal["SOCKET", "CABLE"]
    connector_power_type: PowerType


class Cdr(_Object):
    country_code: CountryCode
    party_id: PartyId
    id: Annotated[str, Field(min_length=1, max_length=39)]
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: Id | None = None
    cdr_token: CdrToken
    auth_method: Literal["AUTH_REQUEST", "COMMAND", "WHITELIST"]
    authorization_reference: Id | None = None
    cdr_location: CdrLocation
    currency: Currency
    charging_periods: Annotated[list[ChargingPeriod], Field(min_length=1)]
    total_cost: Price
    total_energy: float
    total_time: float
    last_updated: DateTime


class PriceComponent(_Object):
    type: Literal["ENERGY", "FLAT", "PARKING_TIME", "TIME"]
    price: float
    vat: float | None = None
    step_size: int


class TariffElement(_Object):
    price_components: Annotated[list[PriceComponent], Field(min_length=1)]


class Tariff(_Object):
    country_code: CountryCode
    party_id: PartyId
    id: Id
    currency: Currency
    type: Literal["AD_HOC_PAYMENT", "PROFILE_CHEAP", "PROFILE_FAST", "PROFILE_GREEN", "REGULAR"] | None = None
    elements: Annotated[list[TariffElement], Field(min_length=1)]
    last_updated: DateTime


class CredentialsRole(_Object):
    role: Literal["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"]
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(_Object):
    token: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
    url: Annotated[str, Field(min_length=1, max_length=255)]
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]


class Refused(ValueError):
    """An object that is not what OCPI 2.2.1 describes: `member` names where (e.g.
    'evses[0].status'), `reason` says what is wrong."""

    def __init__(self, member: str | None, reason: str) -> None:
        super().__init__(f"{member}: {reason}" if member else reason)
        self.member = member
        self.reason = reason


@functools.cache
def partial(model: type[BaseModel]) -> type[BaseModel]:
    """`model` with every member optional except `last_updated` (what a PATCH must carry)."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name == "last_updated":
            fields[name] = (info.annotation, info)
        else:
            fields[name] = (info.annotation | None, FieldInfo.merge_field_infos(info, default=None))
    return create_model(f"{model.__name__}Patch", __base__=_Object, **fields)


def check_patch(model: type[BaseModel], document: Any) -> dict[str, Any]:
    """A PATCH of a `model`: its members valid, `last_updated` present, no required member null."""
    check(partial(model), document)
    for name, value in document.items():
        info = model.model_fields.get(name)
        if value is None and info is not None and info.is_required():
            raise Refused(name, "may not be null")
    return document


def check(model: type[BaseModel], document: Any, *, prefix: str = "") -> dict[str, Any]:
    """`document` if it is a valid `model`, else `Refused` naming the first wrong member."""
    if not isinstance(document, dict):
        raise Refused(prefix or None, f"must be a JSON object ({model.__name__.removesuffix('Patch')})")
    try:
        model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        member = _member(prefix, first["loc"])
        reason = "is required" if first["type"] == "missing" else first["msg"]
        raise Refused(member, reason) from None
    return document


def _member(prefix: str, loc: tuple[Any, ...]) -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-after", "literal[", "constrained")):
            out += f".{part}" if out else str(part)
    return out
