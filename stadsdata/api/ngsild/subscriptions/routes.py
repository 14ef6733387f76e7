"""The subscription endpoints (clauses 6.10, 6.11): POST and GET /subscriptions, GET, PATCH and
DELETE /subscriptions/{subscriptionId}. Included in the face's router (`../routes.py`)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from stadsdata.access.policy import Caller
from stadsdata.api.ngsild.contexts import read_body
from stadsdata.api.ngsild.errors import BadRequestData, TooManyResults
from stadsdata.api.ngsild.responses import NgsiLdRoute, answer, empty
from stadsdata.api.ngsild.subscriptions.records import Subscriptions
from stadsdata.platform import Platform

ROUTE = "/subscriptions"  # below the face's prefix
PATH = "/ngsi-ld/v1" + ROUTE
DEFAULT_LIMIT, MAX_LIMIT = 20, 1000


def build_router(platform: Platform) -> APIRouter:
    """The routes, below the face's prefix (its router includes this one)."""
    router = APIRouter(route_class=NgsiLdRoute, tags=["NGSI-LD"])
    subscriptions = Subscriptions(platform.store, platform.core.access)

    def caller(request: Request) -> Caller:
        return platform.authenticator.caller(request.headers, request.method)

    @router.post(ROUTE)
    async def create_subscription(request: Request) -> Response:
        body, context = read_body(request.headers, await request.body())
        subscription_id = subscriptions.create(caller(request), body, context)
        return empty(201, {"Location": f"{PATH}/{subscription_id}"})

    @router.get(ROUTE)
    def query_subscriptions(request: Request) -> Response:
        params = request.query_params
        limit = _integer(params.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
        offset = _integer(params.get("offset"), "offset", 0, 10**9)
        count = params.get("count", "false")
        if count not in ("true", "false"):
            raise BadRequestData("count is true or false", field="count")
        if limit == 0 and count != "true":
            raise BadRequestData("limit=0 only with count=true", field="limit")
        page, total = subscriptions.page(caller(request), offset, limit)
        headers = {"NGSILD-Results-Count": str(total)} if count == "true" else {}
        response = answer(request, page, headers=headers)
        links = _paging(request, offset, limit, total)
        if links:
            response.headers["Link"] = ", ".join([response.headers.get("link", ""), *links]).lstrip(", ")
        return response

    @router.get(ROUTE + "/{subscription_id}")
    def retrieve_subscription(request: Request, subscription_id: str) -> Response:
        return answer(request, subscriptions.get(caller(request), subscription_id))

    @router.patch(ROUTE + "/{subscription_id}")
    async def update_subscription(request: Request, subscription_id: str) -> Response:
        body, _ = read_body(request.headers, await request.body())
        subscriptions.update(caller(request), subscription_id, body)
        return empty()

    @router.delete(ROUTE + "/{subscription_id}")
    def delete_subscription(request: Request, subscription_id: str) -> Response:
        subscriptions.delete(caller(request), subscription_id)
        return empty()

    return router


def _integer(text: str | None, name: str, default: int, high: int) -> int:
    if text is None:
        return default
    if not re.fullmatch(r"\d{1,9}", text):
        raise BadRequestData(f"{name} is a whole number from 0 to {high}", field=name)
    if int(text) > high:
        if name == "limit":
            raise TooManyResults(f"limit is at most {high}", field=name)
        raise BadRequestData(f"{name} is a whole number from 0 to {high}", field=name)
    return int(text)


def _paging(request: Request, offset: int, limit: int, total: int) -> list[str]:
    if limit == 0:
        return []
    base = {k: v for k, v in request.query_params.multi_items() if k != "offset"}
    links = []
    if offset + limit < total:
        links.append(f'<{PATH}?{urlencode({**base, "offset": offset + limit})}>; rel="next"')
    if offset > 0:
        links.append(f'<{PATH}?{urlencode({**base, "offset": max(0, offset - limit)})}>; rel="prev"')
    return links
