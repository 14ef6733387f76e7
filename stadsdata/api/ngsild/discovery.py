"""Types and attributes discovery (clauses 5.7.5–5.7.10): what entity types and attributes the
entities the caller may see have — never those of hidden entities."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from stadsdata.api.ngsild.entities import Source, normalized
from stadsdata.api.ngsild.errors import ResourceNotFound

CORE_MEMBERS = ("id", "type")


def _kinds(attribute: Any) -> set[str]:
    instances = attribute if isinstance(attribute, list) else [attribute]
    return {str(a.get("type")) for a in instances if isinstance(a, dict)}


def _index(sources: list[Source]) -> tuple[dict[str, int], dict[str, dict[str, set[str]]], dict[str, dict[str, Any]]]:
    """(entities per type, attribute -> kinds per type, attribute -> count/kinds/types)."""
    per_type: dict[str, int] = defaultdict(int)
    type_attrs: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    attrs: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "kinds": set(), "types": set()})
    for source in sources:
        entity = normalized(source)
        per_type[source.entity_type] += 1
        for name, attribute in entity.items():
            if name in CORE_MEMBERS:
                continue
            kinds = _kinds(attribute)
            type_attrs[source.entity_type][name] |= kinds
            attrs[name]["count"] += 1
            attrs[name]["kinds"] |= kinds
            attrs[name]["types"].add(source.entity_type)
    return per_type, type_attrs, attrs


def types(sources: list[Source], details: bool) -> Any:
    per_type, type_attrs, _ = _index(sources)
    names = sorted(per_type)
    if details:
        return [{"id": n, "type": "EntityType", "typeName": n, "attributeNames": sorted(type_attrs[n])} for n in names]
    return {"id": "urn:ngsi-ld:EntityTypeList:stadsdata", "type": "EntityTypeList", "typeList": names}


def type_info(sources: list[Source], name: str) -> dict[str, Any]:
    per_type, type_attrs, _ = _index(sources)
    if name not in per_type:
        raise ResourceNotFound(f"no entities of type {name}", field="type")
    details = [
        {"id": a, "type": "Attribute", "attributeName": a, "attributeTypes": sorted(k)}
        for a, k in sorted(type_attrs[name].items())
    ]
    return {
        "id": name,
        "type": "EntityTypeInfo",
        "typeName": name,
        "entityCount": per_type[name],
        "attributeDetails": details,
    }


def attributes(sources: list[Source], details: bool) -> Any:
    _, _, attrs = _index(sources)
    if details:
        return [_attribute(n, a) for n, a in sorted(attrs.items())]
    return {"id": "urn:ngsi-ld:AttributeList:stadsdata", "type": "AttributeList", "attributeList": sorted(attrs)}


def attribute_info(sources: list[Source], name: str) -> dict[str, Any]:
    _, _, attrs = _index(sources)
    if name not in attrs:
        raise ResourceNotFound(f"no entity has attribute {name}", field="attrId")
    return _attribute(name, attrs[name]) | {"attributeCount": attrs[name]["count"]}


def _attribute(name: str, facts: dict[str, Any]) -> dict[str, Any]:
    return {"id": name, "type": "Attribute", "attributeName": name, "attributeTypes": sorted(facts["kinds"]),
            "typeNames": sorted(facts["types"])}  # fmt: skip
