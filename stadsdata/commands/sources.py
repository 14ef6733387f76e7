"""`stadsdata sources …`: the kinds of sources this installation knows (the built-in folders of
stadsdata/sources and installed packages' `stadsdata.sources` entry points), and the sources it
fetches from: add one from a YAML or JSON file (config checked, connection tried), list and
show them with their status, run one now, pause, resume, re-sync from a date. Like the other
management commands, these work through `stadsdata.management` as the operator at the machine."""

from __future__ import annotations

import json
import logging
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from stadsdata.commands.access import DatabaseOption, _fail, _operator
from stadsdata.errors import ProblemError

sources_app = typer.Typer(help="Sources of data: the kinds this installation knows, and the sources it fetches from.", no_args_is_help=True)


@sources_app.command("kinds")
def list_kinds(
    examples: Annotated[bool, typer.Option(help="also the example kinds for developers")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="the manifests as JSON (with each config schema)")] = False,
) -> None:
    """The source kinds: name, version, how they receive data, what they are."""
    from stadsdata.sources.registry import source_kinds

    kinds = source_kinds(examples=examples)
    if as_json:
        typer.echo(json.dumps([kind.manifest.document() for kind in kinds.values()], indent=2))
        return
    for kind in kinds.values():
        manifest = kind.manifest
        ways = ([f"webhook /api/v1/{manifest.webhook.path}"] if manifest.webhook else []) + (
            [f"MQTT {' '.join(manifest.mqtt_topics)}"] if manifest.mqtt_topics else []
        ) + ([f"fetches, by default {json.dumps(manifest.pull.schedule)}"] if manifest.pull else [])  # fmt: skip
        typer.echo(f"{manifest.name} {manifest.version}  {manifest.title}  ({'; '.join(ways)})")


@sources_app.command("add")
def add_source(
    file: Annotated[Path, typer.Argument(help="the source as YAML or JSON: name, kind, title, config, schedule, dataset", exists=True, dir_okay=False)],
    test: Annotated[bool, typer.Option("--test/--no-test", help="try the connection before saving")] = True,
    database: DatabaseOption = None,
) -> None:
    """Add a source from a file; its config is checked against its kind's schema and its connection tried first."""
    from stadsdata.management import sources
    from stadsdata.sources.registry import source_kinds
    from stadsdata.sources.runner import check_connection

    body = _document(file)
    try:
        kind, source = sources.checked(source_kinds(), body)
        tested = check_connection(kind, source["name"], source["config"]) if test else None
    except ProblemError as exc:
        _fail(f"{exc.field}: {exc.detail}" if exc.field else exc.detail)
    with _operator(database) as actor:
        made = sources.create_source(actor, source, dataset=body.get("dataset"))
    typer.echo(f"added source {made['name']} ({made['kind']})" + (f"; connection test: {tested}" if tested else ""))


@sources_app.command("list")
def list_sources(database: DatabaseOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The sources with their state, last success, lag and next run."""
    from stadsdata.management import sources

    with _operator(database) as actor:
        found, _ = sources.list_sources(actor, limit=10**6, cursor=None)
    if as_json:
        typer.echo(json.dumps(found, indent=2))
        return
    for s in found:
        status = s["status"]
        lag = f"lag {status['lagSeconds']} s" if status["lagSeconds"] is not None else "no items yet"
        error = f"  error: {status['lastError']}" if status["lastError"] else ""
        typer.echo(f"{s['name']}  {s['kind']}  {s['state']}  last success {status['lastSuccessAt'] or '-'}  {lag}  next {status['nextRunAt']}{error}")


@sources_app.command("show")
def show_source(name: str, database: DatabaseOption = None) -> None:
    """One source as JSON: config (secrets as references), schedule, status, last run."""
    from stadsdata.management import sources

    with _operator(database) as actor:
        typer.echo(json.dumps(sources.get_source(actor, name), indent=2))


@sources_app.command("run")
def run_source(name: str, database: DatabaseOption = None) -> None:
    """Run a source now, in this process, and say how the run went (exit 1 when it failed)."""
    from stadsdata.app import open_store, platform_for, policy_for
    from stadsdata.settings import Settings
    from stadsdata.sources.scheduler import Scheduler

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings(**({"database": database} if database else {}))
    store = open_store(settings)
    try:
        run_id = Scheduler.configured(platform_for(settings, store, policy_for(settings)).source_parts, settings).run_now(name)
    except LookupError as exc:
        _fail(str(exc))
    finally:
        store.close()
    if run_id is None:
        _fail(f"source {name} is running in another process now")
    with _operator(database) as actor:
        from stadsdata.management import sources

        run = sources.list_runs(actor, name, limit=1, cursor=None)[0][0]
    typer.echo(json.dumps(run, indent=2))
    if run["status"] == "failed":
        raise typer.Exit(1)


@sources_app.command("pause")
def pause_source(name: str, database: DatabaseOption = None) -> None:
    """Stop running a source on its schedule (its state and data are kept)."""
    _change(name, {"state": "paused"}, database)


@sources_app.command("resume")
def resume_source(name: str, database: DatabaseOption = None) -> None:
    """Run a paused source on its schedule again (it goes on where it stopped)."""
    _change(name, {"state": "active"}, database)


@sources_app.command("resync")
def resync_source(
    name: str, since: Annotated[datetime, typer.Option("--from", help="copy again from this time (UTC unless a zone is given)")], database: DatabaseOption = None
) -> None:
    """Copy again from a time at the next run (what is stored already is not doubled)."""
    from datetime import UTC

    from stadsdata.management import sources

    with _operator(database) as actor:
        sources.request_run(actor, name, resync_from=since if since.tzinfo else since.replace(tzinfo=UTC))
    typer.echo(f"source {name} copies again from {since.isoformat()} at its next run")


def run_sources_worker(settings: Any) -> None:
    """`stadsdata ingest --sources`: run the configured sources on their schedules in this process
    until SIGINT/SIGTERM (with STADSDATA_SOURCES_RUN=false on the `serve` processes)."""
    from stadsdata.app import open_store, platform_for, policy_for
    from stadsdata.sources.scheduler import Scheduler

    store = open_store(settings)
    scheduler = Scheduler.configured(platform_for(settings, store, policy_for(settings)).source_parts, settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"stadsdata ingest: running the sources of {settings.database} (process {scheduler.owner})")
    scheduler.start()
    try:
        stop.wait()
    finally:
        scheduler.stop()
        store.close()


def _change(name: str, changes: dict[str, Any], database: str | None) -> None:
    from stadsdata.management import sources
    from stadsdata.sources.registry import source_kinds

    with _operator(database) as actor:
        out = sources.update_source(actor, source_kinds(), name, changes)
    typer.echo(f"source {name} is {out['state']}")


def _document(file: Path) -> dict[str, Any]:
    """A source file: JSON, or YAML when it does not parse as JSON (PyYAML)."""
    text = file.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        import yaml

        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            _fail(f"{file} is neither JSON nor YAML: {exc}")
    if not isinstance(document, dict):
        _fail(f"{file}: a source is an object with name, kind, config")
    return document
