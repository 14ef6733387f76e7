"""Records from the store as SensorThings JSON: control information (`@iot.id`,
`@iot.selfLink`, `X@iot.navigationLink`), `$select`, expanded entities and their counts/links."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES, OBSERVATION, EntityType, Kind
from stadsdata.query.ast import QueryOptions
from stadsdata.query.unparse import options_to_query
from stadsdata.service.values import format_value
from stadsdata.store.base import Record


class Serializer:
    def __init__(self, service_root: str, version: str) -> None:
        self.root = service_root.rstrip("/")  # e.g. http://localhost:8000/v1.1
        self.version = version

    def self_link(self, entity: EntityType, id: int) -> str:
        return f"{self.root}/{entity.set_name}({id})"

    def entity(self, entity: EntityType, record: Record, options: QueryOptions | None = None) -> dict[str, Any]:
        options = options or QueryOptions()
        selected = set(options.select) if options.select is not None else None
        out: dict[str, Any] = {}
        link = self.self_link(entity, record["id"])
        if selected is None or "id" in selected:
            out["@iot.selfLink"] = link
            out["@iot.id"] = record["id"]
        for prop in entity.props_for(self.version):
            if selected is not None and prop.name not in selected:
                continue
            value = record.get(prop.name)
            if value is None and prop.kind == Kind.JSON:
                continue  # an unset `properties`/`parameters` is left out, as FROST does (clients expect an object)
            out[prop.name] = format_value(prop, value)
        if selected is not None:
            for name in sorted(s for s in selected if "/" in s):
                head, _, rest = name.partition("/")
                value = record.get(head)
                for key in rest.split("/"):
                    value = value.get(key) if isinstance(value, dict) else None
                out[name] = value
        expanded = {e.path[0]: e for e in options.expand}
        for nav in entity.navs:
            if nav.name in record:
                sub = expanded.get(nav.name)
                sub_options = sub.options if sub is not None and len(sub.path) == 1 else QueryOptions()
                out.update(self._expanded(nav.name, ENTITY_TYPES[nav.target], record, sub_options, link))
            elif selected is None or nav.name in selected:
                out[f"{nav.name}@iot.navigationLink"] = f"{link}/{nav.name}"
        return out

    def _expanded(self, name: str, target: EntityType, record: Record, options: QueryOptions, link: str) -> dict[str, Any]:
        value = record[name]
        out: dict[str, Any] = {}
        if f"{name}@iot.count" in record:
            out[f"{name}@iot.count"] = record[f"{name}@iot.count"]
        if isinstance(value, list):
            out[name] = [self.entity(target, child, options) for child in value]
            more = record.get(f"{name}@more")
            if more is not None and more[1] > 0:  # with $top=0 the next page would be this one
                skip, top = more
                query = options_to_query(options, skip=skip, top=top)
                out[f"{name}@iot.nextLink"] = f"{link}/{name}?{query}"
        else:
            out[name] = None if value is None else self.entity(target, value, options)
        return out

    def collection(
        self,
        entity: EntityType,
        records: list[Record],
        options: QueryOptions,
        *,
        count: int | None,
        next_link: str | None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if count is not None:
            out["@iot.count"] = count
        if next_link is not None:
            out["@iot.nextLink"] = next_link
        out["value"] = [self.entity(entity, r, options) for r in records]
        return out

    def data_array(
        self, records: list[Record], options: QueryOptions, *, count: int | None, next_link: str | None
    ) -> dict[str, Any]:
        """Observations grouped by (Multi)Datastream in the dataArray format (§14.3)."""
        components = _components(options)
        groups: dict[tuple[str, int], list[list[Any]]] = {}
        for record in records:
            links = record.get("@links", {})
            key = ("Datastream", links["Datastream"]) if links.get("Datastream") else ("MultiDatastream", links.get("MultiDatastream"))
            row = []
            for component in components:
                if component == "id":
                    row.append(record["id"])
                elif component == "FeatureOfInterest/id":
                    row.append(links.get("FeatureOfInterest"))
                else:
                    prop = OBSERVATION.prop(component)
                    row.append(format_value(prop, record.get(component)) if prop else None)
            groups.setdefault(key, []).append(row)
        value = []
        for (stream, stream_id), rows in groups.items():
            value.append(
                {
                    f"{stream}@iot.navigationLink": f"{self.root}/{ENTITY_TYPES[stream].set_name}({stream_id})",
                    "components": components,
                    "dataArray@iot.count": len(rows),
                    "dataArray": rows,
                }
            )
        out: dict[str, Any] = {}
        if count is not None:
            out["@iot.count"] = count
        if next_link is not None:
            out["@iot.nextLink"] = next_link
        out["value"] = value
        return out


_DEFAULT_COMPONENTS = ["id", "phenomenonTime", "result", "resultTime"]
_ALLOWED = {"id", "phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters", "FeatureOfInterest/id"}


def _components(options: QueryOptions) -> list[str]:
    if options.select is None:
        return list(_DEFAULT_COMPONENTS)
    unknown = [s for s in options.select if s not in _ALLOWED]
    if unknown:
        raise BadRequest(f"'{unknown[0]}' is not a dataArray component ({', '.join(sorted(_ALLOWED))})", field="$select")
    return list(options.select)


def quote_path(text: str) -> str:
    return quote(text, safe="/()$',")
