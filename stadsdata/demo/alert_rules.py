"""The demo city's alert rules (`analytics/alerts/`), owned by the municipality: the citizen air
network's PM10 and NO2 streams against the EU limit values, and its sensors going quiet. They are
evaluated on what arrives after the seed (the simulator's readings), as a city's own rules would be."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stadsdata.demo import city
from stadsdata.model.entities import OBSERVED_PROPERTY
from stadsdata.query.ast import QueryOptions
from stadsdata.query.parser import parse_filter
from stadsdata.store.base import ReadRequest, Transaction

# (name, kind, target: ('observedProperty', its name) or ('dataset', its key), params)
RULES: tuple[tuple[str, str, tuple[str, str], dict[str, Any]], ...] = (
    ("PM10: daggemiddelde boven de EU-grenswaarde", "air_quality", ("observedProperty", "PM10"),
     {"pollutant": "PM10", "standard": "eu-2008"}),
    ("NO2: uurgemiddelde boven de EU-grenswaarde", "air_quality", ("observedProperty", "NO2"),
     {"pollutant": "NO2", "standard": "eu-2008"}),
    ("Burgermeetnet: sensor stil (3 uur)", "stale", ("dataset", "luchtkwaliteit"), {"maxAgeSeconds": 3 * 3600}),
)  # fmt: skip


def add_alert_rules(tx: Transaction, parties: dict[str, int], datasets: dict[str, int], now: datetime) -> int:
    """Insert the rules (active, with an empty evaluation state); how many."""
    added = 0
    for name, kind, (by, key), params in RULES:
        target: dict[str, int | None] = {"datastream_id": None, "observed_property_id": None, "dataset_id": None}
        if by == "dataset":
            target["dataset_id"] = datasets[key]
        else:
            found = tx.read(ReadRequest(OBSERVED_PROPERTY, QueryOptions(filter=parse_filter(f"name eq '{key}'")), top=1)).records
            if not found:
                continue
            target["observed_property_id"] = found[0]["id"]
        tx.access.insert_row("alert_rules", {
            "name": name, "owner_party_id": parties[city.CITY], "kind": kind, **target, "params": params, "state": {},
            "active": True, "created_at": now, "updated_at": now,
        })  # fmt: skip
        added += 1
    return added
