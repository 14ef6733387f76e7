"""`stadsdata db …`: database maintenance (migrations, copying a platform between backends)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from stadsdata.store.base import Store
    from stadsdata.store.copy import CopyReport

db_app = typer.Typer(help="Database maintenance: schema upgrades and copying between backends.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    database: Annotated[str | None, typer.Option(help="SQLite file or postgresql:// URL [env STADSDATA_DATABASE]")] = None,
) -> None:
    """Create the schema or bring it to the newest revision (data is kept)."""
    from stadsdata.settings import Settings
    from stadsdata.store import migrations

    settings = Settings(**({"database": database} if database else {}))
    store = _store(settings)
    assert store.engine is not None
    with store.engine.begin() as conn:
        before = migrations.current_revision(conn)
        after = migrations.upgrade(conn)
    store.close()
    typer.echo(f"{settings.database}: schema revision {before or 'none'} -> {after}")


def _store(settings: Any) -> Any:
    """An opened store without running migrations on open (the command does that itself)."""
    from stadsdata.store.postgres.backend import PostgresStore
    from stadsdata.store.sqlite.backend import SqliteStore

    store = PostgresStore(settings.database) if settings.is_postgres else SqliteStore(settings.sqlite_path)
    store.engine = store._create_engine()
    return store


@db_app.command("copy")
def copy(
    source: Annotated[str, typer.Argument(help="SQLite file or postgresql:// URL to copy from")],
    destination: Annotated[str, typer.Argument(help="an EMPTY SQLite file or postgresql:// database to copy to")],
) -> None:
    """Copy a whole platform between SQLite and PostgreSQL, ids kept, counts verified."""
    from rich.console import Console

    console = Console()
    src, dst = _open_for_copy(console, source, destination)
    report = _copy_showing_progress(console, src, dst)
    _print_copy_report(console, report)


def _fail(console: Console, message: str) -> typer.Exit:
    """Say what went wrong (in red); the Exit (status 1) is for the caller to raise."""
    from rich.markup import escape

    console.print(f"[red]stadsdata db copy: {escape(message)}[/red]", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def _open_for_copy(console: Console, source: str, destination: str) -> tuple[Store, Store]:
    """(source store, destination store): the source as it is, the destination with the schema."""
    from pathlib import Path

    from stadsdata.app import open_store
    from stadsdata.settings import Settings
    from stadsdata.store.errors import shown_database

    shown = shown_database  # never echo a password from a URL

    src_settings, dst_settings = Settings(database=source), Settings(database=destination)
    try:
        if not src_settings.is_postgres and not Path(src_settings.sqlite_path).is_file():
            raise _fail(console, f"source {shown(source)} does not exist")
        if source == destination:
            raise _fail(console, "source and destination are the same database")
        # The source is only read: it is not upgraded behind the operator's back.
        src = open_store(src_settings.model_copy(update={"migrate": False}))
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - unreachable, wrong URL, old schema: say why, exit 1
        raise _fail(console, f"cannot open source {shown(source)}: {exc}") from None
    try:
        dst = open_store(dst_settings)  # creates the schema when the destination is new
    except Exception as exc:  # noqa: BLE001
        src.close()
        raise _fail(console, f"cannot open destination {shown(destination)}: {exc}") from None
    return src, dst


def _copy_showing_progress(console: Console, src: Store, dst: Store) -> CopyReport:
    """Copy with a progress bar per table, then close both stores."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from stadsdata.store.copy import CopyError, copy_database
    from stadsdata.store.errors import StoreError

    tasks: dict[str, Any] = {}
    try:
        columns = (TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as bar:

            def progress(table: str, done: int, total: int) -> None:
                if table not in tasks:
                    tasks[table] = bar.add_task(table, total=max(total, 1))
                bar.update(tasks[table], completed=done if total else 1)

            return copy_database(src, dst, progress=progress)  # type: ignore[arg-type]
    except CopyError as exc:
        raise _fail(console, str(exc)) from None
    except StoreError as exc:  # e.g. the connection was lost: the destination is rolled back
        raise _fail(console, f"copy failed (an unfinished copy is rolled back): {exc}") from None
    finally:
        src.close()
        dst.close()


def _print_copy_report(console: Console, report: CopyReport) -> None:
    from rich.table import Table

    summary = Table("table", "source rows", "destination rows", "sum of ids", "max id", title="stadsdata db copy")
    for name, (a, b) in report.tables.items():
        summary.add_row(name, str(a[0]), str(b[0]), str(b[1]), str(b[2]))
    console.print(summary)
    rate = report.rows / report.seconds if report.seconds else 0.0
    console.print(f"{report.rows} rows in {report.seconds:.1f} s ({rate:,.0f} rows/s)")
    console.print("verified: every table has the same rows, sum of ids and max id in source and destination")
