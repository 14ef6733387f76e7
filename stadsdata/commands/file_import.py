"""`stadsdata import FILE --mapping M`: read a file of the city's own systems (CSV, Excel,
GeoJSON, GeoPackage) into the platform once, with a progress bar and a summary. The file becomes
a source of kind `file` (`import-<file name>` unless `--name` says otherwise; paused, so it is not
read again on a schedule unless resumed), so its items carry that source and run as their
provenance; importing the same file again stores nothing twice. `--dry-run` maps every record and
says what would be stored, and stores nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from stadsdata.commands.access import DatabaseOption, _fail, _operator
from stadsdata.errors import ProblemError


def import_file(
    file: Annotated[Path, typer.Argument(help="CSV, xlsx, GeoJSON or GeoPackage", exists=True, dir_okay=False)],
    mapping: Annotated[Path, typer.Option(help="the mapping as JSON or YAML (docs/sources.md: the file kind)", exists=True, dir_okay=False)],
    name: Annotated[str | None, typer.Option(help="the source's name (default: import-<file name>)")] = None,
    dataset: Annotated[str | None, typer.Option(help="the dataset the new Datastreams go in")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="map every record and count; store nothing")] = False,
    database: DatabaseOption = None,
) -> None:
    """Read a file into the platform once (a source of kind `file`), with a progress bar."""
    from stadsdata.commands.sources import _document
    from stadsdata.management import sources
    from stadsdata.sources.registry import source_kinds

    config = {**_document(mapping), "path": str(file.resolve())}
    body = {"name": name or _name_for(file), "kind": "file", "title": f"Import of {file.name}", "config": config}
    try:
        kind, source = sources.checked(source_kinds(), body)
    except ProblemError as exc:
        _fail(f"{exc.field}: {exc.detail}" if exc.field else exc.detail)
    if dry_run:
        _dry_run(source["config"])
        return
    with _operator(database) as actor:
        if actor.records.rows("sources", {"name": source["name"]}, limit=1):
            sources.update_source(actor, source_kinds(), source["name"], {"config": source["config"]} | ({"dataset": dataset} if dataset else {}))
        else:
            sources.create_source(actor, source, dataset=dataset)
            sources.update_source(actor, source_kinds(), source["name"], {"state": "paused"})
    run = _run_with_progress(source["name"], database)
    typer.echo(
        f"{file.name}: {run['itemsRead']} rows read, {run['itemsStored']} readings stored, {run['itemsDuplicate']} already there, "
        f"{run['itemsQuarantined']} quarantined; {run['entitiesCreated']} entities made (source {source['name']}, run {run['id']}, {run['status']})"
    )
    if run["status"] == "failed":
        _fail(run["error"])


def _run_with_progress(name: str, database: str | None) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from stadsdata.app import open_store, platform_for, policy_for
    from stadsdata.management import sources
    from stadsdata.settings import Settings
    from stadsdata.sources.scheduler import Scheduler

    settings = Settings(**({"database": database} if database else {}))
    store = open_store(settings)
    try:
        scheduler = Scheduler.configured(platform_for(settings, store, policy_for(settings)).source_parts, settings)
        with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=False) as bar:
            task = bar.add_task("rows", total=None)
            run_id = scheduler.run_now(name, progress=lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        store.close()
    if run_id is None:
        _fail(f"source {name} is running in another process now")
    with _operator(database) as actor:
        return next(r for r in sources.list_runs(actor, name, limit=10, cursor=None)[0] if r["id"] == run_id)


def _dry_run(config: dict[str, Any]) -> None:
    from stadsdata.sources.file.connector import _records, mapping_of
    from stadsdata.sources.file.readers import FileError, file_format
    from stadsdata.sources.web_api.mapping import Unmappable
    from stadsdata.sources.web_api.records import map_record

    path = Path(config["path"])
    mapping = mapping_of(config)
    counts = {"records": 0, "selected": 0, "readings": 0, "unmappable": 0}
    things: set[str] = set()
    problems: list[str] = []
    try:
        for record, _, where in _records(config, path, file_format(path, config.get("format"))):
            counts["records"] += 1
            if getattr(record, "problem", None):
                counts["unmappable"] += 1
                problems.append(f"{where}: {record.problem}")
                continue
            if not mapping.selected(record):
                continue
            counts["selected"] += 1
            try:
                mapped = map_record(mapping, dict(record))
            except Unmappable as exc:
                counts["unmappable"] += 1
                problems.append(f"{where}: {exc.member}: {exc.reason}")
                continue
            things.add(mapped.thing_key)
            counts["readings"] += len(mapped.readings)
    except FileError as exc:
        _fail(str(exc))
    typer.echo(json.dumps({**counts, "things": len(things), "first_problems": problems[:10]}, indent=2))


def _name_for(file: Path) -> str:
    return "import-" + (re.sub(r"[^a-z0-9._-]+", "-", file.stem.lower()).strip("-") or "file")[:60]
