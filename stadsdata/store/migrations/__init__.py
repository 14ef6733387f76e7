"""Schema migrations for both backends, with Alembic. `upgrade(engine)` brings a database to the
newest revision; revisions live in `versions/`. Databases created before migrations existed
(same schema, no `alembic_version` table) are adopted as revision 0001."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

BASELINE = "0001"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@functools.cache  # the scripts of this installation do not change while it runs
def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def upgrade(connection: Connection, revision: str = "head") -> str:
    """Upgrade the database on `connection` to `revision` (the newest by default); returns it."""
    current = current_revision(connection)
    if revision == "head" and current == head_revision():
        return current  # nothing to do: no need to load alembic's environment and the scripts
    config = _config(connection)
    if current is None and inspect(connection).has_table("observations"):
        command.stamp(config, BASELINE)  # created by an earlier version with the baseline schema
    command.upgrade(config, revision)
    revision = current_revision(connection)
    assert revision is not None
    return revision
