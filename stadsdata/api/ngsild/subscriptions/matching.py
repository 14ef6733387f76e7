"""Whether a change of an entity concerns a subscription (clause 5.11 with the subscription's
members of 5.2.12): one of its entity selectors (type, and id or idPattern) takes the entity, one
of the changed attributes is watched (no watchedAttributes: any), the trigger is asked for, and
the entity (as the owner sees it now, normalized) satisfies `q` and `geoQ`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from stadsdata.api.ngsild.entities import Source
from stadsdata.api.ngsild.geo import GeoQuery, geo_matches, geo_query
from stadsdata.api.ngsild.query import matches, parse_q
from stadsdata.api.ngsild.subscriptions.model import TRIGGERS, geo_params


@dataclass(frozen=True)
class Selector:
    type: str
    id: str | None
    pattern: re.Pattern[str] | None

    def takes(self, source: Source) -> bool:
        if source.entity_type != self.type:
            return False
        if self.id is not None:
            return source.entity_id == self.id
        return self.pattern is None or self.pattern.fullmatch(source.entity_id) is not None


@dataclass(frozen=True)
class Matcher:
    selectors: tuple[Selector, ...]  # empty: any entity
    watched: frozenset[str] | None
    triggers: frozenset[str]
    q: Any
    geo: GeoQuery | None

    @classmethod
    def of(cls, body: dict[str, Any]) -> Matcher:
        selectors = tuple(
            Selector(e["type"], e.get("id"), re.compile(e["idPattern"]) if "idPattern" in e else None)
            for e in body.get("entities", [])
        )
        watched = frozenset(body["watchedAttributes"]) if "watchedAttributes" in body else None
        q = parse_q(body["q"]) if "q" in body else None
        geo = geo_query(geo_params(body["geoQ"])) if "geoQ" in body else None
        return cls(selectors, watched, frozenset(body.get("notificationTrigger", TRIGGERS)), q, geo)

    def selects(self, source: Source, entity: dict[str, Any]) -> bool:
        """The entity itself is one the subscription is about (selectors, q, geoQ)."""
        if self.selectors and not any(s.takes(source) for s in self.selectors):
            return False
        if self.q is not None and not matches(self.q, entity):
            return False
        return self.geo is None or geo_matches(self.geo, entity)

    def fires(self, source: Source, entity: dict[str, Any], changed: set[str], *, created: bool) -> bool:
        """A change of these attributes of the entity is notified."""
        if not changed:
            return False
        if created and "entityCreated" not in self.triggers:
            return False
        if not created and not self.triggers & {"entityUpdated", "attributeCreated", "attributeUpdated"}:
            return False
        if self.watched is not None and not self.watched & changed:
            return False
        return self.selects(source, entity)
