"""The representations of an entity (clause 4.5): normalized, concise (`options=concise`),
simplified/keyValues (`options=keyValues` or `format=simplified|keyValues`) and GeoJSON
(`Accept: application/geo+json`, clause 4.5.16), and the projections `attrs`, `pick`, `omit`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from stadsdata.api.ngsild.errors import BadRequestData

CORE_MEMBERS = ("id", "type")
SUB_META = ("type", "value", "object", "datasetId")


@dataclass(frozen=True)
class View:
    form: str  # 'normalized', 'concise' or 'keyValues'
    attrs: frozenset[str] | None  # None: all
    pick: frozenset[str] | None
    omit: frozenset[str]
    geometry_property: str = "location"


def _names(params: QueryParams, name: str) -> frozenset[str] | None:
    text = params.get(name)
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise BadRequestData(f"{name} is a comma-separated list of attribute names", field=name)
    return frozenset(names)


def view(params: QueryParams) -> View:
    options = {o.strip() for o in params.get("options", "").split(",") if o.strip()}
    unknown = options - {"keyValues", "simplified", "concise", "normalized", "sysAttrs"}
    if unknown:
        raise BadRequestData(f"unknown option {sorted(unknown)[0]!r}", field="options")
    form = params.get("format")
    if form is not None and form not in ("normalized", "concise", "keyValues", "simplified"):
        raise BadRequestData(f"unknown format {form!r}", field="format")
    if form is None:
        form = (
            "keyValues"
            if options & {"keyValues", "simplified"}
            else "concise"
            if "concise" in options
            else "normalized"
        )
    if form == "simplified":
        form = "keyValues"
    if len(options & {"keyValues", "simplified", "concise", "normalized"}) > 1:
        raise BadRequestData("options names more than one representation", field="options")
    attrs, pick = _names(params, "attrs"), _names(params, "pick")
    if attrs is not None and pick is not None:
        raise BadRequestData("attrs and pick cannot be used together", field="pick")
    return View(form, attrs, pick, _names(params, "omit") or frozenset(), params.get("geometryProperty", "location"))


def project(entity: dict[str, Any], v: View) -> dict[str, Any]:
    """The entity with only the members the view keeps (id and type unless picked away)."""
    keep = v.pick if v.pick is not None else None
    out: dict[str, Any] = {}
    for name, member in entity.items():
        if name in v.omit:
            continue
        if keep is not None and name not in keep:
            continue
        if v.attrs is not None and name not in CORE_MEMBERS and name not in v.attrs:
            continue
        out[name] = member
    return out


def render(entity: dict[str, Any], v: View) -> dict[str, Any]:
    shown = project(entity, v)
    if v.form == "normalized":
        return shown
    return {name: member if name in CORE_MEMBERS else _form(member, v.form) for name, member in shown.items()}


def _form(attribute: Any, form: str) -> Any:
    if isinstance(attribute, list):
        if form == "keyValues":
            default = next((a for a in attribute if "datasetId" not in a), attribute[0])
            return _form(default, form)
        return [_form(a, form) for a in attribute]
    if not isinstance(attribute, dict):
        return attribute
    kind = attribute.get("type")
    if form == "keyValues":
        return attribute.get("object") if kind == "Relationship" else attribute.get("value")
    concise = {k: v for k, v in attribute.items() if k != "type"}
    if set(concise) == {"value"} and kind in ("Property", "GeoProperty") and not isinstance(concise["value"], dict):
        return concise["value"]
    if set(concise) == {"value"} and kind == "GeoProperty":
        return concise["value"]  # a GeoJSON geometry says what it is by its own `type`
    return concise


def feature(entity: dict[str, Any], v: View) -> dict[str, Any]:
    """An entity as a GeoJSON Feature: its geometry from `geometryProperty` (default location)."""
    geo = entity.get(v.geometry_property)
    geometry = geo.get("value") if isinstance(geo, dict) else None
    rendered = render(entity, v)
    properties = {k: m for k, m in rendered.items() if k != "id"}
    return {"id": entity["id"], "type": "Feature", "geometry": geometry, "properties": properties}
