"""The background tiles of the web UI's maps, from the `basemap` setting. The browser fetches
them; when they do not load (no network) the maps draw the demo city's own background instead, on
a server that runs the demo city (`city_background.py`), else a plain one — the sensors stay on it."""

from __future__ import annotations

from typing import Any

from stadsdata.settings import Settings

_OSM = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    "maxZoom": 19,
}
_PDOK = {
    "url": "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
    "attribution": 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (PDOK BRT-Achtergrondkaart)',
    "maxZoom": 19,
}


def basemap(settings: Settings) -> dict[str, Any] | None:
    """{url, attribution, maxZoom} for Leaflet's tile layer, or None: no tiles (`none`)."""
    name = settings.basemap.strip()
    if name == "none":
        return None
    if name == "osm":
        return _OSM
    if name == "pdok":
        return _PDOK
    if name.startswith(("https://", "http://")) and "{z}" in name:
        return {"url": name, "attribution": settings.basemap_attribution or "", "maxZoom": 19}
    raise ValueError(f"basemap must be osm, pdok, none or a tile URL template with {{z}}/{{x}}/{{y}}, not {name!r}")
