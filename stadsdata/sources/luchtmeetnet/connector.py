"""Copy Luchtmeetnet's hourly measurements of the configured stations.

Each run: for each station its `/stations/{n}`, mirrored as a Thing with its Location and a
Datastream per wanted component (`entities.py`); then per station and component
`/measurements` (or `/lki` for the index) in windows of at most 7 days from where the last run
stopped to now, every page stored, the series' cursor moved on only when its window has been
read to the end. A measurement's `timestamp_measured` is the end of the measured hour: its
phenomenonTime is that hour (an interval).

The cursor is {"series": {"<station>:<formula>": {"newest": the newest timestamp_measured
copied, "checked": the end of the last window read}}}. The next run starts at `newest` (that
measurement comes again and is found stored: its key is "<station>:<formula>:<time>"), but not
earlier than 7 days before `checked`, so a component a station stopped measuring costs one
request a run, not a walk through its whole silence. A run stopped inside a window reads that
window again: nothing twice, nothing missed. A station whose answers fail (some stations give
HTTP 500) does not stop the others; the run then fails naming it, after the others are copied.

Partial, by design: a value Luchtmeetnet revises after it was copied (its later validation) is
not copied again — the key of that station, component and hour is taken by the first value;
measurements that arrive more than 7 days after the newest one copied are not looked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from stadsdata.errors import BadRequest
from stadsdata.model.values import Interval, format_instant, parse_instant
from stadsdata.service.sink import Reading
from stadsdata.sources.connector import Item, Probe
from stadsdata.sources.documents import number as json_number
from stadsdata.sources.http import AuthFailed, BadPage, SourceError
from stadsdata.sources.luchtmeetnet import api
from stadsdata.sources.luchtmeetnet.entities import (
    LKI,
    components,
    datastream_body,
    location_body,
    observed_property_body,
    sensor_body,
    station_data,
    station_name,
    thing_body,
)
from stadsdata.sources.run import Run, Stopped

HOUR = timedelta(hours=1)
DEFAULT_SINCE = timedelta(days=2)  # what a first run copies without `since`


class Luchtmeetnet:
    """The connector of the `luchtmeetnet` kind."""

    def check(self, probe: Probe) -> str:
        """One request: the first configured station."""
        number = probe.config["stations"][0]
        document, _, _ = probe.http.json(f"{api.root(probe.config)}/stations/{number}")
        try:
            data = station_data(document, number)
        except BadRequest as exc:
            raise SourceError(f"Luchtmeetnet's answer is not a station: {exc.detail}") from None
        return f"station {number} ({station_name(number, data)}) measures {', '.join(components(data)) or 'nothing'}"

    def run(self, run: Run) -> None:
        url = api.root(run.config)
        cursor: dict[str, Any] = dict(run.cursor)
        series: dict[str, Any] = dict(cursor.get("series") or {})
        cursor["series"] = series
        failed: list[str] = []
        for number in dict.fromkeys(run.config["stations"]):
            try:
                for formula, stream_id in _mirror_station(run, url, number).items():
                    _copy(run, url, (number, formula, stream_id), series, cursor)
            except (Stopped, AuthFailed):
                raise
            except SourceError as exc:
                failed.append(f"{number}: {exc}")
        run.checkpoint(cursor)
        if failed:
            raise SourceError(f"the other stations were copied, but not {'; '.join(failed)}")


# -- stations -------------------------------------------------------------------------------------------
def _mirror_station(run: Run, url: str, number: str) -> dict[str, int]:
    """Mirror station `number` with a Datastream per wanted component: formula -> local id ({}
    when its answer cannot be read: quarantined)."""
    try:
        document, raw, where = run.http.json(f"{url}/stations/{number}")
    except BadPage as exc:
        run.bad_page(exc)
        return {}
    try:
        data = station_data(document, number)
    except BadRequest as exc:
        run.quarantine(raw, f"a station that cannot be mirrored: {exc.detail}", where=where, field=exc.field)
        return {}
    location = run.mirror("Location", number, location_body(number, data))
    thing = run.mirror("Thing", number, thing_body(number, data, location))
    streams = {}
    for formula in _wanted(run.config, components(data)):
        links = {
            "Thing": thing,
            "Sensor": run.mirror("Sensor", formula, sensor_body(formula)),
            "ObservedProperty": run.mirror("ObservedProperty", formula, observed_property_body(formula, url)),
        }
        body = datastream_body(number, station_name(number, data), formula, links)
        streams[formula] = run.mirror("Datastream", f"{number}:{formula}", body)
    return streams


def _wanted(config: dict[str, Any], measured: list[str]) -> list[str]:
    """The formulas to copy of a station that measures `measured`: the configured ones it
    measures (all it measures by default; the configured ones when it names none), and LKI
    unless `lki` is false."""
    configured = [c.upper() for c in config.get("components") or []]
    if configured and measured:
        wanted = [c for c in configured if c in measured]
    else:
        wanted = configured or measured
    wanted = [c for c in wanted if c != LKI]
    if config.get("lki", True):
        wanted.append(LKI)
    return list(dict.fromkeys(wanted))


# -- measurements ---------------------------------------------------------------------------------------
def _copy(run: Run, url: str, stream: tuple[str, str, int], series: dict[str, Any], cursor: dict[str, Any]) -> None:
    """Copy one station's component, window by window, from where the last run stopped to now."""
    number, formula, _ = stream
    key = f"{number}:{formula}"
    state = dict(series.get(key) or {})
    now = datetime.now(UTC)
    path = f"{url}/lki" if formula == LKI else f"{url}/measurements"
    for begin, end in api.windows(_start(run, state, now), now):
        params = {"station_number": number, "start": api.stamp(begin), "end": api.stamp(end)}
        params |= {"order_by": "timestamp_measured", "order_direction": "asc"}
        if formula != LKI:
            params["formula"] = formula
        try:
            newest = _copy_window(run, path, params, stream, cursor)
        except api.BrokenOff:
            return  # the bad page is quarantined; this window is read again next run
        if newest is not None and newest > str(state.get("newest") or ""):
            state["newest"] = newest
        state["checked"] = api.stamp(end)
        series[key] = state
        run.checkpoint(cursor)


def _copy_window(
    run: Run, path: str, params: dict[str, Any], stream: tuple[str, str, int], cursor: dict[str, Any]
) -> str | None:
    """Store every page of one window; the newest timestamp stored ('…Z') or None."""
    newest: str | None = None
    for rows, where in api.pages(run, path, params):
        items, bad = [], []
        for row in rows:
            raw = orjson.dumps(row)
            try:
                reading = _reading(row, stream)
            except BadRequest as exc:
                bad.append((raw, exc))
                continue
            items.append(Item(raw, where, [reading]))
            assert isinstance(reading.phenomenon_time, Interval)
            time = api.stamp(reading.phenomenon_time.end)
            newest = max(newest or time, time)
        run.store(items)
        for raw, exc in bad:
            run.quarantine(raw, f"a measurement that cannot be read: {exc.detail}", where=where, field=exc.field)
        run.checkpoint(cursor)  # renews the lease; the series' cursor moves on when the window is complete
    return newest


def _reading(row: Any, stream: tuple[str, str, int]) -> Reading:
    """A row of `/measurements` or `/lki` as the reading of the hour it ends."""
    number, formula, stream_id = stream
    if not isinstance(row, dict):
        raise BadRequest("a measurement is a JSON object", field="data")
    if row.get("station_number", number) != number or str(row.get("formula", formula)).upper() != formula:
        raise BadRequest(
            f"a measurement of {row.get('station_number')} {row.get('formula')}, not of {number} {formula} as asked",
            field="formula",
        )
    end = parse_instant(row.get("timestamp_measured"), field="timestamp_measured")
    value = json_number(row.get("value"))
    if value is None:
        raise BadRequest(f"value {row.get('value')!r} is not a number", field="value")
    key = f"{number}:{formula}:{format_instant(end)}"
    return Reading(Interval(end - HOUR, end), value, datastream_id=stream_id, key=key, field="value")


def _start(run: Run, state: dict[str, Any], now: datetime) -> datetime:
    """Where a series' copy starts: a re-sync's time; else the newest copied, but no earlier than
    a window before the last one read; else the config's `since`; else two days ago."""
    if run.since is not None:
        return run.since
    newest, checked = state.get("newest"), state.get("checked")
    if newest or checked:
        starts = [parse_instant(newest, field="cursor")] if newest else []
        if checked:
            starts.append(parse_instant(checked, field="cursor") - api.WINDOW)
        return max(starts)
    since = run.config.get("since")
    return parse_instant(since, field="config.since") if since else now - DEFAULT_SINCE
