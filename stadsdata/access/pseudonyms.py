"""Pseudonymisation at ingest: fields a dataset declares personal (e.g. the charge card in
charge-point sessions) are replaced by a keyed hash before anything is stored, so the platform
keeps "no personal data, but an ID" (Utrecht): the same card gives the same pseudonym, across
datasets and over time, while the key stays secret.

A field is named by a path into the Observation: `result` (the whole result), `result.cardId`
(a member of a JSON object result, nested with more dots) or `parameters.sessionOwner`. The
pseudonym is `pseudonym:` + 32 hex digits of HMAC-SHA256(key, value) — value as its UTF-8 text
for strings, else its canonical JSON (so 42 and "42" give the same pseudonym) — and it is a
string whatever the original type was.

The key comes from STADSDATA_PSEUDONYM_KEY (or a file, STADSDATA_PSEUDONYM_KEY_FILE). On the
embedded default (SQLite) without either, a random key is made once in a file next to the
database, readable by its owner only. Without a key, writes to a stream with personal fields are
refused (503): the raw value is never stored instead."""

from __future__ import annotations

import hmac
import os
import re
import secrets
from hashlib import sha256
from pathlib import Path
from typing import Any

import orjson

from stadsdata.errors import BadRequest, ServiceUnavailable

PATH = re.compile(r"^(result|parameters)(\.[A-Za-z0-9_:@-]+)*$")
PREFIX = "pseudonym:"


def check_paths(paths: Any, *, field: str) -> list[str]:
    """The personal-field paths of a dataset, validated."""
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise BadRequest("personal fields are a list of paths such as 'result.cardId'", field=field)
    for i, path in enumerate(paths):
        if not PATH.match(path) or path == "parameters":
            raise BadRequest(
                f"{path!r} is not a path 'result', 'result.<member>…' or 'parameters.<member>…'", field=f"{field}[{i}]"
            )
    return list(dict.fromkeys(paths))


class Pseudonymiser:
    def __init__(self, key: bytes | None) -> None:
        self.key = key

    def pseudonym(self, value: Any) -> str:
        if self.key is None:
            raise ServiceUnavailable(
                "this stream has personal fields but no pseudonym key is configured (STADSDATA_PSEUDONYM_KEY); nothing was stored"
            )
        if isinstance(value, str) and value.startswith(PREFIX):
            return value  # already a pseudonym (e.g. a PUT of what was read)
        data = value.encode() if isinstance(value, str) else orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        return PREFIX + hmac.new(self.key, data, sha256).hexdigest()[:32]

    def apply(self, paths: list[str], result: Any, parameters: Any) -> tuple[Any, Any]:
        """(result, parameters) with every present personal field replaced; absent ones are fine."""
        for path in paths:
            root, *members = path.split(".")
            if root == "result" and not members:
                if result is not None:
                    result = self.pseudonym(result)
                continue
            holder = result if root == "result" else parameters
            if not isinstance(holder, dict):
                continue
            replaced = _replace(holder, members, self.pseudonym)
            if root == "result":
                result = replaced
            else:
                parameters = replaced
        return result, parameters


def _replace(obj: dict[str, Any], members: list[str], hash_value: Any) -> dict[str, Any]:
    """A copy of `obj` with the value at `members` hashed (the caller's object is not changed)."""
    head, *rest = members
    if head not in obj or obj[head] is None:
        return obj
    copy = dict(obj)
    if rest:
        if isinstance(obj[head], dict):
            copy[head] = _replace(obj[head], rest, hash_value)
    else:
        copy[head] = hash_value(obj[head])
    return copy


def load_key(secret: str | None, key_file: str | None, sqlite_path: str | None) -> bytes | None:
    """The deployment's key: the setting, the key file, or (SQLite only) a key made next to the
    database on first use. None: no key (PostgreSQL without configuration)."""
    if secret:
        return secret.encode()
    if key_file:
        return Path(key_file).read_bytes().strip()
    if sqlite_path is None or sqlite_path == ":memory:":
        return None
    path = Path(f"{sqlite_path}.pseudonym-key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_bytes().strip()
