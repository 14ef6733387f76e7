"""The ODRL subset: what is understood, what is refused (deny by default), and decisions."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import shapely

from stadsdata.access.odrl import PolicyError, agreement_from_offer, parse_policy

OFFER: dict[str, Any] = json.loads((Path(__file__).parents[3] / "docs/examples/offer-parkeren.json").read_text())
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def agreement(offer: dict[str, Any] | None = None, purpose: str = "route planning") -> Any:
    document = agreement_from_offer(parse_policy(offer or OFFER), uid="urn:a", assignee="urn:p", purpose=purpose)
    return parse_policy(document, kind="Agreement")


def test_the_example_offer_is_understood() -> None:
    offer = parse_policy(OFFER, kind="Offer")
    assert offer.count_limit() == 10_000
    pay = offer.compensation()
    assert pay is not None and (pay.amount, pay.unit, pay.per_records) == (Decimal("2.50"), "Euro", 1000)
    assert offer.purposes() == {"route planning"}


def test_an_agreement_permits_until_the_count_and_the_date() -> None:
    policy = agreement()
    assert policy.decide("read", now=NOW, records_read=0).allowed
    assert policy.decide("read", now=NOW, records_read=9_999).allowed
    refused = policy.decide("read", now=NOW, records_read=10_000)
    assert not refused.allowed and "count" in refused.reason
    assert not policy.decide("read", now=datetime(2030, 1, 1, tzinfo=UTC), records_read=0).allowed  # dateTime lt 2030
    assert not policy.decide("distribute", now=NOW, records_read=0).allowed  # prohibited, and not permitted


def test_use_covers_read_and_prohibitions_win() -> None:
    offer = copy.deepcopy(OFFER)
    offer["permission"][0]["action"] = "use"
    assert agreement(offer).decide("read", now=NOW, records_read=0).allowed
    offer["prohibition"] = [{"action": "read", "constraint": [{"leftOperand": "dateTime", "operator": "gteq", "rightOperand": "2026-12-01T00:00:00Z"}]}]
    assert not agreement(offer).decide("read", now=NOW, records_read=0).allowed


def test_the_purpose_is_settled_when_the_agreement_is_made() -> None:
    with pytest.raises(PolicyError, match="does not allow the purpose 'marketing'"):
        agreement(purpose="marketing")
    document = agreement_from_offer(parse_policy(OFFER), uid="urn:a", assignee="urn:p", purpose="route planning")
    assert document["@type"] == "Agreement" and document["permission"][0]["assignee"] == "urn:p"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update({"@type": "Set"}), "@type"),
        (lambda d: d.pop("uid"), "uid"),
        (lambda d: d.update({"permission": []}), "permission"),
        (lambda d: d["permission"][0].update({"action": "print"}), "permission[0]/action"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "industry", "operator": "eq", "rightOperand": "x"}), "leftOperand"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "spatial", "operator": "eq", "rightOperand": "x"}), "operator"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": "POINT (5 52)"}), "rightOperand"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": "POLYGON ((5 52"}), "rightOperand"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "recipient", "operator": "eq", "rightOperand": "Bedrijf BV"}), "rightOperand"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "recipient", "operator": "gt", "rightOperand": "urn:stadsdata:party:1"}), "operator"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "count", "operator": "gt", "rightOperand": 1}), "operator"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "count", "operator": "lteq", "rightOperand": "many"}), "rightOperand"),
        (lambda d: d["permission"][0]["constraint"].append({"leftOperand": "dateTime", "operator": "lt", "rightOperand": "soon"}), "rightOperand"),
        (lambda d: d["permission"][0]["duty"].append({"action": "obtainConsent"}), "duty[2]/action"),
        (lambda d: d["permission"][0]["duty"][0]["action"][0].update({"refinement": []}), "refinement"),
    ],
)
def test_what_is_not_understood_is_refused_with_the_field(change: Any, field: str) -> None:
    document = copy.deepcopy(OFFER)
    change(document)
    with pytest.raises(PolicyError) as raised:
        parse_policy(document)
    assert field in raised.value.field


def with_constraints(*constraints: dict[str, Any]) -> Any:
    document = copy.deepcopy(OFFER)
    document["permission"][0]["constraint"] += list(constraints)
    return parse_policy(document)


def test_recipient_is_checked_when_the_agreement_is_made() -> None:
    only = with_constraints({"leftOperand": "recipient", "operator": "isAnyOf", "rightOperand": ["urn:stadsdata:party:4", "urn:stadsdata:party:5"]})
    assert agreement_from_offer(only, uid="urn:a", assignee="urn:stadsdata:party:5", purpose="route planning")
    with pytest.raises(PolicyError) as raised:
        agreement_from_offer(only, uid="urn:a", assignee="urn:stadsdata:party:6", purpose="route planning")
    assert raised.value.field == "recipient"
    not_them = with_constraints({"leftOperand": "recipient", "operator": "isNoneOf", "rightOperand": "urn:stadsdata:party:4"})
    assert not not_them.allows_recipient("urn:stadsdata:party:4") and not_them.allows_recipient("urn:stadsdata:party:5")
    exactly = with_constraints({"leftOperand": "recipient", "operator": "eq", "rightOperand": "urn:stadsdata:party:4"})
    assert exactly.allows_recipient("urn:stadsdata:party:4") and not exactly.allows_recipient("urn:stadsdata:party:44")


def test_spatial_constraints_give_the_area_of_the_permission() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}
    policy = with_constraints(
        {"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": square},
        {"leftOperand": "spatial", "operator": "isPartOf", "rightOperand": {"@value": "POLYGON ((1 1, 3 1, 3 3, 1 3, 1 1))", "@type": "geo:wktLiteral"}},
    )
    decision = policy.decide("read", now=datetime(2027, 1, 1, tzinfo=UTC), records_read=0)
    assert decision.allowed
    assert shapely.from_wkt(decision.area).equals(shapely.box(1, 1, 2, 2))  # both constraints hold: their overlap
    assert parse_policy(OFFER).decide("read", now=datetime(2027, 1, 1, tzinfo=UTC), records_read=0).area is None
