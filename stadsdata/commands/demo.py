"""`stadsdata demo`: fill a database with the demo city (`stadsdata/demo/`), and what
`serve --demo` does before it starts serving."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

import typer

from stadsdata.settings import Settings


def prepare_demo(store: Any, core: Any, echo: Callable[[str], None], *, days: int = 30) -> bool:
    """Seed the demo city once (an empty database), then give its accounts new passwords.
    False (and nothing done) when the database holds other data: the demo is not mixed in."""
    from stadsdata.demo.catalog import describe_datasets
    from stadsdata.demo.register import register_devices
    from stadsdata.demo.seed import ACCOUNTS, is_seeded, reset_demo_accounts, seed
    from stadsdata.model.entities import THING

    if is_seeded(store):
        echo("stadsdata demo: the demo city is already in this database")
        describe_datasets(store)  # a demo database from before the catalog gets the catalog's metadata …
        register_devices(store, core)  # … and its sensor register
    elif _has_things(store, THING):
        echo("stadsdata demo: this database already holds other data; the demo city is not added (use a new database file)")
        return False
    else:
        started = time.monotonic()
        echo(f"stadsdata demo: building Veenhaven, a fictional city, with {days} days of history …")
        report = seed(store, core, days=days, progress=lambda message: echo(f"  {message}"))
        echo(f"stadsdata demo: {report.things} Things, {report.datastreams} Datastreams, "
             f"{report.observations:,} Observations in {time.monotonic() - started:.0f} s")  # fmt: skip
    passwords = reset_demo_accounts(store)
    echo("stadsdata demo: sign in with (new passwords at every start, not stored anywhere in clear):")
    for username, (party, admin) in ACCOUNTS.items():
        echo(f"  {username:<10} {passwords[username]:<14} {party}{' (admin)' if admin else ''}")
    return True


def _has_things(store: Any, thing: Any) -> bool:
    from stadsdata.query.ast import QueryOptions
    from stadsdata.store.base import ReadRequest

    with store.read_only() as tx:
        return bool(tx.read(ReadRequest(thing, QueryOptions(), top=1)).records)


def demo(
    database: Annotated[str | None, typer.Option(help="SQLite file or postgresql:// URL [env STADSDATA_DATABASE]")] = None,
    days: Annotated[int, typer.Option(min=1, max=366, help="days of history")] = 30,
) -> None:
    """Fill the database with the demo city Veenhaven (once) and print its demo accounts."""
    from stadsdata.app import create_app

    settings = Settings(**({"database": database} if database else {}), mqtt_embedded=False)
    application = create_app(settings)
    try:
        prepare_demo(application.state.store, application.state.core, typer.echo, days=days)
    finally:
        application.state.store.close()
