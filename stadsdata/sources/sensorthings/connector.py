"""Copy from another SensorThings server.

Each run: (1) page through the selected Things with their Locations and Datastreams (each with
its Sensor and ObservedProperty) and mirror them; (2) for each mirrored Datastream, page through
its Observations from where the last run stopped (`phenomenonTime ge` the newest time copied, in
time order), storing each page and saving the newest time after it. The boundary Observations
come again and are found stored (their key is the remote id), so a run that stops anywhere
leaves neither gaps nor doubles.

Real servers' quirks: `$top` is capped (the server's nextLink is followed, whatever page size
it chose); a nextLink that drops `$filter`, `$expand` or `$orderby` gets them back; 5xx and
timeouts are retried with back-off (`sources/http.py`); a Datastream that is gone at the
source (404) is skipped and noted; an Observation or Thing that cannot be read is quarantined
and the run goes on."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

from stadsdata.errors import BadRequest
from stadsdata.model.values import format_instant, parse_instant, parse_time
from stadsdata.service.sink import Reading
from stadsdata.sources.connector import Item, Probe
from stadsdata.sources.http import BadPage, SourceError
from stadsdata.sources.run import Run

MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
THINGS_EXPAND = "Locations,Datastreams($expand=Sensor,ObservedProperty)"


class RemoteSensorThings:
    def check(self, probe: Probe) -> str:
        params = {"$top": "1", "$count": "true", **_filter(probe.config)}
        page, _, _ = probe.http.json(f"{_root(probe.config)}/Things", params)
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise SourceError("the answer to /Things is not a SensorThings collection (no 'value' array): is the URL the service root with its version?")
        count = page.get("@iot.count")
        return f"{count} Things match" if isinstance(count, int) else f"the server answers; {len(page['value'])} Thing on the first page"

    def run(self, run: Run) -> None:
        streams = self._mirror_things(run)
        cursor: dict[str, Any] = dict(run.cursor)
        times: dict[str, str] = dict(cursor.get("datastreams") or {})
        gone: list[str] = []
        for remote_id, local_id in streams.items():
            try:
                self._copy_observations(run, remote_id, local_id, times, cursor)
            except SourceError as exc:
                if "HTTP 404" not in str(exc):
                    raise
                gone.append(remote_id)  # removed at the source since the Things were read
        cursor["removed_datastreams"] = gone
        run.checkpoint(cursor)

    def replay(self, run: Run, raw: bytes, where: str) -> None:
        """A quarantined Observation (its page's URL names the remote Datastream) or Thing again."""
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError:
            run.quarantine(raw, "not a JSON entity (a page that could not be read): re-sync the source instead", where=where, field="body")
            return
        if "/Datastreams(" not in where:  # a Thing of the Things pass
            try:
                _mirror_thing(run, document)
            except (BadRequest, KeyError, TypeError, ValueError) as exc:
                run.quarantine(raw, f"a Thing that cannot be mirrored: {getattr(exc, 'detail', exc)}", where=where, field="Thing")
            return
        remote = where.split("/Datastreams(", 1)[1].split(")", 1)[0].strip("'").replace("''", "'")
        local = run.mirrored("Datastream").get(remote)
        if local is None:
            run.quarantine(raw, f"the remote Datastream {remote} is not mirrored (yet): run the source first", where=where, field="Datastream")
            return
        item, problem = _item(remote, local, document, where)
        if problem is not None:
            run.quarantine(raw, problem, where=where, field="Observation")
        else:
            run.store([item])

    # -- entities ---------------------------------------------------------------------------------
    def _mirror_things(self, run: Run) -> dict[str, int]:
        """Mirror the selected Things; their Datastreams' remote id -> local id."""
        streams: dict[str, int] = {}
        params = {"$expand": THINGS_EXPAND, "$top": str(run.config.get("page_size", 100)), "$orderby": "id", **_filter(run.config)}
        for thing, raw, where in _pages(run, f"{_root(run.config)}/Things", params):
            try:
                streams.update(_mirror_thing(run, thing))
            except (BadRequest, KeyError, TypeError, ValueError) as exc:
                field = getattr(exc, "field", None) or "Thing"
                run.quarantine(raw, f"a Thing that cannot be mirrored: {getattr(exc, 'detail', exc)}", where=where, field=field)
        return streams

    # -- observations -------------------------------------------------------------------------------
    def _copy_observations(self, run: Run, remote_id: str, local_id: int, times: dict[str, str], cursor: dict[str, Any]) -> None:
        start = _start(run, times.get(remote_id))
        params = {"$orderby": "phenomenonTime asc,id asc", "$top": str(run.config.get("page_size", 100))}
        if start is not None:
            params["$filter"] = f"phenomenonTime ge {start}"
        url = f"{_root(run.config)}/Datastreams({_literal(remote_id)})/Observations"
        limit = run.config.get("observations_per_run")
        copied = 0
        for page, where in _raw_pages(run, url, params):
            items = [_item(remote_id, local_id, o, where) for o in page]
            run.store(item for item, _ in items if item.readings)
            for item, problem in items:
                if problem is not None:
                    run.quarantine(item.raw, problem, where=where, field="Observation")
            newest = max((o["phenomenonTime"] for o in page if isinstance(o, dict) and isinstance(o.get("phenomenonTime"), str)), default=None, key=_start_of)
            if newest is not None:
                times[remote_id] = _start_of(newest)
            cursor["datastreams"] = times
            run.checkpoint(cursor)
            copied += len(page)
            if limit is not None and copied >= limit:
                return


def _mirror_thing(run: Run, thing: dict[str, Any]) -> dict[str, int]:
    key = _key(thing)
    locations = [
        {"@iot.id": run.mirror("Location", _key(loc), _pick(loc, "name", "description", "encodingType", "location", "properties"))}
        for loc in thing.get("Locations") or []
    ]
    body = _pick(thing, "name", "description", "properties") | ({"Locations": locations} if locations else {})
    thing_id = run.mirror("Thing", key, body)
    streams = {}
    for stream in thing.get("Datastreams") or []:
        sensor = run.mirror("Sensor", _key(stream["Sensor"]), _pick(stream["Sensor"], "name", "description", "encodingType", "metadata", "properties"))
        observed = run.mirror("ObservedProperty", _key(stream["ObservedProperty"]), _pick(stream["ObservedProperty"], "name", "definition", "description", "properties"))
        body = _pick(stream, "name", "description", "unitOfMeasurement", "observationType", "properties")  # extents: computed here
        body.setdefault("observationType", MEASUREMENT)
        body |= {"Thing": {"@iot.id": thing_id}, "Sensor": {"@iot.id": sensor}, "ObservedProperty": {"@iot.id": observed}}
        streams[_key(stream)] = run.mirror("Datastream", _key(stream), body)
    return streams


def _item(remote_stream: str, local_id: int, observation: Any, where: str) -> tuple[Item, str | None]:
    """(an Item with the Observation's reading, None) or (the Item without readings, why it
    cannot be read)."""
    raw = orjson.dumps(observation)
    try:
        if not isinstance(observation, dict):
            raise BadRequest("an Observation is a JSON object", field="Observation")
        reading = Reading(
            parse_time(observation.get("phenomenonTime"), field="phenomenonTime"), observation.get("result"), datastream_id=local_id,
            parameters=observation.get("parameters") if isinstance(observation.get("parameters"), dict) else None,
            result_time=parse_instant(observation["resultTime"], field="resultTime") if observation.get("resultTime") else None,
            result_quality=observation.get("resultQuality"), key=f"{remote_stream}:{_key(observation)}", field="Observation",
        )  # fmt: skip
    except (BadRequest, KeyError) as exc:
        return Item(raw, where), f"an Observation that cannot be read: {getattr(exc, 'detail', exc)}"
    return Item(raw, where, [reading]), None


# -- paging ---------------------------------------------------------------------------------------
def _raw_pages(run: Run, url: str, params: dict[str, str]) -> Iterator[tuple[list[Any], str]]:
    """Each page's `value` and its URL, following @iot.nextLink (with our query put back where
    the server dropped it); a bad page is quarantined and ends this collection for this run."""
    next_url: str | None = url
    query: dict[str, str] | None = params
    while next_url is not None:
        if run.stopping:
            return
        try:
            page, raw, where = run.http.json(next_url, query)
        except BadPage as exc:
            run.bad_page(exc)
            return
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            run.quarantine(raw, "a page without a 'value' array", where=where, field="value")
            return
        yield page["value"], where
        link = page.get("@iot.nextLink")
        next_url, query = (_restore(link, params), None) if isinstance(link, str) and link else (None, None)


def _pages(run: Run, url: str, params: dict[str, str]) -> Iterator[tuple[dict[str, Any], bytes, str]]:
    for values, where in _raw_pages(run, url, params):
        for value in values:
            yield value, orjson.dumps(value), where


def _restore(link: str, params: dict[str, str]) -> str:
    """The nextLink with each query option we asked for that it dropped put back."""
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    missing = {k: v for k, v in params.items() if k not in query and k != "$top"}
    if not missing:
        return link
    return urlunsplit(parts._replace(query=urlencode({**query, **missing})))


# -- small parts ------------------------------------------------------------------------------------
def _root(config: dict[str, Any]) -> str:
    return str(config["url"]).rstrip("/")


def _filter(config: dict[str, Any]) -> dict[str, str]:
    return {"$filter": config["things_filter"]} if config.get("things_filter") else {}


def _key(entity: dict[str, Any]) -> str:
    remote_id = entity.get("@iot.id", entity.get("id"))
    if remote_id is None or isinstance(remote_id, bool | dict | list):
        raise BadRequest("an entity without @iot.id", field="@iot.id")
    return str(remote_id)


def _literal(remote_id: str) -> str:
    return remote_id if remote_id.isdigit() else "'" + remote_id.replace("'", "''") + "'"


def _pick(entity: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: entity[n] for n in names if entity.get(n) is not None}


def _start_of(time: str) -> str:
    return time.split("/", 1)[0]


def _start(run: Run, copied_until: str | None) -> str | None:
    """The time to copy from: a re-sync's, else where the last run stopped, else `since`."""
    if run.since is not None:
        return format_instant(run.since)
    if copied_until:
        return copied_until
    since = run.config.get("since")
    return format_instant(parse_instant(since, field="config.since")) if since else None


