"""Records from the store as SensorThings JSON: control information (`@iot.id`,
`@iot.selfLink`, `X@iot.navigationLink`), `$select`, expanded entities and their counts/links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any, NamedTuple
from urllib.parse import quote

import orjson

from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES, OBSERVATION, EntityType, Kind
from stadsdata.model.values import Interval, format_time
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
        return self._writer(entity, options or QueryOptions())(record)

    def _writer(self, entity: EntityType, options: QueryOptions) -> Callable[[Record], dict[str, Any]]:
        """A function rendering records of `entity` under `options`: what is shown, the links'
        texts and the expanded entities' writers are worked out once, not per record."""
        plan = _plan(entity.name, self.version, None if options.select is None else tuple(options.select))
        prefix = f"{self.root}/{entity.set_name}("
        expanded = {e.path[0]: e for e in options.expand}
        children: dict[str, Callable[[Record, str], dict[str, Any]]] = {}

        def child(name: str) -> Callable[[Record, str], dict[str, Any]]:
            sub = expanded.get(name)
            sub_options = sub.options if sub is not None and len(sub.path) == 1 else QueryOptions()
            writer = children[name] = self._expander(name, ENTITY_TYPES[plan.targets[name]], sub_options)
            return writer

        def expand(name: str, record: Record, link: str) -> dict[str, Any]:
            return (children.get(name) or child(name))(record, link)

        return partial(plan.write, prefix, expand)

    def _expander(self, name: str, target: EntityType, options: QueryOptions) -> Callable[[Record, str], dict[str, Any]]:
        """What an expanded navigation property adds to its parent's JSON: the entity or
        entities, their count and the nextLink of a longer list."""
        write = self._writer(target, options)
        count_key, more_key, next_key = f"{name}@iot.count", f"{name}@more", f"{name}@iot.nextLink"
        queries: dict[tuple[int, int], str] = {}  # (skip, top) -> the nextLink's query, the same for every parent

        def expanded(record: Record, link: str) -> dict[str, Any]:
            value = record[name]
            out: dict[str, Any] = {}
            if count_key in record:
                out[count_key] = record[count_key]
            if isinstance(value, list):
                out[name] = [write(child) for child in value]
                more = record.get(more_key)
                if more is not None and more[1] > 0:  # with $top=0 the next page would be this one
                    query = queries.get(more)
                    if query is None:
                        skip, top = more
                        query = queries[more] = options_to_query(options, skip=skip, top=top)
                    out[next_key] = f"{link}/{name}?{query}"
            else:
                out[name] = None if value is None else write(value)
            return out

        return expanded

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
        write = self._writer(entity, options)
        out["value"] = [write(r) for r in records]
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


def _time_text(value: Any) -> str | None:
    """`format_time`, faster for what the store gives (UTC): orjson writes an instant in RFC 3339
    as `format_instant` does, except milliseconds (orjson: six digits)."""
    if type(value) is datetime and value.tzinfo is UTC:
        micro = value.microsecond
        if micro and not micro % 1000:
            return value.isoformat(timespec="milliseconds")[:-6] + "Z"  # without '+00:00'
        return orjson.dumps(value, option=orjson.OPT_UTC_Z)[1:-1].decode()
    if type(value) is Interval:
        return f"{_time_text(value.start)}/{_time_text(value.end)}"
    return format_time(value)


_TIME_KINDS = (Kind.INSTANT, Kind.TIME, Kind.INTERVAL)


class _Plan(NamedTuple):
    """What JSON of an entity type shows under one `$select`, and the function writing it."""

    targets: dict[str, str]  # navigation property -> target entity type
    write: Callable[[str, Callable[[str, Record, str], dict[str, Any]], Record], dict[str, Any]]


@lru_cache(maxsize=512)
def _plan(entity_name: str, version: str, select: tuple[str, ...] | None) -> _Plan:
    """The JSON of one record as a function made from the entity type and `$select`: one dict
    display, no loop or branch per property at run time (as `dataclasses` makes its methods).
    It is called as write(prefix of the selfLink, expand(nav, record, link), record)."""
    entity = ENTITY_TYPES[entity_name]
    selected = set(select) if select is not None else None
    items: list[str] = []
    if selected is None or "id" in selected:
        items += ["'@iot.selfLink': link", "'@iot.id': id_"]
    omitted = []
    for prop in entity.props_for(version):
        if selected is not None and prop.name not in selected:
            continue
        key = repr(prop.name)
        if prop.kind in _TIME_KINDS:
            items.append(f"{key}: (None if (v := record.get({key})) is None else time_text(v))")
        else:
            items.append(f"{key}: record.get({key})")
            if prop.kind == Kind.JSON:  # an unset `properties`/`parameters` is left out, as FROST does (clients expect an object)
                omitted.append(key)
    lines = [
        "def write(prefix, expand, record):",
        "    id_ = record['id']",
        "    link = f'{prefix}{id_})'",
        f"    out = {{{', '.join(items)}}}",
        *(f"    if out[{key}] is None: del out[{key}]" for key in omitted),
    ]
    paths = tuple(sorted(s for s in selected if "/" in s)) if selected is not None else ()
    if paths:
        lines.append(f"    json_paths(out, record, {paths!r})")
    for nav in entity.navs:
        lines.append(f"    if {nav.name!r} in record: out.update(expand({nav.name!r}, record, link))")
        if selected is None or nav.name in selected:
            lines.append(f"    else: out[{nav.name + '@iot.navigationLink'!r}] = link + {'/' + nav.name!r}")
    lines.append("    return out")
    names: dict[str, Any] = {"time_text": _time_text, "json_paths": _json_paths}
    exec("\n".join(lines) + "\n", names)  # noqa: S102 - made above from the data model and the selected names' repr()
    return _Plan({nav.name: nav.target for nav in entity.navs}, names["write"])


def _json_paths(out: dict[str, Any], record: Record, paths: tuple[str, ...]) -> None:
    """Selected JSON paths into properties ('properties/owner') and their values."""
    for name in paths:
        head, _, rest = name.partition("/")
        value = record.get(head)
        for key in rest.split("/"):
            value = value.get(key) if isinstance(value, dict) else None
        out[name] = value


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
