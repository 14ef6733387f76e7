"""The regions' polygons, when the config names OGC API Features collections that hold them
(e.g. PDOK's CBS wijken en buurten: no key needed): each collection's items are a GeoJSON
FeatureCollection in WGS84 (CRS84, the OGC API Features default), paged by the link whose
`rel` is `next`; a feature's `properties.<code_property>` is the CBS region code.

CBS's OData API itself gives no geometry; without such a collection every region is placed at
the config's `point`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

from stadsdata.sources.cbs.odata import MAX_PAGES, BrokenOff
from stadsdata.sources.http import BadPage
from stadsdata.sources.run import Run

GEOMETRY_TYPES = {"Polygon", "MultiPolygon", "Point", "MultiPoint", "LineString", "MultiLineString"}


def polygons(run: Run, collections: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Region code -> GeoJSON geometry from each collection (the first feature of a code wins).
    A feature without a geometry or code is quarantined; a bad page raises `BrokenOff`."""
    found: dict[str, dict[str, Any]] = {}
    for collection in collections:
        for feature, where in _features(run, collection["url"]):
            code, geometry = _read(feature, collection["code_property"])
            if code is None or geometry is None:
                run.quarantine(
                    _raw(feature),
                    f"a feature without a GeoJSON geometry or a text '{collection['code_property']}'",
                    where=where,
                    field="features",
                )
                continue
            found.setdefault(code, geometry)
    return found


def _features(run: Run, url: str) -> Any:
    next_url: str | None = url
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if next_url is None or run.stopping:
            return
        try:
            document, raw, where = run.http.json(_as_json(next_url))
        except BadPage as exc:
            run.bad_page(exc)
            raise BrokenOff(exc.reason) from None
        features = document.get("features") if isinstance(document, dict) else None
        if not isinstance(features, list):
            run.quarantine(
                raw,
                "a page without a 'features' array (not a GeoJSON FeatureCollection)",
                where=where,
                field="features",
            )
            raise BrokenOff("not a FeatureCollection")
        for feature in features:
            yield feature, where
        seen.add(where)
        next_url = _next(document.get("links"), seen)


def _next(links: Any, seen: set[str]) -> str | None:
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return None if link["href"] in seen else link["href"]
    return None


def _read(feature: Any, code_property: str) -> tuple[str | None, dict[str, Any] | None]:
    if not isinstance(feature, dict):
        return None, None
    properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    code = properties.get(code_property)
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES or "coordinates" not in geometry:
        geometry = None
    return (code.strip() if isinstance(code, str) and code.strip() else None), geometry


def _raw(feature: Any) -> bytes:
    return orjson.dumps(feature)


def _as_json(url: str) -> str:
    """The URL asking for GeoJSON (`f=json`) unless it names a format (httpx would replace the
    URL's query with separate params, so it is added to the URL itself)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "f" for name, _ in query):
        return url
    return urlunsplit(parts._replace(query=urlencode([*query, ("f", "json")])))
