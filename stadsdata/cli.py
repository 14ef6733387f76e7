"""The `stadsdata` command."""

from __future__ import annotations

from typing import Annotated

import typer

from stadsdata.commands.access import (
    agreements_app,
    audit_app,
    consents_app,
    datasets_app,
    grants_app,
    keys_app,
    offers_app,
    parties_app,
    users_app,
)
from stadsdata.commands.db import db_app
from stadsdata.commands.demo import demo, prepare_demo
from stadsdata.commands.file_import import import_file
from stadsdata.commands.ingest import ingest
from stadsdata.commands.sources import sources_app
from stadsdata.settings import Settings

app = typer.Typer(help="stadsdata: an open urban data platform.", no_args_is_help=True, add_completion=False)
app.add_typer(db_app, name="db")
app.add_typer(parties_app, name="parties")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(datasets_app, name="datasets")
app.add_typer(grants_app, name="grants")
app.add_typer(consents_app, name="consents")
app.add_typer(offers_app, name="offers")
app.add_typer(agreements_app, name="agreements")
app.add_typer(audit_app, name="audit")
app.add_typer(sources_app, name="sources")
app.command()(ingest)
app.command()(demo)
app.command("import")(import_file)


@app.callback()
def main() -> None:
    """stadsdata: an open urban data platform."""


@app.command()
def serve(
    database: Annotated[str | None, typer.Option(help="SQLite file or postgresql:// URL [env STADSDATA_DATABASE; default stadsdata.db]")] = None,
    host: Annotated[str | None, typer.Option(help="address to listen on [env STADSDATA_HOST; default 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [env STADSDATA_PORT; default 8000]")] = None,
    public_base_url: Annotated[
        str | None, typer.Option(help="external URL used in links [env STADSDATA_PUBLIC_BASE_URL]")
    ] = None,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="upgrade the database schema on start [env STADSDATA_MIGRATE]")
    ] = True,
    demo: Annotated[
        bool, typer.Option("--demo", help="fill an empty database with the demo city and keep it live [env STADSDATA_DEMO]")
    ] = False,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes sharing the port (more than 1: no embedded MQTT broker, no --demo)")
    ] = 1,
) -> None:
    """Start the platform (SensorThings API at /v1.1) on a SQLite file or PostgreSQL."""
    import uvicorn

    from stadsdata import faces
    from stadsdata.app import create_app, freeze_startup_objects

    overrides = {"database": database, "host": host, "port": port, "public_base_url": public_base_url}
    if not migrate:
        overrides["migrate"] = False
    if demo:
        overrides["demo"] = True
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    try:
        faces.enabled(settings.faces)
    except faces.FaceError as exc:
        typer.echo(f"stadsdata: {exc}", err=True)
        raise typer.Exit(2) from None
    if workers > 1:
        serve_workers(settings, workers)
        return
    try:
        application = create_app(settings)
    except Exception as exc:  # a clear message, not a traceback, when the database is unusable
        typer.echo(f"stadsdata: cannot open the database {settings.database}: {exc}", err=True)
        raise typer.Exit(1) from None
    if settings.demo and not prepare_demo(application.state.store, application.state.core, typer.echo, days=settings.demo_days):
        settings.demo = False  # no simulator for a city that is not there
    freeze_startup_objects()
    typer.echo(f"stadsdata: web UI on http://{settings.host}:{settings.port}/ (database: {settings.database})")
    typer.echo(f"stadsdata: SensorThings API on http://{settings.host}:{settings.port}/v1.1, REST API on /api/v1")
    if settings.mqtt_embedded and not settings.mqtt_url:
        typer.echo(f"stadsdata: embedded MQTT broker on {settings.host}:{settings.mqtt_port} (or see the log if that port is taken)")
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        proxy_headers=False,
    )


def serve_workers(settings: Settings, workers: int) -> None:
    """`serve --workers N`: migrate once here, then N uvicorn worker processes, each building the
    app from the environment (`stadsdata.app:app_from_environment`)."""
    import os

    from stadsdata.app import open_store

    if settings.demo:
        typer.echo("stadsdata: --demo runs in one process; seed with `stadsdata demo`, then serve with --workers", err=True)
        raise typer.Exit(2)
    try:
        open_store(settings).close()  # applies migrations once, before the workers start
    except Exception as exc:
        typer.echo(f"stadsdata: cannot open the database {settings.database}: {exc}", err=True)
        raise typer.Exit(1) from None
    if settings.mqtt_embedded and not settings.mqtt_url:
        typer.echo("stadsdata: no embedded MQTT broker with several workers; use a broker and `stadsdata ingest`")
    os.environ.update({
        "STADSDATA_DATABASE": settings.database, "STADSDATA_HOST": settings.host, "STADSDATA_PORT": str(settings.port),
        "STADSDATA_MIGRATE": "false", "STADSDATA_MQTT_EMBEDDED": "false",
        **({"STADSDATA_PUBLIC_BASE_URL": settings.public_base_url} if settings.public_base_url else {}),
    })  # fmt: skip
    typer.echo(f"stadsdata: {workers} workers on http://{settings.host}:{settings.port}/ (database: {settings.database})")
    from uvicorn.supervisors import Multiprocess

    from stadsdata.commands.tcp_socket import NoDelayConfig

    config = NoDelayConfig(
        "stadsdata.app:app_from_environment", factory=True, workers=workers, host=settings.host, port=settings.port,
        log_level=settings.log_level, access_log=settings.access_log, proxy_headers=False,
    )  # fmt: skip
    Multiprocess(config, sockets=[config.bind_socket()]).run()


if __name__ == "__main__":
    app()
