"""A dataset's DCAT-AP-NL metadata beyond its name, title, description and access level: what
owners fill in (through `/api/v1/datasets`, the CLI or the web UI) and the catalog publishes.
Stored as one JSON document on the dataset (`datasets.metadata`), in lowerCamelCase; codes are
checked against the vocabularies (`vocabularies.py`), so that only terms the catalog can publish
as URIs are kept. What is computed from the data (coverage, streams, formats) is not stored
here: `entries.py` adds it for callers who may read the data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from stadsdata.catalog.vocabularies import FREQUENCIES, LICENSES, theme

LANGUAGES = ("nl", "en", "de", "fr", "fy")
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"  # the shape of an address; whether it reaches anyone is the owner's care


class ContactPoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=200, pattern=EMAIL)
    url: AnyHttpUrl | None = None


class Processing(BaseModel):
    """The record of processing of personal data (GDPR art. 30) for a dataset that holds such
    data; the processing register (`processing_register.py`) adds the recipients from grants,
    agreements and consents."""

    model_config = ConfigDict(extra="forbid")

    purpose: str = Field(min_length=1, max_length=2000)
    legalBasis: Literal["consent", "contract", "legal-obligation", "vital-interests", "public-task", "legitimate-interests"]
    dataCategories: list[str] = Field(default_factory=list, max_length=50)
    subjectCategories: list[str] = Field(default_factory=list, max_length=50)
    retention: str = Field("", max_length=500, description="how long the data is kept, e.g. 'raw data 1 year, hourly means 10 years'")
    controller: str | None = Field(None, max_length=200, description="default: the dataset's owner")


class DatasetMetadata(BaseModel):
    """Every member is optional; the catalog fills in defaults where DCAT-AP-NL requires a value
    (e.g. the owner as publisher and contact point, the default licence of the access level)."""

    model_config = ConfigDict(extra="forbid")

    titleEn: str | None = Field(None, max_length=200)
    descriptionEn: str | None = Field(None, max_length=10_000)
    themes: list[str] = Field(default_factory=list, max_length=20, description="EU data themes ('ENVI', 'TRAN', …) and overheid.nl themes")
    keywords: list[str] = Field(default_factory=list, max_length=50)
    contactPoint: ContactPoint | None = None
    license: str | None = Field(None, description=f"one of {', '.join(LICENSES)}")
    accrualPeriodicity: str | None = Field(None, description=f"update frequency: one of {', '.join(FREQUENCIES)}")
    conformsTo: list[AnyHttpUrl] = Field(default_factory=list, max_length=20, description="standards the data follows (URIs)")
    landingPage: AnyHttpUrl | None = None
    attribution: str | None = Field(None, max_length=500, description="how users name the source, e.g. 'Gemeente Veenhaven'")
    language: list[str] = Field(default_factory=lambda: ["nl"], max_length=5)
    publisherPartyId: int | None = Field(None, ge=0, description="default: the owner")
    personalData: bool | None = Field(None, description="holds personal data (default: when fields are pseudonymised or a resident owns it)")
    processing: Processing | None = None

    @field_validator("themes")
    @classmethod
    def _known_themes(cls, value: list[str]) -> list[str]:
        for code in value:
            if theme(code) is None:
                raise ValueError(f"unknown theme {code!r} (EU data themes: AGRI, ECON, EDUC, ENER, ENVI, GOVE, HEAL, INTR, JUST, REGI, SOCI, TECH, TRAN)")
        return list(dict.fromkeys(value))

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        cleaned = [k.strip() for k in value]
        if any(not k or len(k) > 100 for k in cleaned):
            raise ValueError("a keyword is 1 to 100 characters")
        return list(dict.fromkeys(cleaned))

    @field_validator("license")
    @classmethod
    def _license(cls, value: str | None) -> str | None:
        if value is not None and value not in LICENSES:
            raise ValueError(f"unknown licence {value!r}: one of {', '.join(LICENSES)}")
        return value

    @field_validator("accrualPeriodicity")
    @classmethod
    def _frequency(cls, value: str | None) -> str | None:
        if value is not None and value not in FREQUENCIES:
            raise ValueError(f"unknown frequency {value!r}: one of {', '.join(FREQUENCIES)}")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: list[str]) -> list[str]:
        for code in value:
            if code not in LANGUAGES:
                raise ValueError(f"unknown language {code!r}: one of {', '.join(LANGUAGES)}")
        return value

    def dump(self) -> dict[str, Any]:
        """As stored: JSON types only, members without a value left out."""
        return self.model_dump(mode="json", exclude_none=True)


def merged(current: dict[str, Any] | None, change: dict[str, Any]) -> dict[str, Any]:
    """`change` applied to the stored metadata as a JSON merge patch on its top-level members
    (RFC 7386: a member set to null is removed), then validated as a whole."""
    out = dict(current or {})
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return DatasetMetadata.model_validate(out).dump()
