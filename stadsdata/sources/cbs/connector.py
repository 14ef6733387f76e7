"""CBS key figures per region as FeaturesOfInterest.

Each run reads the table afresh (CBS publishes a table once and revises it now and then; one
source reads one table, one year): (1) `MeasureCodes` for each measure's title and unit;
(2) `<dimension>Codes` for the names of the selected regions; (3) `Observations` of the
selected regions (and measures), pivoted into one set of figures per region; (4) the regions'
polygons when the config names collections that hold them (`geometries.py`). Then each region
is mirrored as a FeatureOfInterest keyed by its code; a region whose figures did not change
is left as it is.

A listing that cannot be read to its end (an HTML error page, garbage) is quarantined and
nothing is mirrored in that run — the regions keep the figures of the last whole read rather
than getting half of them. An Observation row that cannot be read (no measure, a value that is
not a number) is quarantined and the others are kept. A value CBS marks (`ValueAttribute`
other than "None", e.g. "." for not available, "Impossible") is kept with its marker; a
missing value stays null, never 0.

Partial: only the OData v4 API (the v3 `TypedDataSet`, whose column names change every year,
is not read). A table with further dimensions besides the region (e.g. periods) gets a figure
per measure and combination of their codes, named "<measure>|<dimension>=<code>,…"."""

from __future__ import annotations

from typing import Any

import orjson

from stadsdata.errors import BadRequest
from stadsdata.sources.cbs import odata
from stadsdata.sources.cbs.geometries import polygons
from stadsdata.sources.connector import Probe
from stadsdata.sources.documents import number
from stadsdata.sources.http import SourceError
from stadsdata.sources.run import Run

LEVEL_NAMES = {"NL": "land", "LD": "landsdeel", "PV": "provincie", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
OBSERVATION_COLUMNS = {"Id", "Measure", "ValueAttribute", "Value", "StringValue"}


class CbsRegions:
    """The connector of the `cbs` kind."""

    def check(self, probe: Probe) -> str:
        """One request: the codes of the selected regions (proves the table, its region dimension
        and the region filter)."""
        url, dim = odata.table_url(probe.config), odata.dimension(probe.config)
        params = {"$filter": odata.region_filter(probe.config, "Identifier"), "$top": "3"}
        document, _, _ = probe.http.json(f"{url}/{dim}Codes", params)
        found = document.get("value") if isinstance(document, dict) else None
        if not isinstance(found, list):
            raise SourceError(
                f"the answer to {dim}Codes has no 'value' array: is the URL the root of CBS's OData v4 tables?"
            )
        if not found:
            raise SourceError(f"table {probe.config['table']} has none of the selected regions in {dim}")
        first = found[0] if isinstance(found[0], dict) else {}
        return f"table {probe.config['table']} answers; {first.get('Identifier')} is {str(first.get('Title') or '?').strip()}"

    def run(self, run: Run) -> None:
        try:
            measures = _measures(run)
            names = _names(run)
            figures = _figures(run, measures)
            shapes = polygons(run, run.config["geometries"]) if run.config.get("geometries") else {}
        except odata.BrokenOff:
            return  # quarantined; the regions keep what the last whole read gave them
        codes = sorted(c for c in set(figures) | set(names) if odata.wanted(run.config, c))
        mirrored = 0
        for code in codes:
            body = _feature_body(run, code, names.get(code), figures.get(code, {}), shapes.get(code))
            if body is None:
                continue
            run.mirror("FeatureOfInterest", code, body)
            mirrored += 1
        # A region is the item this kind reads: counted as read and stored (mirroring has no counts of its own).
        run.counts.items_read += mirrored
        run.counts.items_stored += mirrored
        run.checkpoint({"table": run.config["table"], "regions": mirrored, "measures": len(measures)})


# -- reading ----------------------------------------------------------------------------------------------
def _measures(run: Run) -> dict[str, dict[str, Any]]:
    """Each measure's title and unit (from `MeasureCodes`), by its Identifier."""
    found: dict[str, dict[str, Any]] = {}
    for values, _, _ in odata.pages(run, f"{odata.table_url(run.config)}/MeasureCodes", None):
        for code in values:
            if isinstance(code, dict) and isinstance(code.get("Identifier"), str):
                found[code["Identifier"]] = {
                    "title": _text(code.get("Title")) or code["Identifier"],
                    "unit": _text(code.get("Unit")) or None,
                }
    return found


def _names(run: Run) -> dict[str, str]:
    """The selected regions' names (from `<dimension>Codes`), by code."""
    dim = odata.dimension(run.config)
    params = {"$filter": odata.region_filter(run.config, "Identifier")}
    found: dict[str, str] = {}
    for values, _, _ in odata.pages(run, f"{odata.table_url(run.config)}/{dim}Codes", params):
        for code in values:
            if isinstance(code, dict) and isinstance(code.get("Identifier"), str):
                found[code["Identifier"].strip()] = _text(code.get("Title")) or code["Identifier"].strip()
    return found


def _figures(run: Run, measures: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The figures of each selected region: code -> {measure: {title, unit, value[, valueAttribute]}}."""
    dim = odata.dimension(run.config)
    params = {"$filter": odata.observations_filter(run.config)}
    keep = set(run.config.get("measures") or ())
    found: dict[str, dict[str, Any]] = {}
    for values, _, where in odata.pages(run, f"{odata.table_url(run.config)}/Observations", params):
        for row in values:
            try:
                code, key, figure = _figure(row, dim, measures)
            except BadRequest as exc:
                run.quarantine(
                    orjson.dumps(row),
                    f"an Observation row that cannot be read: {exc.detail}",
                    where=where,
                    field=exc.field,
                )
                continue
            if keep and figure["measure"] not in keep:
                continue
            found.setdefault(code, {})[key] = {k: v for k, v in figure.items() if k != "measure"}
        run.checkpoint({})  # renews the lease on a long table; nothing to resume from
    return found


def _figure(row: Any, dim: str, measures: dict[str, dict[str, Any]]) -> tuple[str, str, dict[str, Any]]:
    """(region code, the figure's name, the figure) of one `Observations` row."""
    if not isinstance(row, dict):
        raise BadRequest("an Observation is a JSON object", field="value")
    measure, code = row.get("Measure"), row.get(dim)
    if not isinstance(measure, str) or not measure:
        raise BadRequest("an Observation without a Measure", field="Measure")
    if not isinstance(code, str) or not code.strip():
        raise BadRequest(f"an Observation without a region code in {dim}", field=dim)
    value = row.get("Value")
    if value is not None and number(value) is None:
        raise BadRequest(f"Value {value!r} is not a number", field="Value")
    if value is None and isinstance(row.get("StringValue"), str):
        value = row["StringValue"].strip()
    meta = measures.get(measure, {"title": measure, "unit": None})
    figure: dict[str, Any] = {"measure": measure, "title": meta["title"], "unit": meta["unit"], "value": value}
    attribute = row.get("ValueAttribute")
    if isinstance(attribute, str) and attribute not in ("", "None"):
        figure["valueAttribute"] = attribute
    others = sorted(
        (k, v) for k, v in row.items() if k not in OBSERVATION_COLUMNS and k != dim and not k.startswith("@")
    )
    key = measure + ("|" + ",".join(f"{k}={str(v).strip()}" for k, v in others) if others else "")
    return code.strip(), key, figure


# -- the FeatureOfInterest ----------------------------------------------------------------------------------
def _feature_body(
    run: Run, code: str, name: str | None, figures: dict[str, Any], shape: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A region as a FeatureOfInterest, or None (quarantined) when it has no geometry at all."""
    table = run.config["table"]
    point = run.config.get("point")
    if shape is None and point is None:
        raw = orjson.dumps({"region": code, "name": name, "keyFigures": figures})
        run.quarantine(
            raw,
            f"region {code} has no polygon in the geometries' collections and the config gives no point",
            where=f"{table}/{code}",
            field="geometries",
        )
        return None
    level = LEVEL_NAMES.get(code[:2], code[:2])
    properties: dict[str, Any] = {
        "regionCode": code,
        "regionLevel": level,
        "cbsTable": table,
        "geometry": "region" if shape is not None else "the point of the source's config (CBS gives no geometry)",
        "keyFigures": figures,
    }
    if code[:2] in ("GM", "WK", "BU") and code[2:6].isdigit():
        properties["municipalityCode"] = "GM" + code[2:6]
    return {
        "name": name or code,
        "description": f"{level} {name or code} ({code}): key figures of CBS table {table}",
        "encodingType": "application/geo+json",
        "feature": shape if shape is not None else {"type": "Point", "coordinates": list(point)},
        "properties": properties,
    }


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
