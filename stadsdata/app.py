"""The ASGI application: one store, one access policy, the core; the enabled faces mounted on top
(`faces.py`), the operational endpoints (health, readiness, metrics) and the guards around it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from stadsdata import __version__, faces
from stadsdata.access.authenticate import Authenticator, OidcMapping
from stadsdata.access.datasets import DatasetAccess
from stadsdata.access.oidc import OidcVerifier
from stadsdata.access.policy import AccessPolicy, OpenAccess
from stadsdata.access.pseudonyms import Pseudonymiser, load_key
from stadsdata.analytics.alerts.evaluator import AlertEvaluator
from stadsdata.api import middleware, problems
from stadsdata.catalog.areas import Area, load_areas
from stadsdata.ingest.pipeline import Ingestor
from stadsdata.operations.health import readiness
from stadsdata.operations.metrics import Metrics
from stadsdata.platform import Platform, route_path
from stadsdata.service.core import Core
from stadsdata.settings import Settings
from stadsdata.sources.registry import SourceKinds, source_kinds
from stadsdata.sources.scheduler import Scheduler
from stadsdata.store.base import Store
from stadsdata.store.sqlite.backend import SqliteStore

if TYPE_CHECKING:
    from stadsdata.demo.charge_point_operator import DemoChargePointOperator
    from stadsdata.demo.simulator import Simulator
    from stadsdata.demo.upstreams import Upstream


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


def start_simulator(settings: Settings, store: Store, mqtt_port: int | None, *, ocpi: bool) -> list[Simulator | DemoChargePointOperator]:
    """The demo simulator (`serve --demo`), reporting to this server over MQTT and HTTP, and (with
    the OCPI face) the demo city's charge point operator, pushing over OCPI."""
    from stadsdata.demo.charge_point_operator import DemoChargePointOperator
    from stadsdata.demo.simulator import Simulator, demo_key

    base, key = f"http://127.0.0.1:{settings.port}", demo_key(store)
    running: list[Simulator | DemoChargePointOperator] = [Simulator(store, base, key, mqtt_port, interval_s=settings.demo_interval_s)]
    if ocpi:
        running.append(DemoChargePointOperator(base, key, interval_s=max(settings.demo_interval_s, 30.0)))
    for part in running:
        part.start()
    return running


def start_demo_sources(store: Store, kinds: SourceKinds) -> list[Upstream]:
    """The demo city's sources and the fake upstreams they read (`demo/upstreams.py`)."""
    from stadsdata.demo.upstreams import start_demo_sources

    return start_demo_sources(store, kinds)


def start_scheduler(platform: Platform) -> Scheduler:
    """The scheduler of the configured sources (connectors) in this process."""
    scheduler = Scheduler.configured(platform.source_parts, platform.settings)
    scheduler.start()
    return scheduler


def app_from_environment() -> FastAPI:
    """The app of one worker of `serve --workers N` (settings from the environment)."""
    app = create_app(Settings())
    freeze_startup_objects()
    return app


def freeze_startup_objects() -> None:
    """Move what the start-up made (modules, the app, compiled statements: ~200 000 objects) out of
    the garbage collector's sight for good, so that a full collection during a request no longer
    walks them (80–250 ms each on a large answer). For a serving process, after it built its app."""
    gc.collect()
    gc.freeze()


def platform_for(settings: Settings, store: Store, access: AccessPolicy) -> Platform:
    """The parts of a platform on `store`: the core, the ingest pipeline and the source kinds."""
    core = Core.build(store, access, pseudonymiser_for(settings))
    return Platform(
        settings, store, core, Authenticator(store, oidc_mapping(settings)),
        Ingestor(store, core.observations, max_payload_bytes=settings.mqtt_max_payload_bytes),
        source_kinds(examples=settings.example_sources), settings.public_base_url or f"http://{settings.host}:{settings.port}",
        areas=named_areas(settings, store),
    )  # fmt: skip


def named_areas(settings: Settings, store: Store) -> Callable[[], list[Area]]:
    """The named areas the catalog and the analyses count by: the file of setting `catalog_areas`
    (read now: a bad file stops the start with its reason), else the demo city's districts where it
    runs or its database is served (computed when first asked; whether the database holds the demo
    city is looked at once), else none."""
    if settings.catalog_areas:
        areas = load_areas(settings.catalog_areas)
        return lambda: areas
    from stadsdata.demo.catalog import districts

    if settings.demo:
        return districts
    demo: list[bool] = []

    def found() -> list[Area]:
        if not demo:
            from stadsdata.demo.seed import holds_demo_city

            demo.append(holds_demo_city(store))
        return districts() if demo[0] else []

    return found


def create_app(settings: Settings | None = None, *, store: Store | None = None, access: AccessPolicy | None = None) -> FastAPI:
    settings = settings or Settings()
    store = store or open_store(settings)
    platform = platform_for(settings, store, access or policy_for(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            async with AsyncExitStack() as started:
                for face_lifespan in platform.lifespans:  # e.g. the embedded MQTT broker
                    await started.enter_async_context(face_lifespan(app))
                simulators = start_simulator(settings, store, app.state.mqtt_port, ocpi="ocpi" in platform.links) if settings.demo else []
                upstreams = start_demo_sources(store, platform.source_kinds) if settings.demo else []
                scheduler = start_scheduler(platform) if settings.sources_run else None
                app.state.scheduler = scheduler
                app.state.alert_evaluator = alert_evaluator = AlertEvaluator(
                    store, platform.core.access,
                    mqtt=(settings.alert_mqtt_host, settings.alert_mqtt_port or settings.mqtt_port, settings.alert_mqtt_topic_prefix),
                    smtp=(settings.alert_smtp_host, settings.alert_smtp_port, settings.alert_smtp_from, settings.alert_smtp_starttls)
                    if settings.alert_smtp_host else None,
                    smtp_login=(settings.alert_smtp_user, settings.alert_smtp_password.get_secret_value() if settings.alert_smtp_password else "")
                    if settings.alert_smtp_user else None,
                    stale_every_s=settings.alert_stale_every_s,
                    allow_private=settings.notify_private_networks,
                )
                alert_evaluator.start()  # alert rules, evaluated off the committing thread
                try:
                    yield
                finally:
                    await asyncio.to_thread(alert_evaluator.stop)
                    if scheduler is not None:
                        await asyncio.to_thread(scheduler.stop)
                    for upstream in upstreams:
                        await asyncio.to_thread(upstream.stop)
                    for simulator in simulators:
                        await asyncio.to_thread(simulator.stop)  # the broker on this loop must keep answering
        finally:
            store.close()

    app = PlatformApp(title="stadsdata", version=__version__, lifespan=lifespan, docs_url="/docs", redoc_url=None)
    metrics = Metrics(store)
    app.state.store = store
    app.state.settings = settings
    app.state.core = platform.core
    app.state.platform = platform
    app.state.ingestor = platform.ingestor
    app.state.scheduler = None  # the sources' scheduler, while the app runs
    app.state.mqtt_port = None  # the embedded broker's, once the SensorThings face started it
    app.state.mqtt_broker_expected = False
    problems.install(app)
    add_operations_routes(app, platform, metrics)  # first: probes are matched before any face's routes
    for face in faces.enabled(settings.faces):
        face.mount(app, platform)
    guards = middleware.install(app, settings, metrics)
    app.direct = {prefix: guards.wrap(answer) for prefix, answer in platform.direct.items()}
    return app


class PlatformApp(FastAPI):
    """The app: FastAPI, except for the paths faces answer directly (`Platform.direct`), which go
    straight to their ASGI app behind the same guards — not through FastAPI's own middleware
    and routing, which cost more than such a request itself (the SensorThings API)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.direct: dict[str, ASGIApp] = {}  # prefix -> the face's app behind the guards

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.direct:
            path = route_path(scope)
            prefix = path if path.count("/") < 2 else path[: path.index("/", 1)]
            answer = self.direct.get(prefix)
            if answer is not None:
                scope["app"] = self
                await answer(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def add_operations_routes(app: FastAPI, platform: Platform, metrics: Metrics) -> None:
    """/healthz (the process answers), /readyz (it can serve: database, disk, broker), /metrics."""
    settings, store, app_state = platform.settings, platform.store, app.state
    sqlite_path = None if settings.is_postgres else Path(settings.sqlite_path)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        state = readiness(
            store, sqlite_path=sqlite_path, broker_port=app_state.mqtt_port, broker_expected=app_state.mqtt_broker_expected,
        )  # fmt: skip
        body = {"status": "ready" if state.ready else "not ready", "checks": state.checks}
        return JSONResponse(body, status_code=200 if state.ready else 503, headers={} if state.ready else {"Retry-After": "5"})

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
