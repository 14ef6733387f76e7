"""Liveness and readiness. `/healthz`: the process answers. `/readyz`: it can do its work now —
the database answers a query, the embedded MQTT broker (when it runs) is listening, and the
disk under a SQLite database has room (an operator fills it up before the database does)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stadsdata.store.base import Store

MIN_FREE_BYTES = 64 * 1024 * 1024  # below this a SQLite server is not ready: writes may fail soon


@dataclass
class Readiness:
    ready: bool
    checks: dict[str, Any]


def readiness(store: Store, *, sqlite_path: Path | None, broker_port: int | None, broker_expected: bool) -> Readiness:
    checks: dict[str, Any] = {}
    try:
        store.check_ready()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = f"unavailable: {type(exc).__name__}"
    if broker_expected:
        checks["mqtt"] = "ok" if broker_port else "not listening"
    if sqlite_path is not None:
        free = shutil.disk_usage(sqlite_path.parent if sqlite_path.parent.exists() else Path(".")).free
        checks["diskFreeBytes"] = free
        if free < MIN_FREE_BYTES:
            checks["disk"] = f"less than {MIN_FREE_BYTES // (1024 * 1024)} MiB free"
    ok = checks["database"] == "ok" and checks.get("mqtt", "ok") == "ok" and "disk" not in checks
    return Readiness(ok, checks)
