"""`stadsdata sources …`: the kinds of sources this installation takes data from (the built-in
folders of stadsdata/sources and installed packages' `stadsdata.sources` entry points)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

sources_app = typer.Typer(help="Sources of data: the kinds this installation knows.", no_args_is_help=True)


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
        )
        typer.echo(f"{manifest.name} {manifest.version}  {manifest.title}  ({'; '.join(ways)})")
