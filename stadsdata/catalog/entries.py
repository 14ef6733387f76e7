"""A dataset as the catalog shows it to one caller (`CatalogEntry`), built from the dataset's row,
its DCAT metadata (`metadata.py`), its owner and the per-stream summaries the store keeps.

What a caller is shown (the listing rule):
- a dataset is *listed* to everyone — public, restricted and non-public alike, so that people know
  it exists and whom to ask — unless its owner marks it `unlisted`, or a resident owns it (a
  resident's datasets are listed to nobody else: their titles may say where someone lives);
- an unlisted dataset is shown to who may read its data, and to who manages it;
- what comes *from the data* — the streams and their names, counts, temporal and spatial coverage,
  formats other than the metadata — is filled in only when the caller may read the data
  (`readable`); otherwise those members are empty, so nothing of hidden data leaks through the
  catalog, its search or its facets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Party:
    """An owner or publisher: a party's id, name, kind ('municipality', 'company', 'resident',
    'department', …) and URI (a TOOI identifier where it has one; else the platform's own)."""

    id: int
    name: str
    kind: str
    uri: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class StreamSummary:
    """One Datastream or MultiDatastream of a dataset, from the store's per-stream summary."""

    entity: str  # 'Datastream' | 'MultiDatastream'
    id: int
    name: str
    description: str
    observed_properties: tuple[str, ...]
    units: tuple[str, ...]  # unit symbols (or names)
    thing: str
    observation_count: int
    start: datetime | None  # phenomenon time extent
    end: datetime | None
    bbox: tuple[float, float, float, float] | None  # (minx, miny, maxx, maxy) of its observations' area, WGS84
    location: dict[str, Any] | None = None  # GeoJSON geometry of its Thing's first Location


@dataclass(frozen=True)
class CatalogEntry:
    id: int
    name: str  # the dataset's stable name (its identifier's last part)
    title: str
    description: str
    access_level: str  # 'public' | 'restricted' | 'non-public'
    owner: Party | None
    publisher: Party | None  # the owner unless the metadata names another party
    created: datetime
    modified: datetime  # the later of the metadata's change and the newest observation (readable only)
    metadata: dict[str, Any]  # the validated DCAT metadata (`metadata.DatasetMetadata.dump()`, lowerCamelCase)
    unlisted: bool
    readable: bool  # the caller may read the data
    managed: bool  # the caller manages the dataset
    personal_data: bool  # the dataset holds personal data (pseudonymised fields or a resident owner)
    streams: tuple[StreamSummary, ...] = ()  # empty unless `readable`
    temporal: tuple[datetime, datetime] | None = None  # from the streams (readable only)
    bbox: tuple[float, float, float, float] | None = None  # union of the streams' areas (readable only)
    formats: tuple[str, ...] = field(default=())  # distribution formats offered: 'CSV', 'GeoJSON', 'Parquet', 'SensorThings API'

    @property
    def themes(self) -> list[str]:
        return list(self.metadata.get("themes", []))

    @property
    def keywords(self) -> list[str]:
        return list(self.metadata.get("keywords", []))

    @property
    def datastreams(self) -> tuple[StreamSummary, ...]:
        """The entry's Datastreams (not its MultiDatastreams)."""
        return tuple(s for s in self.streams if s.entity == "Datastream")

    @property
    def observation_count(self) -> int:
        return sum(s.observation_count for s in self.streams)
