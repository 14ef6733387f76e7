"""The store side of alert rules (`stadsdata/analytics/alerts/`): the numeric results of given
observations (what a commit listener's changes name), read in one statement; the facts of the
Datastreams a rule targets; an evaluation's alerts and rule states written with one statement each."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from stadsdata.store.schema import alert_rules, alerts, datastreams, observations


def observation_numbers(conn: Connection, observation_ids: Sequence[int]) -> list[tuple[int, datetime, float]]:
    """(Datastream id, phenomenon time, result) of the finite numeric results of these
    observations, by stream, time and id (others, e.g. of MultiDatastreams, are left out)."""
    if not observation_ids:
        return []
    o = observations.c
    found: list[tuple[int, datetime, float]] = []
    ids = sorted(set(observation_ids))
    runs = _runs(ids)  # a batch's ids are mostly one run: ranges read cheaper than a long list
    chosen = [o.id.between(a, b) for a, b in runs] if len(runs) <= 16 else [o.id.in_(ids[i : i + 5000]) for i in range(0, len(ids), 5000)]
    for which in chosen:
        stmt = select(o.datastream_id, o.phenomenon_time_start, o.result_number).where(
            which, o.datastream_id.is_not(None), o.result_number.is_not(None)
        )
        found.extend((s, t, v) for s, t, v in conn.execute(stmt) if math.isfinite(v))
    found.sort()
    return found


def _runs(ids: list[int]) -> list[tuple[int, int]]:
    """Sorted ids as (first, last) runs of consecutive ids."""
    runs: list[tuple[int, int]] = []
    for i in ids:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def datastream_facts(conn: Connection, where: Mapping[str, Sequence[int]]) -> list[dict[str, Any]]:
    """id, observed_property_id, dataset_id, unit_of_measurement, properties of the Datastreams
    whose id, observed property or dataset is one of those given (by id)."""
    d = datastreams.c
    wanted = [d[name].in_(sorted(set(ids))) for name, ids in where.items() if ids]
    if not wanted:
        return []
    stmt = select(d.id, d.observed_property_id, d.dataset_id, d.unit_of_measurement, d.properties).where(or_(*wanted)).order_by(d.id)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def write_alerts(
    conn: Connection, opened: Sequence[Mapping[str, Any]], resolved: Sequence[int], when: datetime,
    states: Sequence[tuple[int, datetime, Any]],
) -> list[int]:  # fmt: skip
    """Insert the alerts (ids returned in order), resolve the open or acknowledged ones of
    `resolved` (by the rule, at `when`), and write each rule's state where the rule's updated_at is
    still the one given (a rule changed meanwhile keeps what the change wrote)."""
    ids: list[int] = []
    if opened:
        stmt = insert(alerts).returning(alerts.c.id, sort_by_parameter_order=True)
        ids = [int(row[0]) for row in conn.execute(stmt, [dict(row) for row in opened])]
    if resolved:
        a = alerts.c
        conn.execute(
            update(alerts).where(a.id.in_(sorted(set(resolved))), a.state.in_(["open", "acknowledged"]))
            .values(state="resolved", resolved_by="rule", resolved_at=when)
        )  # fmt: skip
    if states:
        r = alert_rules.c
        stmt = update(alert_rules).where(r.id == bindparam("_id"), r.updated_at == bindparam("_at")).values(state=bindparam("_state"))
        conn.execute(stmt, [{"_id": i, "_at": at, "_state": state} for i, at, state in states])
    return ids
