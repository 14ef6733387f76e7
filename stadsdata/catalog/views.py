"""A catalog entry as JSON (the management API's `/api/v1/catalog` and the web UI's catalog
pages, which are drawn from it): lowerCamelCase, times in ISO 8601 UTC, vocabulary codes with
their labels and URIs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stadsdata.catalog.distributions import distributions, license_of
from stadsdata.catalog.entries import CatalogEntry, Party, StreamSummary
from stadsdata.catalog.vocabularies import ACCESS_RIGHTS, FREQUENCIES, theme


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _party(party: Party | None) -> dict[str, Any] | None:
    return None if party is None else {"id": party.id, "name": party.name, "kind": party.kind, "uri": party.uri}


def _stream(stream: StreamSummary, base: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "entity": stream.entity, "id": stream.id, "name": stream.name, "description": stream.description,
        "observedProperties": list(stream.observed_properties), "units": list(stream.units), "thing": stream.thing,
        "observationCount": stream.observation_count, "phenomenonTime": _period(stream.start, stream.end),
        "bbox": list(stream.bbox) if stream.bbox else None, "location": stream.location,
    }  # fmt: skip
    if stream.entity == "Datastream":  # where its data-quality report is (computed there, on request: never here)
        out["_links"] = {"quality": {"href": f"{base}/api/v1/datastreams/{stream.id}/quality"}}
    return out


def _period(start: datetime | None, end: datetime | None) -> str | None:
    return None if start is None or end is None else f"{iso(start)}/{iso(end)}"


def entry_view(entry: CatalogEntry, base_url: str, *, detail: bool = False) -> dict[str, Any]:
    """The entry's members; with `detail` its distributions and streams too (each Datastream with
    `_links.quality`, its data-quality report)."""
    level = ACCESS_RIGHTS[entry.access_level]
    licence = license_of(entry)
    frequency = FREQUENCIES.get(entry.metadata.get("accrualPeriodicity", ""))
    out: dict[str, Any] = {
        "id": entry.id, "name": entry.name, "title": entry.title, "description": entry.description,
        "titleEn": entry.metadata.get("titleEn"), "descriptionEn": entry.metadata.get("descriptionEn"),
        "accessLevel": entry.access_level, "accessRights": {"uri": level.uri, "nl": level.nl, "en": level.en},
        "owner": _party(entry.owner), "publisher": _party(entry.publisher),
        "themes": [{"code": code, "uri": t.uri, "nl": t.nl, "en": t.en} for code in entry.themes if (t := theme(code))],
        "keywords": entry.keywords, "license": {"uri": licence.uri, "nl": licence.nl, "en": licence.en},
        "accrualPeriodicity": None if frequency is None else {"uri": frequency.uri, "nl": frequency.nl, "en": frequency.en},
        "contactPoint": entry.metadata.get("contactPoint"), "conformsTo": entry.metadata.get("conformsTo", []),
        "landingPage": entry.metadata.get("landingPage"), "attribution": entry.metadata.get("attribution"),
        "created": iso(entry.created), "modified": iso(entry.modified), "unlisted": entry.unlisted,
        "readable": entry.readable, "managed": entry.managed, "personalData": entry.personal_data,
        "formats": list(entry.formats), "temporal": _period(*entry.temporal) if entry.temporal else None,
        "bbox": list(entry.bbox) if entry.bbox else None, "streamCount": len(entry.streams) if entry.readable else None,
        "observationCount": entry.observation_count if entry.readable else None,
    }  # fmt: skip
    if detail:
        out["distributions"] = [
            {"key": d.key, "format": d.format, "mediaType": d.media_type, "url": d.url, "kind": d.kind, "license": d.license.uri}
            for d in distributions(entry, base_url)
        ]
        out["streams"] = [_stream(s, base_url.rstrip("/")) for s in entry.streams]
        if "processing" in entry.metadata:  # published: municipalities publish their processing register
            out["processing"] = entry.metadata["processing"]
    return out
