"""Files uploaded for sources of kind `file` (the Sources page's upload): kept under the setting
`files_dir`, named by a random id and the file's own name, never overwritten; the answer gives the
path for the source's config."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

from stadsdata.errors import BadRequest

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".geojson", ".json", ".gpkg")


def keep(folder: str, name: str, body: bytes) -> dict[str, Any]:
    """Keep `body` as a new file; its path, size and SHA-256."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).name).strip("-.") or "file"
    if not base.lower().endswith(SUFFIXES):
        raise BadRequest(f"a file for a source is one of {', '.join(SUFFIXES)}; not {name!r}", field="name")
    if not body:
        raise BadRequest("the file is empty", field="body")
    target = Path(folder).resolve() / "uploads" / f"{uuid.uuid4().hex[:12]}-{base}"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return {"path": str(target), "name": base, "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
