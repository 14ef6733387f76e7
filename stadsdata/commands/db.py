"""`stadsdata db …`: database maintenance (migrations, copying a platform between backends)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

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
    from rich.progress import Progress
    from rich.table import Table

    from stadsdata.app import open_store
    from stadsdata.settings import Settings
    from stadsdata.store.copy import CopyError, copy_database

    src = open_store(Settings(database=source))
    dst = open_store(Settings(database=destination))
    console = Console()
    tasks: dict[str, Any] = {}
    try:
        with Progress(console=console) as bar:

            def progress(table: str, done: int, total: int) -> None:
                if table not in tasks:
                    tasks[table] = bar.add_task(table, total=max(total, 1))
                bar.update(tasks[table], completed=done if total else 1)

            report = copy_database(src, dst, progress=progress)  # type: ignore[arg-type]
    except CopyError as exc:
        console.print(f"[red]stadsdata db copy: {exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        src.close()
        dst.close()
    summary = Table("table", "source", "destination")
    for name, (a, b) in report.counts.items():
        summary.add_row(name, str(a), str(b))
    console.print(summary)
    console.print("verified: every table has the same number of rows")
