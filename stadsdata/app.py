"""The ASGI application: one store, one access policy, the API faces on top."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import JSONResponse, Response

from stadsdata import __version__
from stadsdata.access.authenticate import Authenticator, OidcMapping
from stadsdata.access.datasets import DatasetAccess
from stadsdata.access.oidc import OidcVerifier
from stadsdata.access.policy import AccessPolicy, OpenAccess
from stadsdata.access.pseudonyms import Pseudonymiser, load_key
from stadsdata.api import middleware, problems
from stadsdata.api.management.app import API_VERSION as MANAGEMENT_API_VERSION
from stadsdata.api.management.app import PREFIX as MANAGEMENT_PREFIX
from stadsdata.api.management.app import build_management_app
from stadsdata.api.sta.routes import build_router
from stadsdata.api.sta.service import StaService
from stadsdata.ingest.mqtt_broker import EmbeddedBroker
from stadsdata.ingest.pipeline import Ingestor
from stadsdata.operations.health import readiness
from stadsdata.operations.metrics import Metrics
from stadsdata.query.limits import QueryLimits
from stadsdata.service.core import Core
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.store.sqlite.backend import SqliteStore
from stadsdata.web.pages import STATIC_DIR, build_pages

if TYPE_CHECKING:
    from stadsdata.demo.simulator import Simulator


def open_store(settings: Settings) -> Store:
    """The backend the `database` setting names: a PostgreSQL URL or a SQLite file."""
    store: Store
    if settings.is_postgres:
        from stadsdata.store.postgres.backend import PostgresStore

        store = PostgresStore(settings.database, statement_timeout_ms=settings.statement_timeout_ms)
    else:
        store = SqliteStore(settings.sqlite_path)
    if settings.count_mode == "estimate":
        store.count_limit = settings.count_limit
    store.open(migrate=settings.migrate)
    return store


def policy_for(settings: Settings) -> AccessPolicy:
    """The access policy the settings ask for: datasets (the default) or everything open."""
    if settings.access_mode == "open":
        return OpenAccess()
    return DatasetAccess(default_level=settings.default_access_level)


def pseudonymiser_for(settings: Settings) -> Pseudonymiser:
    secret = settings.pseudonym_key.get_secret_value() if settings.pseudonym_key else None
    sqlite_path = None if settings.is_postgres else settings.sqlite_path
    return Pseudonymiser(load_key(secret, settings.pseudonym_key_file, sqlite_path))


def oidc_mapping(settings: Settings) -> OidcMapping | None:
    if not settings.oidc_issuer:
        return None
    verifier = OidcVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url)
    return OidcMapping(verifier, settings.oidc_party_claim, settings.oidc_admin_role, settings.oidc_writer_role)


def embedded_broker(settings: Settings, ingestor: Ingestor, authenticator: Authenticator) -> EmbeddedBroker | None:
    """The embedded MQTT broker `serve` starts, unless it is off or an external broker is set."""
    if not settings.mqtt_embedded or settings.mqtt_url:
        return None
    ports = [settings.mqtt_port] + ([settings.mqtt_alternative_port] if settings.mqtt_alternative_port else [])
    return EmbeddedBroker(ingestor, authenticator, settings.host, ports)


def start_simulator(settings: Settings, store: Store, mqtt_port: int | None) -> Simulator:
    """The demo simulator (`serve --demo`), reporting to this server over MQTT and HTTP."""
    from stadsdata.demo.simulator import Simulator, demo_key

    simulator = Simulator(store, f"http://127.0.0.1:{settings.port}", demo_key(store), mqtt_port, interval_s=settings.demo_interval_s)
    simulator.start()
    return simulator


def app_from_environment() -> FastAPI:
    """The app of one worker of `serve --workers N` (settings from the environment)."""
    return create_app(Settings())


def create_app(settings: Settings | None = None, *, store: Store | None = None, access: AccessPolicy | None = None) -> FastAPI:
    settings = settings or Settings()
    store = store or open_store(settings)
    access = access or policy_for(settings)
    service = StaService(
        store, access, default_top=settings.default_top, max_top=settings.max_top, max_batch=settings.max_batch_requests,
        query_limits=QueryLimits(settings.max_expand_depth, settings.max_filter_depth, settings.max_filter_nodes),
        pseudonymiser=pseudonymiser_for(settings),
    )  # fmt: skip

    core = Core.build(store, access, service.pseudonymiser)
    authenticator = Authenticator(store, oidc_mapping(settings))
    ingestor = Ingestor(
        store, service, settings.public_base_url or f"http://{settings.host}:{settings.port}", max_payload_bytes=settings.mqtt_max_payload_bytes
    )
    broker = embedded_broker(settings, ingestor, authenticator)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.mqtt_port = None
        if broker is not None:
            app.state.mqtt_port = await broker.start()
        simulator = start_simulator(settings, store, app.state.mqtt_port) if settings.demo else None
        try:
            yield
        finally:
            if simulator is not None:
                await asyncio.to_thread(simulator.stop)  # the broker on this loop must keep answering
            if broker is not None:
                await broker.stop()
            store.close()

    app = FastAPI(title="stadsdata", version=__version__, lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.mqtt_port = None
    metrics = Metrics(store)
    app.state.store = store
    app.state.settings = settings
    app.state.sta = service
    app.state.core = core
    problems.install(app)
    app.include_router(build_router(service, settings, authenticator))
    management = build_management_app(store, settings, authenticator, ingestor)

    @app.get(MANAGEMENT_PREFIX, include_in_schema=False)
    def management_root() -> JSONResponse:  # the API's own URL, without a trailing slash (NL API Design Rules)
        return JSONResponse(management.state.root(), headers={"API-Version": MANAGEMENT_API_VERSION})

    app.mount(MANAGEMENT_PREFIX, management)

    def api_index() -> dict[str, Any]:
        return {
            "name": "stadsdata",
            "version": __version__,
            "links": {
                "sensorthings": "/v1.1",
                "sensorthings-1.0": "/v1.0",
                "management": MANAGEMENT_PREFIX,
                "management-openapi": f"{MANAGEMENT_PREFIX}/openapi.json",
                "web": "/",
            },
        }

    app.include_router(build_pages(store, settings, authenticator, api_index))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    sqlite_path = None if settings.is_postgres else Path(settings.sqlite_path)

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        state = readiness(store, sqlite_path=sqlite_path, broker_port=app.state.mqtt_port, broker_expected=broker is not None)
        body = {"status": "ready" if state.ready else "not ready", "checks": state.checks}
        return JSONResponse(body, status_code=200 if state.ready else 503, headers={} if state.ready else {"Retry-After": "5"})

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    middleware.install(app, settings, metrics)
    return app
