"""Resource paths of the SensorThings API (OGC 18-088 §9.2), e.g. `Things(1)/Datastreams`,
`Datastreams(1)/Thing/name/$value`, `Things(1)/Locations/$ref`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stadsdata.errors import NotFound
from stadsdata.model.entities import BY_SET_NAME, ENTITY_TYPES, EntityType

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<key>[^()]*)\))?$")


@dataclass
class Step:
    entity: EntityType
    id: int | None  # given in the path, e.g. Things(1)
    nav: str | None  # the navigation property that led here (None for the first step)
    many: bool  # a collection when id is None


@dataclass
class ResourcePath:
    steps: list[Step] = field(default_factory=list)
    property_name: str | None = None  # Things(1)/name
    value: bool = False  # .../$value
    ref: bool = False  # .../$ref

    @property
    def last(self) -> Step:
        return self.steps[-1]

    @property
    def is_collection(self) -> bool:
        return self.property_name is None and self.last.id is None and self.last.many


def parse_path(text: str, *, version: str) -> ResourcePath:
    """Parse the part after `/v1.1/`. Unknown sets, properties or malformed keys are 404s."""
    segments = [s for s in text.split("/") if s != ""]
    if not segments:
        raise NotFound("empty resource path")
    path = ResourcePath()
    for index, raw in enumerate(segments):
        if raw in ("$value", "$ref"):
            _suffix(path, raw, segments[index + 1 :], text)
            return path
        if path.property_name is not None:
            raise NotFound(f"'{raw}' cannot follow the property '{path.property_name}'")
        match = _SEGMENT.match(raw)
        if not match:
            raise NotFound(f"'{raw}' is not a valid path segment")
        name, key = match.group("name"), match.group("key")
        entity_id = _key(key, raw) if key is not None else None
        if not path.steps:
            entity = BY_SET_NAME.get(name)
            if entity is None:
                raise NotFound(f"there is no entity set '{name}'")
            path.steps.append(Step(entity, entity_id, None, True))
            continue
        previous = path.last
        if previous.id is None and previous.many:
            raise NotFound(f"'{raw}' must follow a single entity; add an id to '{segments[index - 1]}'")
        nav = previous.entity.nav(name)
        if nav is not None:
            if key is not None and not nav.many:
                raise NotFound(f"'{name}' is a single entity and takes no id")
            path.steps.append(Step(ENTITY_TYPES[nav.target], entity_id, name, nav.many))
            continue
        prop = previous.entity.prop(name)
        if name != "id" and (prop is None or prop.since > version) or key is not None:
            raise NotFound(f"{previous.entity.name} has no property or navigation property '{name}'")
        path.property_name = name
    return path


def _suffix(path: ResourcePath, raw: str, rest: list[str], text: str) -> None:
    if rest:
        raise NotFound(f"nothing may follow {raw} in '{text}'")
    if not path.steps:
        raise NotFound(f"{raw} needs an entity path")
    if raw == "$value":
        if path.property_name is None:
            raise NotFound("$value must follow a property")
        path.value = True
    else:
        if path.property_name is not None:
            raise NotFound("$ref must follow an entity or a collection")
        path.ref = True


def _key(key: str, raw: str) -> int:
    text = key.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1]
    try:
        value = int(text)
    except ValueError:
        raise NotFound(f"'{raw}': ids of this service are integers") from None
    if not -(2**63) <= value < 2**63:  # beyond any stored id (and the database's integers)
        raise NotFound(f"'{raw}' does not exist")
    return value
