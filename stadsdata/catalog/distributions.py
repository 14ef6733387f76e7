"""The distributions of a catalog entry: how its data can be had. Each dataset offers downloads
(CSV, GeoJSON, Parquet: `/api/v1/datasets/{id}/download?format=…`, streamed; `catalog/downloads`)
and the SensorThings API (a data service at `/v1.1`, which serves the dataset's Datastreams to who may read them).
The licence of each is the dataset's (`metadata.license`, or the default for its access level)."""

from __future__ import annotations

from dataclasses import dataclass

from stadsdata.catalog.entries import CatalogEntry
from stadsdata.catalog.vocabularies import DEFAULT_LICENSE, LICENSES, Term

DOWNLOAD_FORMATS = {  # format code -> (name, media type)
    "csv": ("CSV", "text/csv"),
    "geojson": ("GeoJSON", "application/geo+json"),
    "parquet": ("Parquet", "application/vnd.apache.parquet"),
}
STA = ("SensorThings API", "application/json")


@dataclass(frozen=True)
class Distribution:
    key: str  # stable within the dataset: 'csv', 'geojson', 'parquet', 'sensorthings'
    format: str  # 'CSV', 'GeoJSON', 'Parquet', 'SensorThings API'
    media_type: str
    url: str  # download URL, or the service's access URL
    kind: str  # 'download' | 'service'
    license: Term


def license_of(entry: CatalogEntry) -> Term:
    code = entry.metadata.get("license") or DEFAULT_LICENSE[entry.access_level]
    return LICENSES.get(code) or LICENSES[DEFAULT_LICENSE[entry.access_level]]


def distributions(entry: CatalogEntry, base_url: str) -> list[Distribution]:
    """Every way to get the entry's data (also of a dataset the caller may not read: the
    distribution is there, its URL refuses who may not read it)."""
    base = base_url.rstrip("/")
    licence = license_of(entry)
    out = [
        Distribution(code, name, media, f"{base}/api/v1/datasets/{entry.id}/download?format={code}", "download", licence)
        for code, (name, media) in DOWNLOAD_FORMATS.items()
    ]
    out.append(Distribution("sensorthings", STA[0], STA[1], f"{base}/v1.1", "service", licence))
    return out
