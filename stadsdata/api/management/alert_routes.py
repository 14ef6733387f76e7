"""Endpoints of alert rules and their alerts (`analytics/alerts/`): /alert-rules (list, create,
get, change, delete) and /alerts (list by state, rule, stream; acknowledge; resolve)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from starlette.responses import JSONResponse

from stadsdata.access.policy import AccessPolicy
from stadsdata.analytics.alerts.rules import AlertRules
from stadsdata.api.management import models
from stadsdata.api.management.endpoints import Endpoints

RuleBody = Annotated[dict[str, Any], Body(description="name, kind ('threshold'), params, one of datastreamId/observedPropertyId/datasetId, ownerPartyId")]


def add_alert_routes(router: APIRouter, tools: Endpoints, Who: Any, access: AccessPolicy) -> None:  # noqa: N803 - a type
    rules = AlertRules(tools.store, access)

    @router.get("/alert-rules", tags=["alerts"], summary="The alert rules the caller owns (admins: all)")
    def list_rules(request: Request, who: Who) -> JSONResponse:
        return tools.listing(request, "alertRules", (rules.list(who), None))

    @router.post("/alert-rules", tags=["alerts"], summary="Create an alert rule over streams its owner may read", status_code=201)
    def create_rule(request: Request, body: RuleBody, who: Who) -> JSONResponse:
        rule = rules.create(who, body)
        return tools.created(request, rule, f"alert-rules/{rule['id']}")

    @router.get("/alert-rules/{rule_id}", tags=["alerts"])
    def get_rule(rule_id: models.Id, who: Who) -> dict[str, Any]:
        return rules.get(who, rule_id)

    @router.put("/alert-rules/{rule_id}", tags=["alerts"], summary="Change a rule's name, params or active flag")
    def update_rule(rule_id: models.Id, body: RuleBody, who: Who) -> dict[str, Any]:
        return rules.update(who, rule_id, body)

    @router.delete("/alert-rules/{rule_id}", tags=["alerts"], status_code=204)
    def delete_rule(rule_id: models.Id, who: Who) -> Response:
        rules.delete(who, rule_id)
        return Response(status_code=204)

    @router.get("/alerts", tags=["alerts"], summary="Alerts of the caller's rules, on streams the caller may read")
    def list_alerts(
        request: Request, who: Who, state: str | None = None,
        rule: Annotated[int | None, Query(ge=0)] = None, datastream: Annotated[int | None, Query(ge=0)] = None,
    ) -> JSONResponse:  # fmt: skip
        return tools.listing(request, "alerts", (rules.alerts(who, state, rule, datastream), None))

    @router.post("/alerts/{alert_id}/acknowledge", tags=["alerts"])
    def acknowledge(alert_id: models.Id, who: Who) -> dict[str, Any]:
        return rules.acknowledge(who, alert_id)

    @router.post("/alerts/{alert_id}/resolve", tags=["alerts"])
    def resolve(alert_id: models.Id, who: Who) -> dict[str, Any]:
        return rules.resolve(who, alert_id)
