"""Request bodies of the management API (pydantic: they are its OpenAPI schemas too). Names are
lowerCamelCase; unknown fields are refused, so a typo is a 400 naming it, not silently ignored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from stadsdata.catalog.metadata import DatasetMetadata
from stadsdata.model.values import has_nul

MAX_ID = 2**63 - 1  # ids are 64-bit in both backends: a larger number names nothing (400, not a database error)
Id = Annotated[int, annotated_types.Interval(ge=0, le=MAX_ID)]


AccessLevel = Literal["public", "restricted", "non-public"]
PartyKind = Literal["organisation", "department", "company", "resident"]
Name = Field(min_length=1, max_length=200)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_and_utc(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("text may not contain the NUL character (\\u0000)")
        return value.astimezone(UTC) if isinstance(value, datetime) else value



class NewParty(Body):
    name: str = Name
    kind: PartyKind = "organisation"
    parentId: Id | None = Field(None, description="the organisation a department belongs to")


class NewUser(Body):
    username: str = Name
    password: str = Field(min_length=1, description="stored as an argon2 hash")
    partyId: Id | None = None
    isAdmin: bool = False
    canWrite: bool = Field(True, description="steward of its party (adds Observations, manages its datasets, offers, "
                           "accounts and keys); false: a read-only member")


class UserChange(Body):
    disabled: bool | None = None
    password: str | None = Field(None, min_length=1)
    canWrite: bool | None = None


class NewApiKey(Body):
    name: str = Field(min_length=1, max_length=200, description="what the key is for, e.g. 'garage sensors'")
    partyId: Id | None = None
    isAdmin: bool = False
    canWrite: bool = Field(False, description="may add Observations to its party's datasets")
    expiresAt: AwareDatetime | None = None


class NewDataset(Body):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    title: str = Name
    description: str = ""
    accessLevel: AccessLevel
    ownerPartyId: Id | None = Field(None, description="default: the caller's party")
    personalFields: list[str] = Field(
        default_factory=list,
        description="paths in Observations replaced by a keyed hash before storage, e.g. 'result.cardId', 'parameters.owner'",
    )
    metadata: DatasetMetadata | None = Field(None, description="DCAT-AP-NL metadata for the catalog (docs/catalog.md)")
    unlisted: bool = Field(False, description="keep the dataset out of the catalog listing (who may read it still finds it)")


class DatasetChange(Body):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    accessLevel: AccessLevel | None = None
    personalFields: list[str] | None = Field(None, description="from now on; stored Observations are not rewritten")
    metadata: dict[str, Any] | None = Field(
        None, description="members of the DCAT-AP-NL metadata to change (a JSON merge patch: null removes a member; docs/catalog.md)"
    )
    unlisted: bool | None = None


class NewGrant(Body):
    partyId: Id
    validFrom: AwareDatetime | None = None
    validUntil: AwareDatetime | None = None


class NewOffer(Body):
    policy: dict[str, Any] = Field(description="an ODRL 2.2 Offer as JSON-LD (the subset in docs/access.md)")
    autoAccept: bool = Field(False, description="requests that fit the offer become Agreements at once")


class NewAccessRequest(Body):
    offerId: Id
    purpose: str = Field(min_length=1, max_length=500)
    message: str = Field("", max_length=4000)


class AccessRequestDecision(Body):
    status: Literal["approved", "rejected", "withdrawn"]
    reason: str | None = Field(None, max_length=4000)


class AgreementChange(Body):
    status: Literal["ended"]


class NewConsent(Body):
    datasetId: Id
    partyId: Id
    purpose: str = Field(min_length=1, max_length=500, description="a W3C DPV purpose or plain words")
    expiresAt: AwareDatetime | None = None


class ConsentChange(Body):
    status: Literal["withdrawn"]


class QuarantineDecision(Body):
    status: Literal["replayed", "discarded"] = Field(
        description="'replayed': store it now, with the caller's rights (it stays held, with the new reason, if refused again)"
    )


class NewLorawanDevice(Body):
    network: str = Field(
        min_length=1, max_length=40, description="the source kind (GET /api/v1/source-kinds), e.g. 'tts' or 'chirpstack'"
    )
    device: str = Field(min_length=1, max_length=200, description="as the source kind's `device` says: TTS '<application id>/<device id>'; ChirpStack: the DevEUI")
    thingId: Id | None = None
    fields: dict[str, Id] = Field(description="decoded field -> Datastream id, e.g. {'temperature': 31}")


class LorawanFieldsChange(Body):
    fields: dict[str, Id]


class NewPushSource(Body):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9._-]*$", description="used in /push/{name}")
    mapping: dict[str, Any] = Field(description="records / key / time / streams (docs/ingestion.md)")


class PushMappingChange(Body):
    mapping: dict[str, Any]


class NewSource(Body):
    name: str = Field(min_length=1, max_length=80, description="lower-case letters, digits, '.', '_', '-'; in /sources/{name}")
    kind: str = Field(description="a kind that fetches (GET /api/v1/source-kinds: those with `pull`)")
    title: str | None = Field(None, max_length=200)
    config: dict[str, Any] = Field(default_factory=dict, description="the kind's config (its configSchema); secrets as {env: NAME} or {file: PATH}")
    schedule: dict[str, Any] | None = Field(None, description='{"every": 600 or "PT10M"} or {"cron": "*/10 * * * *"}; default: the kind\'s')
    dataset: str | None = Field(None, description="the dataset its Datastreams go in (their access level)")
    test: bool = Field(True, description="try the connection before saving (400 when it fails)")


class SourceChange(Body):
    title: str | None = Field(None, max_length=200)
    config: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    dataset: str | None = None
    state: Literal["active", "paused"] | None = None
    test: bool = Field(True, description="with a new config: try the connection before saving")


class SourceRunRequest(Body):
    resyncFrom: AwareDatetime | None = Field(None, description="copy again from this time (stored items are not doubled)")


# -- dashboards of the web UI ---------------------------------------------------------------
Text = dict[Literal["nl", "en"], str]
Statistic = Literal["mean", "min", "max", "sum", "count"]


class KpiPanel(Body):
    """A number: a statistic over the latest value of every sensor of an ObservedProperty."""

    type: Literal["kpi"]
    title: Text
    observedProperty: str = Field(min_length=1, description="the ObservedProperty's name, e.g. 'PM10'")
    statistic: Statistic = "mean"


class ChartPanel(Body):
    """A time-series chart of some Datastreams: by id, or the first `limit` of an ObservedProperty."""

    type: Literal["chart"]
    title: Text
    observedProperty: str | None = Field(None, min_length=1)
    datastreams: list[int] = Field(default_factory=list, max_length=20)
    limit: int = Field(5, ge=1, le=20)
    days: int = Field(7, ge=1, le=3660, description="the range shown: the last N days")


class MapPanel(Body):
    """A map of the sensors of an ObservedProperty, coloured by their latest value."""

    type: Literal["map"]
    title: Text
    observedProperty: str = Field(min_length=1)


class AnalysisPanel(Body):
    """A number from an analysis (`docs/analytics.md`): one field of the JSON an `/api/v1` endpoint
    answers the visitor, with a link to the analysis' page."""

    type: Literal["analysis"]
    title: Text
    path: str = Field(pattern=r"^/api/v1/[A-Za-z0-9/_.~%=&?,:+-]*$", max_length=500,
                      description="the endpoint and its query, e.g. /api/v1/public-space/street-lights?days=7")  # fmt: skip
    field: str = Field(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$", max_length=200, description="a dotted path into the answer, e.g. counts.failed")
    body: dict[str, Any] | None = Field(None, description="sent as the JSON body of a POST (an analysis asked with a body, "
                                        "e.g. /api/v1/waste/routes); none: a GET")  # fmt: skip
    unit: str = Field("", max_length=50)
    link: str | None = Field(None, pattern=r"^/[A-Za-z0-9/_.~%=&?-]*$", max_length=200, description="the analysis' page, e.g. /public-space")


class Dashboard(Body):
    """A dashboard of the web UI (`/dashboards/{slug}`), stored as this JSON document."""

    title: Text
    description: Text = Field(default_factory=dict)
    theme: str = Field("general", min_length=1, max_length=50, description="air, parking, charging, public-space, …")
    panels: list[Annotated[KpiPanel | ChartPanel | MapPanel | AnalysisPanel, Field(discriminator="type")]] = Field(
        max_length=50, description="shown in this order"
    )

    @field_validator("title")
    @classmethod
    def _dutch_title(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("nl"):
            raise ValueError("a Dutch title ('nl') is required")
        return value
