"""HTTP routes of the SensorThings face: `/v1.1/...` and `/v1.0/...` onto `StaService`."""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from stadsdata.access.authenticate import Authenticator
from stadsdata.api.problems import problem_response
from stadsdata.api.sta.conformance import mqtt_endpoint
from stadsdata.api.sta.requests import StaRequest
from stadsdata.api.sta.service import StaService
from stadsdata.errors import ProblemError
from stadsdata.settings import Settings

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def build_router(service: StaService, settings: Settings, authenticator: Authenticator) -> APIRouter:
    router = APIRouter()

    async def endpoint(request: Request) -> Response:
        version = request.scope["path"].split("/")[1][1:]  # '/v1.1/Things' -> '1.1'
        rest = request.path_params.get("path", "")
        try:
            caller = await run_in_threadpool(authenticator.caller, request.headers, request.method)
        except ProblemError as exc:
            return problem_response(exc, request.url.path)
        service_root = f"{base_url(request, settings)}/v{version}"
        sta_request = StaRequest(
            method=request.method,
            path=rest,
            query_string=request.url.query,
            body=await request.body(),
            content_type=request.headers.get("content-type", ""),
            version=version,
            service_root=service_root,
            caller=caller,
            mqtt_endpoints=_mqtt_endpoints(request, service_root),
        )
        try:
            response = await run_in_threadpool(service.handle, sta_request)
        except ProblemError as exc:
            return problem_response(exc, request.url.path)
        headers = dict(response.headers)
        if caller.subject is not None:  # what an authenticated caller sees is not for shared caches
            headers.setdefault("Cache-Control", "no-store")
        return Response(
            response.body_bytes() if response.body is not None else None,
            status_code=response.status,
            media_type=response.content_type if response.body is not None else None,
            headers=headers,
        )

    for version in ("1.0", "1.1"):
        router.add_api_route(f"/v{version}", endpoint, methods=METHODS, include_in_schema=False)
        router.add_api_route(f"/v{version}/{{path:path}}", endpoint, methods=METHODS, include_in_schema=False)
    return router


def _mqtt_endpoints(request: Request, service_root: str) -> tuple[str, ...]:
    """The embedded broker's endpoint, while it runs (its port is set when it has started)."""
    port = getattr(request.app.state, "mqtt_port", None)
    return (mqtt_endpoint(service_root, port),) if port else ()


def base_url(request: Request, settings: Settings) -> str:
    """The server's external base URL: configured, or from X-Forwarded-* of a trusted proxy."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    scheme = request.url.scheme
    host = request.headers.get("host") or f"{settings.host}:{settings.port}"
    prefix = ""
    if _trusted(request, settings):
        scheme = request.headers.get("x-forwarded-proto", scheme).split(",")[0].strip()
        host = request.headers.get("x-forwarded-host", host).split(",")[0].strip()
        prefix = request.headers.get("x-forwarded-prefix", "").split(",")[0].strip().rstrip("/")
    root_path = request.scope.get("root_path", "").rstrip("/")
    return f"{scheme}://{host}{prefix}{root_path}"


def _trusted(request: Request, settings: Settings) -> bool:
    return trusted_proxy(request.client.host if request.client else None, settings.forwarded_allow_ips)


def trusted_proxy(client: str | None, forwarded_allow_ips: str) -> bool:
    """Whether the peer `client` is one of the proxies whose X-Forwarded-* headers are trusted."""
    allowed = [a.strip() for a in forwarded_allow_ips.split(",") if a.strip()]
    if "*" in allowed or (client is not None and client in allowed):
        return True
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address == ipaddress.ip_address(a) for a in allowed if _is_ip(a))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
