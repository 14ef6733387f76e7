"""A register entry as one caller is shown it: the device, its owner (a resident is named to no
one but that resident and the administrators), its sensors and — of the Datastreams and the Thing
linked to it — only those the caller may read (`visibility.py` decides, `streams.py` looks up)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


@dataclass(frozen=True)
class Owner:
    """The legal entity that owns the device: a party. `id` and `name` are None where the owner
    is a resident shown to someone else."""

    id: int | None
    name: str | None
    kind: str  # 'organisation', 'department', 'company', 'resident'
    uri: str | None = None


@dataclass(frozen=True)
class LinkedStream:
    """A Datastream the device produces, as the caller may read it."""

    id: int
    name: str
    observed_property: str | None
    unit: dict[str, Any] | None


@dataclass(frozen=True)
class Sensor:
    id: int
    name: str
    description: str
    type: str | None
    manufacturer: str | None
    supplier: str | None
    documentation_url: str | None
    observes: tuple[str, ...]
    datastreams: tuple[LinkedStream, ...]  # only those the caller may read


@dataclass(frozen=True)
class Review:
    status: str  # 'submitted', 'approved', 'rejected'
    note: str | None
    by: str | None
    at: datetime | None


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    description: str
    type: str
    owner: Owner
    contact: dict[str, str] | None  # None: not shown (a resident's, to someone else)
    geometry: dict[str, Any]  # GeoJSON, WGS84; a resident's point is shown to others rounded (`generalised`)
    bbox: tuple[float, float, float, float]
    location_description: str
    mobile: bool
    themes: tuple[str, ...]
    purpose: str
    legal_ground: str | None
    legal_ground_url: str | None
    privacy_statement_url: str | None
    personal_data: bool
    is_public: bool
    is_open_data: bool
    active_from: date | None
    active_until: date | None
    thing_id: int | None  # None also when the caller may not read the Thing
    review: Review
    created_at: datetime
    updated_at: datetime
    created_by: str | None  # None unless the caller owns or reviews the entry
    updated_by: str | None
    sensors: tuple[Sensor, ...]
    owned: bool  # the caller acts for the owner (or reviews): it sees the review's note and who changed what
    managed: bool  # the caller may change and remove the entry
    generalised: bool  # the location is shown coarser than registered

    @property
    def active(self) -> bool:
        """Within its active period today (an open end: still active)."""
        today = datetime.now(UTC).date()
        return (self.active_from is None or self.active_from <= today) and (self.active_until is None or today <= self.active_until)

    @property
    def observes(self) -> tuple[str, ...]:
        """What the device measures: its sensors' `observes` and the linked streams' properties shown."""
        names = [o for s in self.sensors for o in s.observes]
        names += [d.observed_property for s in self.sensors for d in s.datastreams if d.observed_property]
        return tuple(dict.fromkeys(names))

    @property
    def datastreams(self) -> tuple[LinkedStream, ...]:
        return tuple({d.id: d for s in self.sensors for d in s.datastreams}.values())
