"""Any JSON or CSV web API, through a declarative mapping (`mapping.py`, `config.schema.json`).

Each run is a pass over the API's pages (`paging.py`), at most `max_pages` of them: for each
page, each record that the `where` conditions select has its links followed (`follow`: the
document at a URL found in the record added to it, e.g. SPDP's per-facility static and dynamic
data), is mapped (`records.py`) to a Thing with its Location and Datastreams — mirrored — and
to readings, stored through the one ingest path; then the state is saved.

The state (`run.cursor`): `resume`, where the pass goes on (a run broken off or cut at
`max_pages` goes on there next time), `since`, the newest phenomenonTime of the passes finished
before (sent as the `since.param` query parameter, if the config names one), and `newest`, the
newest of this pass. Every reading's key is the record's identity, the Datastream and the time,
so pages read again store nothing twice.

What cannot be read is quarantined with its bytes and the run goes on: a record the mapping
cannot read (missing value, wrong type, impossible time), a followed link that answers an error,
a page that is not JSON or CSV (an HTML error page — the pass stops there and the next run tries
that page again)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import orjson

from stadsdata.errors import BadRequest, ProblemError
from stadsdata.model.values import format_instant, parse_instant
from stadsdata.service.sink import Reading
from stadsdata.sources.connector import Item, Probe
from stadsdata.sources.http import BadPage, Http, SourceError
from stadsdata.sources.run import Run
from stadsdata.sources.web_api.mapping import Mapping, Unmappable, compile_mapping, parse_time
from stadsdata.sources.web_api.paging import CsvRow, Page, Pager, pages
from stadsdata.sources.web_api.records import MappedRecord, map_record

DEFAULT_MAX_PAGES = 100


class WebApi:
    """The connector of kind `web-api`."""

    def validate(self, config: dict[str, Any]) -> None:
        """The preset merged and the mapping compiled (BadRequest naming `config.<member>`)."""
        compile_mapping(config)

    def check(self, probe: Probe) -> str:
        """Fetch the first page and say how many records the mapping finds there (and whether the
        first selected one maps); BadRequest naming the member for a bad mapping."""
        mapping = compile_mapping(probe.config)
        pager = Pager(mapping.config, mapping.records)
        try:
            page = pager.fetch(probe.http, {}, _since_param(mapping.config, _start_since(mapping.config)))
        except BadPage as exc:
            raise SourceError(f"the first page ({exc.url}) cannot be read: {exc.reason}") from None
        selected = [r for r in page.records if mapping.selected(r)]
        found = f"{len(page.records)} records on the first page" + (
            f", {len(selected)} selected by where" if mapping.conditions else ""
        )
        if not selected:
            return found
        record = selected[0]
        problem = _follow(probe.http, mapping, record, page.url) if mapping.follows else None
        if problem is not None:
            return f"{found}; the first one's link cannot be read: {problem[0]}"
        try:
            mapped = map_record(mapping, _plain(record))
        except Unmappable as exc:
            return f"{found}; the first one cannot be mapped ({exc.member}: {exc.reason})"
        return f"{found}; the first one is Thing {mapped.thing['name']!r} with {len(mapped.readings)} readings"

    def replay(self, run: Run, raw: bytes, where: str) -> None:
        """A quarantined record again, through the mapping as it is now (its links followed again)."""
        try:
            mapping = compile_mapping(run.config)
        except BadRequest as exc:
            raise SourceError(f"the mapping is wrong: {exc.detail}") from None
        item = RecordWriter(run, mapping).item(record_of(raw, mapping), where, raw)
        if item is not None:
            run.store([item])

    def run(self, run: Run) -> None:
        try:
            mapping = compile_mapping(run.config)
        except BadRequest as exc:
            raise SourceError(f"the mapping is wrong: {exc.detail}") from None
        Pass(run, mapping).go()


class Pass:
    """One run's pass over the pages, from where the last one stopped."""

    def __init__(self, run: Run, mapping: Mapping) -> None:
        self.run, self.mapping = run, mapping
        self.pager = Pager(mapping.config, mapping.records)
        cursor = dict(run.cursor)
        newest = cursor.get("newest")
        self.start: dict[str, Any] = {}
        if run.since is not None:  # a re-sync from a time: a new pass from there
            self.since: str | None = format_instant(run.since)
        elif cursor.get("resume") is not None:
            self.since, self.start = cursor.get("since"), cursor["resume"]
        else:
            self.since = newest or _start_since(mapping.config)
        self.writer = RecordWriter(run, mapping, newest=parse_instant(newest, field="cursor.newest") if newest else None)

    @property
    def newest(self) -> datetime | None:
        return self.writer.newest

    def go(self) -> None:
        max_pages = int(self.mapping.config.get("max_pages", DEFAULT_MAX_PAGES))
        for page in self._pages(max_pages):
            self._store(page)
            self._checkpoint(page.resume)  # raises Stopped when the run must end here

    def _pages(self, max_pages: int) -> Iterator[Page]:
        try:
            yield from pages(
                self.pager, self.run.http, self.start, _since_param(self.mapping.config, self.since), max_pages
            )
        except BadPage as exc:  # quarantined; the pass stops here and the next run tries this page again
            self.run.bad_page(exc)

    def _checkpoint(self, resume: dict[str, Any] | None) -> None:
        """Save where the pass goes on; after its last page, the next pass asks from the newest time."""
        newest = format_instant(self.newest) if self.newest is not None else None
        if resume is None:
            cursor = {"newest": newest, "since": newest}
        else:
            cursor = {"newest": newest, "since": self.since, "resume": resume}
        self.run.checkpoint({k: v for k, v in cursor.items() if v is not None})

    # -- one page ---------------------------------------------------------------------------------------
    def _store(self, page: Page) -> None:
        items = []
        for index, record in enumerate(page.records):  # a page is read whole: its checkpoint says the next one
            item = self.writer.item(record, f"{page.url}#{index}")
            if item is not None:
                items.append(item)
        self.run.store(items)

class RecordWriter:
    """Records of one run through the mapping: each selected record's links followed, its Thing,
    Location and Datastreams mirrored, its readings made — or the record quarantined with its
    bytes and the reason. Also used by the `file` kind (`sources/file/`)."""

    def __init__(
        self, run: Run, mapping: Mapping, *, newest: datetime | None = None, location: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    ) -> None:  # fmt: skip
        self.run, self.mapping = run, mapping
        self.newest = newest  # the newest phenomenonTime of the readings made
        self.sensor: int | None = None
        self.location = location  # what becomes of a mapped location first (e.g. another reference system made WGS 84)

    def item(self, record: Any, where: str, raw: bytes | None = None) -> Item | None:
        """The record's readings (its Thing mirrored), or None when it is not selected or was
        quarantined."""
        if isinstance(record, CsvRow) and record.problem is not None:
            self.run.quarantine(
                record.raw, f"a CSV row that does not fit the header: {record.problem}", where=where, field="row"
            )
            return None
        if not self.mapping.selected(record):
            return None
        problem = _follow(self.run.http, self.mapping, record, where)
        raw = raw or (record.raw if isinstance(record, CsvRow) else orjson.dumps(record))
        if problem is not None:
            self.run.quarantine(
                problem[1] or raw, f"a followed link cannot be read: {problem[0]}", where=where, field="follow"
            )
            return None
        try:
            mapped = map_record(self.mapping, _plain(record))
            if self.location is not None and mapped.location is not None:
                mapped.location = self.location(mapped.location)
            readings = self._readings(mapped)
        except Unmappable as exc:
            self.run.quarantine(
                raw, f"a record that cannot be mapped: {exc.member}: {exc.reason}", where=where, field=exc.member
            )
            return None
        except ProblemError as exc:  # an entity refused (e.g. a geometry out of range)
            if exc.status >= 500:
                raise
            self.run.quarantine(
                raw, f"a record whose entities are refused: {exc.detail}", where=where, field=exc.field or "thing"
            )
            return None
        for reading in readings:
            time = reading.phenomenon_time
            if isinstance(time, datetime) and (self.newest is None or time > self.newest):
                self.newest = time
        return Item(raw, where, readings)

    def _readings(self, mapped: MappedRecord) -> list[Reading]:
        thing_id = self._thing(mapped)
        out = []
        for reading in mapped.readings:
            stream_id = self._datastream(mapped, thing_id, reading.spec, reading.stream_key, reading.stream_name)
            out.append(Reading(reading.time, reading.result, datastream_id=stream_id, parameters=dict(mapped.parameters) or None,
                               key=reading.key, field=reading.spec.member))  # fmt: skip
        return out

    # -- entities --------------------------------------------------------------------------------------
    def _thing(self, mapped: MappedRecord) -> int:
        body: dict[str, Any] = dict(mapped.thing)
        if mapped.location is not None:
            location = {"name": mapped.thing["name"], "description": mapped.thing["description"], "encodingType": "application/geo+json",
                        "location": mapped.location}  # fmt: skip
            body["Locations"] = [{"@iot.id": self.run.mirror("Location", mapped.thing_key, location)}]
        return self.run.mirror("Thing", mapped.thing_key, body)

    def _datastream(self, mapped: MappedRecord, thing_id: int, spec: Any, stream_key: str, stream_name: str) -> int:
        observed = self.run.mirror("ObservedProperty", spec.observed_property["definition"], spec.observed_property)
        body = {
            "name": f"{mapped.thing['name']} / {stream_name}", "description": spec.description or f"{stream_name} of {mapped.thing['name']}",
            "observationType": spec.observation_type, "unitOfMeasurement": spec.unit,
            "Thing": {"@iot.id": thing_id}, "Sensor": {"@iot.id": self._sensor()}, "ObservedProperty": {"@iot.id": observed},
        }  # fmt: skip
        return self.run.mirror("Datastream", f"{mapped.thing_key}/{stream_key}", body)

    def _sensor(self) -> int:
        if self.sensor is None:
            given = self.mapping.sensor
            origin = self.run.config.get("url") or self.run.config.get("path") or self.run.name
            name = given.get("name") or f"source {self.run.name}"
            body = {"name": name, "description": given.get("description") or f"the records of {origin}",
                    "encodingType": "text/plain", "metadata": given.get("metadata") or origin}  # fmt: skip
            self.sensor = self.run.mirror("Sensor", "sensor", body)
        return self.sensor



def record_of(raw: bytes, mapping: Mapping) -> Any:
    """A record as it was quarantined: a JSON record, or a CSV row with its header line."""
    if not mapping.csv:
        return orjson.loads(raw)
    options = mapping.config.get("csv") or {}
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8")), delimiter=options.get("delimiter", ","), quotechar=options.get("quotechar", '"')))
    header, values = (lines + [[], []])[:2]
    row = CsvRow(zip(header, values, strict=False))
    row.raw = raw
    if len(values) != len(header):
        row.problem = f"{len(values)} values, the header {len(header)} columns"
    return row


# -- helpers ---------------------------------------------------------------------------------------------
def _follow(http: Http, mapping: Mapping, record: Any, base: str) -> tuple[str, bytes | None] | None:
    """Add each followed document to the record (as member `as`; a relative URL is read against
    the page's, `base`); (why not, the bad answer's bytes) for the first link that cannot be read."""
    if mapping.follows and not isinstance(record, dict):
        return "a record that is not a JSON object cannot take the documents of its links", None
    for follow in mapping.follows:
        url = follow.url.first(record)
        if url is None:
            if follow.optional:
                continue
            return f"{follow.member}: no URL at {follow.url.text}", None
        try:
            document, _, _ = http.json(urljoin(base, str(url)))
        except BadPage as exc:
            return f"{follow.member}: {exc.url}: {exc.reason}", exc.raw
        except SourceError as exc:  # a link that answers 401/403/404/5xx: this record only, the run goes on
            return f"{follow.member}: {exc}", None
        record[follow.name] = document
    return None


def _plain(record: Any) -> Any:
    return dict(record) if isinstance(record, CsvRow) else record


def _start_since(config: dict[str, Any]) -> str | None:
    start = (config.get("since") or {}).get("start")
    return format_instant(parse_instant(start, field="config.since.start")) if start else None


def _since_param(config: dict[str, Any], since: str | None) -> str | None:
    """The `since` query parameter's value in the config's format (ISO 8601 by default)."""
    spec = config.get("since")
    if not spec or since is None:
        return None
    fmt = spec.get("format", "iso8601")
    time = parse_time(since, "iso8601", None)
    if fmt == "epoch_s":
        return str(int(time.timestamp()))
    if fmt == "epoch_ms":
        return str(int(time.timestamp() * 1000))
    return format_instant(time) if fmt == "iso8601" else time.astimezone(UTC).strftime(fmt)
