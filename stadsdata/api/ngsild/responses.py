"""Answers of the NGSI-LD face: the body in the negotiated media type with its @context (in
the body for application/ld+json, in a `Link` header otherwise), and the route class that turns
every platform error under this face into NGSI-LD problem details."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from stadsdata.api.ngsild.contexts import (
    CONTEXT_REL,
    CORE_CONTEXT,
    GEO_JSON,
    LD_JSON,
    check_tenant,
    link_context,
    response_type,
)
from stadsdata.api.ngsild.errors import translated
from stadsdata.errors import ProblemError


class NgsiLdRoute(APIRoute):
    """A route whose errors are NGSI-LD problems; every request is checked for a tenant."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                check_tenant(request.headers)
                return await handler(request)
            except ProblemError as exc:
                raise translated(exc) from None

        return answer


def context_of(request: Request) -> Any:
    """The @context a response is given in: the request's (Link header), else the core one."""
    return link_context(request.headers) or CORE_CONTEXT


def link(context: Any) -> str:
    url = context if isinstance(context, str) else CORE_CONTEXT
    return f'<{url}>; rel="{CONTEXT_REL}"; type="{LD_JSON}"'


def answer(
    request: Request, data: Any, *, status: int = 200, headers: dict[str, str] | None = None, geo: bool = False
) -> Response:
    """`data` (an entity, a list of them, or another NGSI-LD object) in the asked media type."""
    media = response_type(request.headers, geo=geo)
    context = context_of(request)
    out = dict(headers or {})
    if media == LD_JSON:
        if isinstance(data, list):
            data = [{**item, "@context": context} if isinstance(item, dict) else item for item in data]
        elif isinstance(data, dict):
            data = {**data, "@context": context}
    else:
        out["Link"] = link(context)
    return Response(orjson.dumps(data), status_code=status, media_type=media, headers=out)


def wants_geojson(request: Request) -> bool:
    return response_type(request.headers) == GEO_JSON


def empty(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, headers=headers)
