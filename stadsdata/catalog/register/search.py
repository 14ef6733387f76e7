"""The filters of a register listing, applied to the entries as the caller is shown them (so a
filter never matches on what the caller may not see: a hidden resident's name, a Datastream it
may not read): free text, owner, theme, type, status, personal data and a bounding box."""

from __future__ import annotations

from dataclasses import dataclass

from stadsdata.catalog.register.devices import Device
from stadsdata.catalog.register.vocabulary import TYPES
from stadsdata.catalog.vocabularies import theme


@dataclass(frozen=True)
class RegisterQuery:
    text: str = ""  # every word must occur (case-insensitive) in what the entry says
    owners: tuple[int, ...] = ()  # party ids (any of)
    themes: tuple[str, ...] = ()  # theme codes (any of)
    types: tuple[str, ...] = ()  # device types (any of)
    statuses: tuple[str, ...] = ()  # any of
    personal_data: bool | None = None
    bbox: tuple[float, float, float, float] | None = None  # minLon, minLat, maxLon, maxLat: the entry's box meets it

    def matches(self, device: Device) -> bool:
        if self.owners and device.owner.id not in self.owners:
            return False
        if self.themes and not set(self.themes) & set(device.themes):
            return False
        if self.types and device.type not in self.types:
            return False
        if self.statuses and device.review.status not in self.statuses:
            return False
        if self.personal_data is not None and device.personal_data != self.personal_data:
            return False
        if self.bbox is not None and not _meets(self.bbox, device.bbox):
            return False
        words = self.text.lower().split()
        return not words or all(word in _text(device) for word in words)


def _meets(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _text(device: Device) -> str:
    """What the free text is searched in: the entry's words and the labels of its codes."""
    kind = TYPES.get(device.type)
    themes = [t for code in device.themes if (t := theme(code))]
    parts = [
        device.name, device.description, device.purpose, device.location_description, device.legal_ground or "",
        device.owner.name or "", device.type, kind.nl if kind else "", kind.en if kind else "",
        *[f"{t.nl} {t.en}" for t in themes], *device.themes, *device.observes,
        *[f"{s.name} {s.type or ''} {s.manufacturer or ''}" for s in device.sensors], *[d.name for d in device.datastreams],
    ]  # fmt: skip
    return " ".join(parts).lower()
