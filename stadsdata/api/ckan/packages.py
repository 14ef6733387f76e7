"""A catalog entry as a CKAN package (dataset) dict, with its resources.

- `id` is the dataset's id (as text), `name` its name; `private` is true for a dataset its owner
  keeps out of the listing (shown only to who may read or manage it, as CKAN's private datasets);
- the owner is the `organization`, the themes are `groups`, the keywords `tags`;
- the access level is `access_level`, its EU URI `access_rights` (ckanext-dcat's name), and both
  are in `extras` with the other DCAT members under ckanext-dcat's keys (`frequency`, `theme`,
  `publisher_name`, `contact_email`, `temporal_start`, `spatial`, …);
- the resources are the dataset's distributions (`catalog/distributions.py`: the CSV, GeoJSON
  and Parquet downloads and the SensorThings API), then one per Datastream the caller may read.
  The CSV resource (`<id>-csv`) and each Datastream's (`datastream-<id>`) are in the DataStore
  (`datastore_active`): `datastore_search` gives their observations (`datastore.py`).

Times are CKAN's: ISO 8601 in UTC without a zone ('2026-05-01T10:00:00.123456')."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stadsdata.api.ckan.organizations import group, license_code, license_dict, organization, tag
from stadsdata.catalog.distributions import distributions
from stadsdata.catalog.entries import CatalogEntry, StreamSummary
from stadsdata.catalog.vocabularies import ACCESS_RIGHTS, FREQUENCIES, LICENSES, theme

DATASTORE_DISTRIBUTION = "csv"  # the distribution whose resource holds all the dataset's observations
_STREAM_RESOURCE = re.compile(r"^datastream-(\d{1,18})$")
_DISTRIBUTION_RESOURCE = re.compile(r"^(\d{1,18})-([a-z]+)$")


@dataclass(frozen=True)
class ResourceRef:
    """What a resource id names: a distribution of a dataset, or one Datastream."""

    dataset_id: int | None
    key: str | None  # the distribution's key
    datastream_id: int | None = None


def parse_resource_id(text: str) -> ResourceRef | None:
    if match := _STREAM_RESOURCE.match(text):
        return ResourceRef(None, None, int(match.group(1)))
    if match := _DISTRIBUTION_RESOURCE.match(text):
        return ResourceRef(int(match.group(1)), match.group(2))
    return None


def ckan_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def package(entry: CatalogEntry, base_url: str) -> dict[str, Any]:
    licence = license_dict(license_code(entry))
    metadata = entry.metadata
    contact = metadata.get("contactPoint") or {}
    publisher = entry.publisher
    resources = package_resources(entry, base_url)
    tags = [tag(k) for k in entry.keywords]
    org = organization(entry.owner) if entry.owner is not None else None
    return {
        "id": str(entry.id), "name": entry.name, "title": entry.title, "notes": entry.description,
        "type": "dataset", "state": "active", "private": entry.unlisted,
        "license_id": licence["id"], "license_title": licence["title"], "license_url": licence["url"],
        "isopen": licence["is_okd_compliant"], "url": metadata.get("landingPage") or "", "version": None,
        "author": None, "author_email": None,
        "maintainer": contact.get("name") or (publisher.name if publisher else None),
        "maintainer_email": contact.get("email") or (publisher.email if publisher else None),
        "owner_org": org["id"] if org else None, "organization": org,
        "groups": [group(code) for code in entry.themes], "tags": tags, "num_tags": len(tags),
        "resources": resources, "num_resources": len(resources), "extras": extras(entry),
        "access_level": entry.access_level, "access_rights": ACCESS_RIGHTS[entry.access_level].uri,
        "metadata_created": ckan_time(entry.created), "metadata_modified": ckan_time(entry.modified),
        "creator_user_id": None, "relationships_as_object": [], "relationships_as_subject": [],
    }  # fmt: skip


def extras(entry: CatalogEntry) -> list[dict[str, str]]:
    """The DCAT members under ckanext-dcat's extras keys, sorted by key; what comes from the data
    (temporal and spatial coverage) only where the caller may read it (`entry` has it then)."""
    metadata = entry.metadata
    contact = metadata.get("contactPoint") or {}
    publisher = entry.publisher
    frequency = FREQUENCIES.get(metadata.get("accrualPeriodicity") or "")
    values: dict[str, Any] = {
        "access_level": entry.access_level, "access_rights": ACCESS_RIGHTS[entry.access_level].uri,
        "personal_data": "true" if entry.personal_data else "false",
        "frequency": frequency.uri if frequency else None,
        "theme": [t.uri for code in entry.themes if (t := theme(code))] or None,
        "language": metadata.get("language") or None, "conforms_to": metadata.get("conformsTo") or None,
        "publisher_name": publisher.name if publisher else None, "publisher_uri": publisher.uri if publisher else None,
        "publisher_email": publisher.email if publisher else None,
        "contact_name": contact.get("name"), "contact_email": contact.get("email"), "contact_uri": contact.get("url"),
        "attribution": metadata.get("attribution"), "title_en": metadata.get("titleEn"),
        "notes_en": metadata.get("descriptionEn"),
        "temporal_start": entry.temporal[0].astimezone(UTC).isoformat() if entry.temporal else None,
        "temporal_end": entry.temporal[1].astimezone(UTC).isoformat() if entry.temporal else None,
        "spatial": json.dumps(_polygon(entry.bbox)) if entry.bbox else None,
    }  # fmt: skip
    return [
        {"key": key, "value": value if isinstance(value, str) else json.dumps(value)}
        for key, value in sorted(values.items())
        if value is not None
    ]


def _polygon(bbox: tuple[float, float, float, float]) -> dict[str, Any]:
    x0, y0, x1, y1 = bbox
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def package_resources(entry: CatalogEntry, base_url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in distributions(entry, base_url):
        download = d.kind == "download"
        name = f"{entry.title} ({d.format})" if download else d.format
        description = (
            f"De observaties van de dataset als {d.format}." if download
            else "De OGC SensorThings API v1.1: de Datastreams van de dataset, voor wie ze mag lezen."
        )  # fmt: skip
        out.append(_resource(entry, f"{entry.id}-{d.key}", name, description, d.format, d.media_type, d.url,
                             "file" if download else "api", d.key == DATASTORE_DISTRIBUTION))  # fmt: skip
    for stream in entry.datastreams:  # MultiDatastreams are not in the DataStore (docs/ckan.md)
        out.append(stream_resource(entry, stream, base_url))
    for position, resource in enumerate(out):
        resource["position"] = position
    return out


def stream_resource(entry: CatalogEntry, stream: StreamSummary, base_url: str) -> dict[str, Any]:
    """One Datastream of a dataset the caller may read: its observations in the DataStore, and
    at its URL through the SensorThings API."""
    url = f"{base_url.rstrip('/')}/v1.1/Datastreams({stream.id})/Observations"
    resource = _resource(entry, f"datastream-{stream.id}", stream.name, stream.description, "SensorThings API",
                         "application/json", url, "api", True)  # fmt: skip
    resource |= {
        "datastream_id": stream.id, "thing": stream.thing, "observed_property": ", ".join(stream.observed_properties),
        "unit": ", ".join(stream.units), "observation_count": stream.observation_count,
        "temporal_start": ckan_time(stream.start), "temporal_end": ckan_time(stream.end),
    }  # fmt: skip
    return resource


def _resource(
    entry: CatalogEntry, resource_id: str, name: str, description: str, fmt: str, mimetype: str, url: str, kind: str,
    datastore: bool,
) -> dict[str, Any]:  # fmt: skip
    code = license_code(entry)
    return {
        "id": resource_id, "package_id": str(entry.id), "name": name, "description": description, "format": fmt,
        "mimetype": mimetype, "mimetype_inner": None, "url": url, "url_type": None, "resource_type": kind,
        "datastore_active": datastore, "state": "active", "size": None, "hash": "", "cache_url": None,
        "cache_last_updated": None, "created": ckan_time(entry.created), "last_modified": ckan_time(entry.modified),
        "metadata_modified": ckan_time(entry.modified), "license": LICENSES[code].uri, "position": 0,
    }  # fmt: skip
