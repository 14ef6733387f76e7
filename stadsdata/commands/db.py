"""`stadsdata db …`: database maintenance (migrations, copying a platform between backends)."""

from __future__ import annotations

import typer

db_app = typer.Typer(help="Database maintenance: schema upgrades and copying between backends.", no_args_is_help=True)
