"""The OCPI HTTP routes under /ocpi (versions, version details, credentials, and the receiver
interfaces of the modules), the `Authorization: Token …` check, and the replay of quarantined
pushes. Every answer is the OCPI envelope (`envelope.py`); a missing or unknown token is a 401,
token A works only for the versions and credentials modules (the spec)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from stadsdata.access.policy import Caller
from stadsdata.api.ocpi.envelope import Answer, not_found, respond, unauthorized
from stadsdata.api.ocpi.handshake import (
    VERSION,
    Identity,
    get_credentials,
    register,
    unregister,
    version_details,
    versions,
)
from stadsdata.api.ocpi.receiver import MODULES, Push, handle
from stadsdata.api.ocpi.registrations import PARTIES, REGISTERED, Authenticated, authenticate
from stadsdata.api.sta.routes import base_url
from stadsdata.ingest.pipeline import Message, Outcome
from stadsdata.platform import Platform

PREFIX = f"/ocpi/{VERSION}"
UNKNOWN_TOKEN = "no registered party has this credentials token (Authorization: Token <base64 of the token>)"


class Gate:
    """The credentials check of every OCPI request, and the answer in the envelope."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def who(self, request: Request, *, registration: bool = False) -> Authenticated | Answer:
        """The caller's registration; an Answer (401) when the token is missing, unknown, or
        token A outside the registration modules."""
        with self.platform.store.read_only() as tx:
            auth = authenticate(tx.access, {k.lower(): v for k, v in request.headers.items()})
        if auth is None:
            return unauthorized(UNKNOWN_TOKEN)
        if auth.row["status"] != REGISTERED and not registration:
            return unauthorized(
                "a registration token (A) is good only for versions and credentials: POST the credentials first"
            )
        return auth

    def answer(
        self, request: Request, work: Callable[[Authenticated], Answer], *, registration: bool = False
    ) -> JSONResponse:
        found = self.who(request, registration=registration)
        return respond(request.headers, found if isinstance(found, Answer) else work(found))

    def root(self, request: Request) -> str:
        return base_url(request, self.platform.settings)


def build_router(platform: Platform, identity: Identity) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    gate = Gate(platform)
    add_configuration_routes(router, gate, identity)
    add_module_routes(router, gate)
    return router


def add_configuration_routes(router: APIRouter, gate: Gate, identity: Identity) -> None:
    """Versions, version details and credentials (token A or C)."""
    answer, root, store = gate.answer, gate.root, gate.platform.store

    for path in ("/ocpi/versions", "/ocpi/versions/"):

        @router.get(path)
        async def get_versions(request: Request) -> JSONResponse:
            return await run_in_threadpool(answer, request, lambda _: versions(root(request)), registration=True)

    for path in (PREFIX, f"{PREFIX}/"):

        @router.get(path)
        async def get_version_details(request: Request) -> JSONResponse:
            return await run_in_threadpool(answer, request, lambda _: version_details(root(request)), registration=True)

    for path in (f"{PREFIX}/credentials", f"{PREFIX}/credentials/"):

        @router.api_route(path, methods=["GET", "POST", "PUT", "DELETE"])
        async def credentials(request: Request) -> JSONResponse:
            body = await request.body()

            def work(auth: Authenticated) -> Answer:
                if request.method == "GET":
                    return get_credentials(auth, root(request), identity)
                with store.write() as tx:
                    if request.method == "DELETE":
                        return unregister(tx.access, auth)
                    return register(tx.access, auth, body, root(request), identity, again=request.method == "PUT")

            return await run_in_threadpool(answer, request, work, registration=True)


def add_module_routes(router: APIRouter, gate: Gate) -> None:
    """The receiver interfaces of the modules (token C)."""
    platform = gate.platform

    @router.api_route(PREFIX + "/{module}/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @router.api_route(PREFIX + "/{module}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def module_request(request: Request, module: str, rest: str = "") -> JSONResponse:
        body = await request.body()

        def work(auth: Authenticated) -> Answer:
            if module not in MODULES:
                return not_found(f"module {module!r}; this receiver has {', '.join(MODULES)}")
            segments = tuple(s for s in rest.split("/") if s)
            push = Push(request.method, module, segments, body, f"{gate.root(request)}{PREFIX}/{module}")
            return handle(platform, auth, push)

        return await run_in_threadpool(gate.answer, request, work)


def replayer(platform: Platform) -> Callable[[Message, Caller, int], Outcome]:
    """The replay of a quarantined push (`ocpi:NL-EXA`, topic 'PUT locations/NL/EXA/LOC1'): the
    same handler again, for the CPO's registration (it must still be registered)."""

    def replay(message: Message, caller: Caller, quarantined: int) -> Outcome:
        country_code, _, party_id = message.source.removeprefix("ocpi:").partition("-")
        with platform.store.read_only() as tx:
            rows = tx.access.rows(PARTIES, {"country_code": country_code, "party_id": party_id}, limit=1)
        if not rows or rows[0]["status"] != REGISTERED:
            platform.ingestor.refuse(
                message,
                f"CPO {country_code}-{party_id} is not registered (any more)",
                "source",
                quarantined=quarantined,
            )
            return Outcome.QUARANTINED
        method, _, path = message.topic.partition(" ")
        module, *segments = path.split("/")
        push = Push(method, module, tuple(segments), message.payload, f"{platform.service_root}{PREFIX}/{module}")
        answer = handle(platform, Authenticated(rows[0], ""), push, quarantined=quarantined)
        return Outcome.STORED if answer.ok else Outcome.QUARANTINED

    return replay
