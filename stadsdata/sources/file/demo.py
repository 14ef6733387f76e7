"""The demo city's tree register as the municipality's green-space system exports it every night:
a `;`-separated CSV with RD New coordinates, one row per tree and inspection (species, height,
crown diameter). The demo writes it to a temporary folder at each start (the newest inspection
today) and adds a source of kind `file` that reads it daily — the way a city wires a nightly
export of one of its own systems into the platform."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

SPECIES = ("Linde", "Eik", "Es", "Plataan", "Esdoorn", "Iep", "Beuk", "Wilg")
CENTRE_RD = (203050, 502900)  # Veenhaven's centre in RD New (EPSG:28992)
TREES = 40
MAPPING: dict[str, Any] = {
    "crs": "EPSG:28992",
    "thing": {"key": "boomnummer", "name": "naam", "properties": {"boomnummer": "boomnummer", "soort": "soort", "plantjaar": "plantjaar"}},
    "location": {"lon": "x", "lat": "y"},
    "time": {"path": "inspectiedatum", "format": "%d-%m-%Y", "timezone": "Europe/Amsterdam"},
    "key": ["boomnummer", "inspectiedatum"],
    "datastreams": [
        {"name": "boomhoogte", "result": "hoogte_m", "unit": {"name": "metre", "symbol": "m"}, "observed_property": {"name": "Tree height"}},
        {"name": "kroondiameter", "result": "kroon_m", "unit": {"name": "metre", "symbol": "m"}, "observed_property": {"name": "Crown diameter"}},
    ],
}  # fmt: skip


def register(today: date) -> str:
    """The register: each tree inspected every year in the last three years."""
    lines = ["boomnummer;naam;soort;plantjaar;x;y;inspectiedatum;hoogte_m;kroon_m"]
    for n in range(TREES):
        species, planted = SPECIES[n % len(SPECIES)], 1960 + (n * 7) % 55
        x, y = CENTRE_RD[0] + (n % 8 - 4) * 260 + n * 3, CENTRE_RD[1] + (n // 8 - 2) * 240 - n * 2
        for years_ago in (2, 1, 0):
            inspected = today - timedelta(days=365 * years_ago + n)
            age = inspected.year - planted
            height = round(min(28.0, 2.5 + age * 0.38 + (n % 5) * 0.3), 1)
            lines.append(f"BM-{n + 1:04d};{species} {n + 1};{species};{planted};{x};{y};{inspected:%d-%m-%Y};{height};{round(height * 0.55, 1)}")
    return "\n".join(lines) + "\n"


class TreeRegisterDemo:
    def app(self) -> None:
        return None  # a file, not a service

    def source(self, url: str | None) -> dict[str, Any]:
        folder = Path(tempfile.mkdtemp(prefix="stadsdata-demo-"))
        path = folder / "bomenregister.csv"
        path.write_text(register(datetime.now(UTC).date()), encoding="utf-8")
        return {
            "name": "bomenregister-veenhaven", "kind": "file", "title": "Tree register (nightly export of the green-space system; demo)",
            "config": {**MAPPING, "path": str(path)}, "schedule": {"every": "P1D"}, "dataset": "openbare-ruimte",
        }
