"""HTTP routes of the SensorThings face: `/v1.1/...` and `/v1.0/...` onto `StaService`."""

from __future__ import annotations

import asyncio
import ipaddress
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from stadsdata.access.authenticate import Authenticator
from stadsdata.api.problems import problem_response
from stadsdata.api.sta.conformance import mqtt_endpoint
from stadsdata.api.sta.inline import bounded
from stadsdata.api.sta.requests import StaRequest, StaResponse
from stadsdata.api.sta.service import StaService
from stadsdata.errors import MethodNotAllowed, ProblemError
from stadsdata.platform import route_path
from stadsdata.settings import Settings
from stadsdata.store.errors import WouldWait

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
WORKER_THREADS = 40  # requests of this face served at once per process (as Starlette's thread pool)


class StaApp:
    """`/v1.0` and `/v1.1` as one plain ASGI app, which the platform's app calls before its own
    routing (`Platform.direct`): no route matching, no FastAPI parameter solving (the service
    parses its own requests), only the guards around it. The credentials are checked inside the
    request's transaction (`StaRequest.credentials`). A request is one hop to a worker thread —
    or, where the store answers without waiting and the request is bounded (`inline.py`),
    answered on the event loop: the hop costs more than such a request itself. Should it have to
    wait for a lock after all, it is rolled back and sent to a worker thread."""

    def __init__(self, service: StaService, settings: Settings, authenticator: Authenticator) -> None:
        self.service, self.settings, self.authenticator = service, settings, authenticator
        self.workers = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="sta")
        self.inline = service.store.answers_without_waiting and settings.sta_inline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method not in METHODS:
            response = problem_response(MethodNotAllowed(f"{request.method} is not supported here"), request.url.path)
        else:
            try:
                response = await self.answer(request)
            except ProblemError as exc:  # e.g. a body past the size limit, found while reading it
                response = problem_response(exc, request.url.path)
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        prefix, _, rest = route_path(request.scope)[1:].partition("/")  # '/v1.1/Things(1)' -> 'v1.1', 'Things(1)'
        version = prefix[1:]
        headers, method = request.headers, request.method
        service_root = f"{base_url(request, self.settings)}/v{version}"
        sta_request = StaRequest(
            method=method,
            path=rest,
            query_string=request.scope["query_string"].decode("latin-1"),
            body=await request.body(),
            content_type=headers.get("content-type", ""),
            version=version,
            service_root=service_root,
            credentials=lambda: self.authenticator.caller(headers, method),
            mqtt_endpoints=_mqtt_endpoints(request, service_root),
        )
        response: StaResponse | ProblemError | None = None
        if self.inline and bounded(sta_request, headers):
            try:
                with self.service.store.without_waiting():
                    response = self.run(sta_request)
            except WouldWait:
                response = None  # rolled back: again, where it may wait
        if response is None:
            response = await asyncio.get_running_loop().run_in_executor(self.workers, self.run, sta_request)
        if isinstance(response, ProblemError):
            return problem_response(response, request.url.path)
        headers_out = response.headers
        if sta_request.caller.subject is not None:  # what an authenticated caller sees is not for shared caches
            headers_out.setdefault("Cache-Control", "no-store")
        return Response(
            response.body_bytes() if response.body is not None else None,
            status_code=response.status,
            media_type=response.content_type if response.body is not None else None,
            headers=headers_out,
        )

    def run(self, sta_request: StaRequest) -> StaResponse | ProblemError:
        """The service's answer, or the problem to answer (wrong credentials before any other)."""
        try:
            response = self.service.handle(sta_request)
        except ProblemError as exc:
            failure = exc
        else:
            sta_request.authenticated()  # e.g. the service root: no transaction asked for them
            return response
        try:
            sta_request.authenticated()  # wrong credentials are told before anything else
        except ProblemError as exc:
            return exc
        return failure


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
