"""Secrets of a source's config (API keys, tokens, passwords) are never stored or shown: the
config holds a reference — `{"env": "NAME"}` (an environment variable of the process that runs
the source) or `{"file": "/run/secrets/name"}` (a file's content, trailing newline removed) —
and the value is read when a run starts. Which members are secrets, a kind's manifest says
(`[pull] secrets`, dotted paths; `auth` adds its own)."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

REFERENCE_SCHEMA: dict[str, Any] = {
    "description": 'a secret, never stored: {"env": "VARIABLE"} or {"file": "/path/to/file"}',
    "type": "object",
    "properties": {"env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}, "file": {"type": "string", "minLength": 1}},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}


class SecretMissing(LookupError):
    """A referenced secret that is not there (names the reference, never a value)."""


def with_references(schema: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """The config schema with each secret member (a dotted path through `properties`) replaced by
    the reference schema, so that a literal secret is refused when a source is saved."""
    out = copy.deepcopy(schema)
    for path in paths:
        node = out
        *parents, last = path.split(".")
        for name in parents:
            node = node.setdefault("properties", {}).setdefault(name, {"type": "object"})
        node.setdefault("properties", {})[last] = REFERENCE_SCHEMA
    return out


def resolve(reference: dict[str, str], *, where: str) -> str:
    if "env" in reference:
        value = os.environ.get(reference["env"])
        if value is None:
            raise SecretMissing(f"{where}: the environment variable {reference['env']} is not set")
        return value
    try:
        return Path(reference["file"]).read_text(encoding="utf-8").rstrip("\n")
    except OSError as exc:
        raise SecretMissing(f"{where}: the secret file {reference['file']} cannot be read ({exc.strerror})") from None


def resolved(config: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """A copy of `config` with each secret reference that is present replaced by its value."""
    out = copy.deepcopy(config)
    for path in paths:
        node: Any = out
        *parents, last = path.split(".")
        for name in parents:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(last), dict):
            node[last] = resolve(node[last], where=f"config.{path}")
    return out
