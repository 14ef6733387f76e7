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
