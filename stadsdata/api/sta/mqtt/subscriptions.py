"""SensorThings MQTT subscriptions (OGC 18-088 §14.2): what a committed change is published to,
and what each subscriber receives.

A created entity goes to its collection topic (`v1.1/Observations`) and to the collection topics
of the entities it links to (`v1.1/Datastreams(5)/Observations`,
`v1.1/FeaturesOfInterest(3)/Observations`); an updated entity to its entity topic
(`v1.1/Things(1)`) and to the property topics of the changed properties (`v1.1/Things(1)/name`).
A subscription may add `?$select=…` (`v1.1/Observations?$select=result,phenomenonTime`).

What a subscriber receives is what a GET of the entity by that subscriber returns — through the
same access policy as HTTP: an entity the subscriber may not see is not sent to it, a consent
withdrawn stops the very next message, and reads of restricted data are in the audit log. Changes
made over HTTP, `$batch`, dataArray and MQTT are all published (they all commit through the store)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from stadsdata.access.policy import Caller
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.service import StaService
from stadsdata.errors import ProblemError
from stadsdata.model.entities import ENTITY_TYPES
from stadsdata.store.base import Change

log = logging.getLogger(__name__)
VERSIONS = ("1.0", "1.1")


@dataclass(frozen=True)
class Subscription:
    """A subscribed topic, split: 'v1.1/Observations?$select=result' → ('1.1', 'Observations', '$select=result')."""

    topic: str
    version: str
    path: str
    query: str

    @classmethod
    def parse(cls, topic: str) -> Subscription | None:
        base, _, query = topic.partition("?")
        version, _, path = base.partition("/")
        if not version.startswith("v") or version[1:] not in VERSIONS or not path:
            return None
        return cls(topic, version[1:], path, query)


def topic_paths(change: Change) -> dict[str, str]:
    """The paths a change is published to (after `v1.x/`), each with the path whose GET gives
    the message: {'Datastreams(5)/Observations': 'Observations(17)', …}."""
    entity = ENTITY_TYPES[change.entity]
    own = f"{entity.set_name}({change.id})"
    if change.kind == "create":
        paths = {entity.set_name: own}
        for nav_name, target_id in change.links:
            nav = entity.nav(nav_name)
            if nav is not None and nav.inverse:
                paths[f"{ENTITY_TYPES[nav.target].set_name}({target_id})/{nav.inverse}"] = own
        return paths
    paths = {own: own}
    for name in change.properties:
        if any(p.name == name for p in entity.props):
            paths[f"{own}/{name}"] = f"{own}/{name}"
    return paths


def matching(subscriptions: Iterable[str], changes: Iterable[Change]) -> list[tuple[Subscription, str]]:
    """(subscription, path to GET) for every subscribed topic a change is published to."""
    by_path: dict[str, list[Subscription]] = {}
    for topic in subscriptions:
        parsed = Subscription.parse(topic)
        if parsed is not None:
            by_path.setdefault(parsed.path, []).append(parsed)
    if not by_path:
        return []
    out = []
    for change in changes:
        for path, source in topic_paths(change).items():
            for subscription in by_path.get(path, ()):
                out.append((subscription, source))
    return out


def message_for(service: StaService, root: str, caller: Caller, subscription: Subscription, source: str) -> bytes | None:
    """The message this subscriber gets for the entity at `source`, or None when it may not see it.
    `root`: the server's external base URL (for the links in the message)."""
    request = StaRequest(
        "GET", source, query_string=subscription.query, version=subscription.version, caller=caller,
        service_root=f"{root}/v{subscription.version}",
    )  # fmt: skip
    try:
        response = service.handle(request)
    except ProblemError as exc:
        if exc.status >= 500:
            log.warning("MQTT message for %s on %s not sent: %s", caller.subject or "anonymous", subscription.topic, exc.detail)
        return None
    return response.body_bytes() if response.status == 200 else None
