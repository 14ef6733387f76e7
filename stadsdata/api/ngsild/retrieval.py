"""Query entities (clause 6.4.3.2, 5.7.2): the parameters `type`, `id`, `idPattern`, `attrs`, `q`,
the geo-query, `limit`/`offset` and `count` (`entity_query`), and their meaning on one mapped
entity (`EntityQuery.keeps`). The store answers queries in SQL (`selection.py`, `pushdown.py`);
`keeps` decides the entities the SQL leaves in doubt, and `run` (every entity mapped, filtered
and paged here) is the reference the tests compare the SQL answers with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from stadsdata.api.ngsild.entities import Source, normalized
from stadsdata.api.ngsild.errors import BadRequestData, OperationNotSupported, TooManyResults
from stadsdata.api.ngsild.geo import GeoQuery, geo_matches, geo_query
from stadsdata.api.ngsild.query import matches, parse_q

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


@dataclass(frozen=True)
class EntityQuery:
    types: frozenset[str] | None
    ids: frozenset[str] | None
    id_pattern: re.Pattern[str] | None
    attrs: frozenset[str] | None
    q: Any
    geo: GeoQuery | None
    limit: int
    offset: int
    count: bool

    def keeps(self, source: Source, entity: dict[str, Any]) -> bool:
        if self.types is not None and source.entity_type not in self.types:
            return False
        if self.ids is not None and source.entity_id not in self.ids:
            return False
        if self.id_pattern is not None and not self.id_pattern.fullmatch(source.entity_id):
            return False
        if self.attrs is not None and not any(a in entity for a in self.attrs):
            return False
        if self.q is not None and not matches(self.q, entity):
            return False
        return self.geo is None or geo_matches(self.geo, entity)


def _integer(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"\d{1,9}", text) or not low <= int(text) <= high:
        if name == "limit" and text.isdigit() and int(text) > high:
            raise TooManyResults(f"limit is at most {high}", field=name)
        raise BadRequestData(f"{name} is a whole number from {low} to {high}", field=name)
    return int(text)


def _list(params: QueryParams, name: str, separators: str = ",") -> frozenset[str] | None:
    text = params.get(name)
    if text is None:
        return None
    items = [i.strip() for i in re.split(f"[{re.escape(separators)}]", text)]
    if not all(items):
        raise BadRequestData(f"{name} is a list of names separated by ','", field=name)
    return frozenset(items)


def entity_query(params: QueryParams, *, need_filter: bool = True) -> EntityQuery:
    if "scopeQ" in params:  # refused, not ignored: an ignored filter would answer with entities it excludes
        raise OperationNotSupported("scopeQ is not supported here: entities carry no scope", field="scopeQ")
    pattern = params.get("idPattern")
    compiled = None
    if pattern is not None:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise BadRequestData(f"idPattern is not a regular expression: {exc}", field="idPattern") from None
    q = parse_q(params["q"]) if "q" in params else None
    geo = geo_query(params)
    types, ids, attrs = _list(params, "type", ",|"), _list(params, "id"), _list(params, "attrs")
    if (
        need_filter
        and types is None
        and ids is None
        and compiled is None
        and attrs is None
        and q is None
        and geo is None
    ):
        raise BadRequestData("a query needs at least one of type, id, idPattern, attrs, q or a geo-query", field="type")
    count = params.get("count", "false")
    if count not in ("true", "false"):
        raise BadRequestData("count is true or false", field="count")
    limit = _integer(params, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
    if limit == 0 and count != "true":
        raise BadRequestData("limit=0 only with count=true", field="limit")
    return EntityQuery(
        types, ids, compiled, attrs, q, geo, limit, _integer(params, "offset", 0, 0, 10**9), count == "true"
    )


def run(query: EntityQuery, sources: list[Source]) -> tuple[list[dict[str, Any]], int]:
    """(the page of entities in normalized form, how many match in all)."""
    found = []
    for source in sources:
        entity = normalized(source)
        if query.keeps(source, entity):
            found.append(entity)
    return found[query.offset : query.offset + query.limit], len(found)
