"""A W3C ODRL 2.2 subset: Offers a dataset owner publishes and the Agreements made from them,
stored as ODRL JSON-LD and evaluated by this small engine. Deny by default: a policy with a
term the engine does not understand is refused when it is stored, not ignored when it is used.

Understood (our profile, https://stadsdata.nl/odrl):
- rules: `permission` and `prohibition`, each with `action` `read`, `use` (includes `read`) or
  `distribute` (the platform has no way to pass data on, so it is only recorded); `target` is
  informative (the policy is attached to one dataset).
- constraints (`leftOperand` `operator` `rightOperand`): `dateTime` with lt/lteq/gt/gteq
  (xsd:dateTime), `count` with lt/lteq (records read under the agreement so far; checked before each read, so
  the page that reaches the limit is delivered whole and the next read is refused), `purpose` with
  eq / isAnyOf (checked when an Agreement is made from the Offer: the requested purpose must
  match), `recipient` with eq / isAnyOf / isNoneOf on party IRIs (`urn:stadsdata:party:<id>`;
  checked when an Agreement is made: the party asking must be, or must not be, one of them; a
  department then reads under its organisation's Agreement as usual), `spatial` with isPartOf
  and an area as a GeoJSON Polygon/MultiPolygon or a WKT string (the permission covers only the
  records of Things with a Location inside the area: the access layer adds that to the SQL
  filter, see `datasets.py`). Anything else is refused.
- duties: `compensate` with refinements `payAmount` (value, `unit`) and `count` (per how many
  records the amount is due), `attribute`, `inform` (recorded; not enforced by the engine).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import shapely
from shapely.errors import ShapelyError

from stadsdata.errors import BadRequest
from stadsdata.geo.geojson import from_wkt, to_shape

CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
PROFILE = "https://stadsdata.nl/odrl"
ACTIONS = {"read", "use", "distribute"}
OPERATORS = {
    "dateTime": {"lt", "lteq", "gt", "gteq"},
    "count": {"lt", "lteq"},
    "purpose": {"eq", "isAnyOf"},
    "recipient": {"eq", "isAnyOf", "isNoneOf"},
    "spatial": {"isPartOf"},
}
PARTY_IRI = "urn:stadsdata:party:"

DUTIES = {"compensate", "attribute", "inform"}


class PolicyError(ValueError):
    """The policy is not in the understood subset; `field` points at the offending part."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Constraint:
    left: str
    operator: str
    right: Any


@dataclass(frozen=True)
class Compensation:
    amount: Decimal
    unit: str
    per_records: int


@dataclass(frozen=True)
class Rule:
    action: str
    constraints: tuple[Constraint, ...] = ()
    duties: tuple[str, ...] = ()
    compensation: Compensation | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    area: str | None = None  # WKT: the permission covers only records inside this area


@dataclass(frozen=True)
class Policy:
    kind: str  # 'Offer' or 'Agreement'
    uid: str
    permissions: tuple[Rule, ...]
    prohibitions: tuple[Rule, ...] = ()
    document: dict[str, Any] = field(default_factory=dict, compare=False)

    def decide(self, action: str, *, now: datetime, records_read: int) -> Decision:
        """Whether `action` is permitted now, given how many records were read so far."""
        for rule in self.prohibitions:
            if _covers(rule.action, action) and all(_holds(c, now, records_read) for c in rule.constraints):
                return Decision(False, f"prohibited by {self.uid}")
        for rule in self.permissions:
            if not _covers(rule.action, action):
                continue
            failed = [c for c in rule.constraints if not _holds(c, now, records_read)]
            if not failed:
                return Decision(True, f"permitted by {self.uid}", _area(rule))
            first = failed[0]
            return Decision(False, f"{self.uid}: constraint {first.left} {first.operator} {first.right} is not met")
        return Decision(False, f"{self.uid} permits no {action}")

    def count_limit(self) -> int | None:
        limits = [int(c.right) - (1 if c.operator == "lt" else 0) for r in self.permissions for c in r.constraints if c.left == "count"]
        return min(limits) if limits else None

    def compensation(self) -> Compensation | None:
        return next((r.compensation for r in self.permissions if r.compensation is not None), None)

    def purposes(self) -> set[str] | None:
        """The purposes the permission allows (None: any)."""
        found: set[str] | None = None
        for rule in self.permissions:
            for c in rule.constraints:
                if c.left == "purpose":
                    values = set(c.right) if isinstance(c.right, list) else {c.right}
                    found = values if found is None else found & values
        return found


    def allows_recipient(self, party_iri: str) -> bool:
        """Whether every `recipient` constraint of the permissions admits this party."""
        for rule in self.permissions:
            for c in rule.constraints:
                if c.left == "recipient":
                    listed = party_iri in (c.right if isinstance(c.right, list) else [c.right])
                    if listed == (c.operator == "isNoneOf"):
                        return False
        return True


def parse_policy(document: Any, *, kind: str | None = None) -> Policy:
    """Validate an ODRL JSON-LD policy of the understood subset; raises PolicyError."""
    if not isinstance(document, dict):
        raise PolicyError("a policy is a JSON object", "policy")
    policy_type = document.get("@type")
    if policy_type not in ("Offer", "Agreement") or (kind is not None and policy_type != kind):
        raise PolicyError(f"@type must be {kind or 'Offer or Agreement'}", "@type")
    uid = document.get("uid")
    if not isinstance(uid, str) or not uid:
        raise PolicyError("a policy needs a uid (an IRI)", "uid")
    permissions = tuple(_rule(r, f"permission[{i}]") for i, r in enumerate(_list(document.get("permission"), "permission")))
    prohibitions = tuple(_rule(r, f"prohibition[{i}]") for i, r in enumerate(_list(document.get("prohibition"), "prohibition")))
    if not permissions:
        raise PolicyError("a policy needs at least one permission", "permission")
    if policy_type == "Agreement" and not all(isinstance(r, dict) and r.get("assignee") for r in document["permission"]):
        raise PolicyError("an Agreement's permissions name their assignee", "permission/assignee")
    return Policy(policy_type, uid, permissions, prohibitions, copy.deepcopy(document))


def agreement_from_offer(offer: Policy, *, uid: str, assignee: str, purpose: str) -> dict[str, Any]:
    """The Agreement the owner makes for one party from an Offer, for the purpose it asked for."""
    allowed = offer.purposes()
    if allowed is not None and purpose not in allowed:
        raise PolicyError(f"the offer does not allow the purpose {purpose!r} (allowed: {', '.join(sorted(allowed))})", "purpose")
    if not offer.allows_recipient(assignee):
        raise PolicyError(f"the offer's recipient constraint does not admit {assignee}", "recipient")
    document = copy.deepcopy(offer.document)
    document["@type"] = "Agreement"
    document["uid"] = uid
    document.setdefault("@context", CONTEXT)
    for rule in document["permission"]:
        rule["assignee"] = assignee
        constraints = [c for c in _list(rule.get("constraint"), "constraint") if c.get("leftOperand") != "purpose"]
        rule["constraint"] = [*constraints, {"leftOperand": "purpose", "operator": "eq", "rightOperand": purpose}]
    parse_policy(document, kind="Agreement")
    return document


# -- parsing helpers --------------------------------------------------------------------------
def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, dict | str):
        return [value]
    if isinstance(value, list):
        return value
    raise PolicyError(f"{where} must be an object or a list", where)


def _name(value: Any) -> Any:
    """'read', 'odrl:read', {'@id': 'odrl:read'}, {'rdf:value': {'@id': …}} -> 'read'."""
    if isinstance(value, dict):
        value = value.get("rdf:value", value)
        value = value.get("@id") if isinstance(value, dict) else value
    if isinstance(value, str):
        return value.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return value


def _value(value: Any) -> Any:
    return value.get("@value") if isinstance(value, dict) and "@value" in value else value


def _rule(rule: Any, where: str) -> Rule:
    if not isinstance(rule, dict):
        raise PolicyError("a rule is an object", where)
    actions = _list(rule.get("action"), f"{where}/action")
    if len(actions) != 1 or _name(actions[0]) not in ACTIONS:
        raise PolicyError(f"the action must be one of {', '.join(sorted(ACTIONS))}", f"{where}/action")
    constraints = tuple(_constraint(c, f"{where}/constraint[{i}]") for i, c in enumerate(_list(rule.get("constraint"), "constraint")))
    duties: list[str] = []
    compensation = None
    for i, duty in enumerate(_list(rule.get("duty"), f"{where}/duty")):
        duty_where = f"{where}/duty[{i}]"
        duty_actions = _list(duty.get("action") if isinstance(duty, dict) else None, f"{duty_where}/action")
        if len(duty_actions) != 1 or _name(duty_actions[0]) not in DUTIES:
            raise PolicyError(f"a duty's action must be one of {', '.join(sorted(DUTIES))}", f"{duty_where}/action")
        name = _name(duty_actions[0])
        duties.append(name)
        if name == "compensate":
            compensation = _compensation(duty_actions[0], duty_where)
    return Rule(_name(actions[0]), constraints, tuple(duties), compensation)


def _constraint(c: Any, where: str) -> Constraint:
    if not isinstance(c, dict):
        raise PolicyError("a constraint is an object", where)
    left, operator, right = _name(c.get("leftOperand")), _name(c.get("operator")), _value(c.get("rightOperand"))
    if left not in OPERATORS:
        raise PolicyError(f"unsupported leftOperand {left!r} (supported: {', '.join(sorted(OPERATORS))})", f"{where}/leftOperand")
    if operator not in OPERATORS[left]:
        raise PolicyError(f"{left} takes the operators {', '.join(sorted(OPERATORS[left]))}", f"{where}/operator")
    if left == "dateTime":
        right = _datetime(right, f"{where}/rightOperand")
    elif left == "count":
        if isinstance(right, bool) or not isinstance(right, int | str) or not str(right).isdigit():
            raise PolicyError("a count is a non-negative integer", f"{where}/rightOperand")
        right = int(right)
    elif left == "spatial":
        right = _area_wkt(right, f"{where}/rightOperand")
    elif operator in ("isAnyOf", "isNoneOf"):
        right = [_value(v) for v in _list(right, f"{where}/rightOperand")]
    if left == "recipient":
        for party in right if isinstance(right, list) else [right]:
            if not (isinstance(party, str) and party.startswith(PARTY_IRI) and party[len(PARTY_IRI):].isdigit()):
                raise PolicyError(f"a recipient is a party IRI, e.g. {PARTY_IRI}12", f"{where}/rightOperand")
    return Constraint(left, operator, right)


def _area_wkt(value: Any, where: str) -> str:
    """An area (GeoJSON Polygon/MultiPolygon or WKT) as normalised WKT, safe to put in a filter."""
    try:
        shape = from_wkt(value, field=where) if isinstance(value, str) else to_shape(value, field=where)
    except BadRequest as exc:
        raise PolicyError(exc.detail, where) from None
    if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.is_empty:
        raise PolicyError("a spatial area is a Polygon or MultiPolygon", where)
    return shape.wkt


def _area(rule: Rule) -> str | None:
    """The area a rule's `spatial` constraints leave (their intersection), as WKT."""
    areas = [shapely.from_wkt(c.right) for c in rule.constraints if c.left == "spatial"]
    if not areas:
        return None
    try:
        area = shapely.intersection_all(areas) if len(areas) > 1 else areas[0]
    except ShapelyError:
        return areas[0].wkt
    return area.wkt


def _compensation(action: Any, where: str) -> Compensation:
    refinements = _list(action.get("refinement") if isinstance(action, dict) else None, f"{where}/refinement")
    amount, unit, per = None, None, 1
    for r in refinements:
        left = _name(r.get("leftOperand")) if isinstance(r, dict) else None
        if left == "payAmount":
            try:
                amount = Decimal(str(_value(r.get("rightOperand"))))
            except InvalidOperation:
                raise PolicyError("payAmount must be a decimal number", f"{where}/refinement/payAmount") from None
            unit = str(_name(r.get("unit")) or "")
        elif left == "count":
            per = int(_value(r.get("rightOperand")))
        else:
            raise PolicyError(f"unsupported refinement {left!r} of compensate", f"{where}/refinement")
    if amount is None:
        raise PolicyError("compensate needs a payAmount refinement", f"{where}/refinement")
    return Compensation(amount, unit or "", max(per, 1))


def _datetime(value: Any, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise PolicyError("a dateTime is an xsd:dateTime, e.g. 2027-01-01T00:00:00Z", where) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- evaluation -------------------------------------------------------------------------------
def _covers(granted: str, asked: str) -> bool:
    return granted == asked or (granted == "use" and asked == "read")


def _holds(c: Constraint, now: datetime, records_read: int) -> bool:
    if c.left == "dateTime":
        return {"lt": now < c.right, "lteq": now <= c.right, "gt": now > c.right, "gteq": now >= c.right}[c.operator]
    if c.left == "count":  # checked before a read: the page that reaches the limit is the last
        return records_read < (c.right - 1 if c.operator == "lt" else c.right)
    # purpose, recipient: settled when the Agreement was made (see agreement_from_offer);
    # spatial: a filter on the records (Decision.area), not a yes or no
    return True
