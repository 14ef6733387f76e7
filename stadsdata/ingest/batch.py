"""Many SensorThings MQTT creates in one transaction, for throughput (the `stadsdata ingest`
worker acknowledges a batch after its commit).

Plain Observations published to `v1.x/Datastreams(id)/Observations` (or MultiDatastreams) — a
JSON object with only phenomenonTime, result, resultTime, parameters, validTime, resultQuality —
are gathered per stream into one `CreateObservations` document (the bulk path). Everything else,
and every message of a group the service refuses, goes one by one, each in a savepoint, so that
a bad message is quarantined without taking the others with it. Each message's idempotency key
is claimed in the same transaction."""

from __future__ import annotations

import re
from typing import Any

import orjson

from stadsdata.access.policy import Caller
from stadsdata.api.sta.requests import StaRequest
from stadsdata.errors import ProblemError
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome, sta_create_path

COMPONENTS = ["phenomenonTime", "result", "resultTime", "parameters", "validTime", "resultQuality"]
_SIMPLE = frozenset(COMPONENTS)
_STREAM = re.compile(r"^(Datastreams|MultiDatastreams)\((\d+)\)/Observations$")
_ENTITY = {"Datastreams": "Datastream", "MultiDatastreams": "MultiDatastream"}


class _Duplicate(Exception):
    pass


def _plain(message: Message) -> tuple[str, str, int, list[Any]] | None:
    """(version, stream entity, stream id, dataArray row) of a plain Observation create, else None."""
    try:
        version, path = sta_create_path(message.topic)
    except ProblemError:
        return None
    match = _STREAM.match(path)
    if match is None:
        return None
    try:
        body = orjson.loads(message.payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict) or "result" not in body or not body.keys() <= _SIMPLE:
        return None
    return version, _ENTITY[match.group(1)], int(match.group(2)), [body.get(c) for c in COMPONENTS]


def _store_plain(
    ingestor: Ingestor, tx: Any, messages: list[Message], groups: list[tuple[tuple[str, str, int], list[tuple[int, list[Any]]]]],
    caller: Caller, outcomes: list[Outcome | None],
) -> None:  # fmt: skip
    """Claim the keys of the groups' messages and store the new ones in one CreateObservations
    (of one SensorThings version: the groups of a batch are split by version beforehand)."""
    service = ingestor.service
    documents: list[dict[str, Any]] = []
    stored: list[int] = []
    keys = [messages[i].key for _, rows in groups for i, _ in rows if messages[i].key is not None]
    claimed = tx.claim_ingest_keys(keys, messages[groups[0][1][0][0]].received_at)
    for (_, stream, stream_id), rows in groups:
        service.access.check_stream_write(caller, tx, stream, stream_id, field=stream)
        new = []
        for i, row in rows:
            key = messages[i].key
            if key is None or key in claimed:
                new.append(row)
                stored.append(i)
                claimed.discard(key)  # a second copy in this batch is a duplicate
            else:
                outcomes[i] = Outcome.DUPLICATE
        if new:
            documents.append({stream: {"@iot.id": stream_id}, "components": COMPONENTS, "dataArray": new})
    if documents:
        version = groups[0][0][0]
        service.handle(StaRequest(
            "POST", "CreateObservations", body=orjson.dumps(documents), content_type="application/json",
            version=version, caller=caller, service_root=f"{ingestor.service_root}/v{version}",
        ))  # fmt: skip
    for i in stored:
        outcomes[i] = Outcome.STORED


def ingest_batch(ingestor: Ingestor, messages: list[Message], caller: Caller) -> list[Outcome]:
    """The outcome of each message, in order, after one commit (refused ones quarantined after it)."""
    outcomes: list[Outcome | None] = [None] * len(messages)
    refused: list[tuple[int, ProblemError]] = []
    groups: dict[tuple[str, str, int], list[tuple[int, list[Any]]]] = {}
    one_by_one: list[int] = []
    for i, message in enumerate(messages):
        plain = _plain(message)
        if plain is None:
            one_by_one.append(i)
        else:
            groups.setdefault(plain[:3], []).append((i, plain[3]))
    service = ingestor.service
    with ingestor.store.write() as tx:
        # All plain groups in one CreateObservations (one document per stream); if the service
        # refuses it, each group on its own; if a group is refused, its messages one by one.
        by_version: dict[str, list[tuple[tuple[str, str, int], list[tuple[int, list[Any]]]]]] = {}
        for group in groups.items():
            by_version.setdefault(group[0][0], []).append(group)
        attempts = [together for together in by_version.values() if len(together) > 1]
        attempts += [[group] for group in groups.items()]
        settled: set[tuple[str, str, int]] = set()
        for attempt in attempts:
            attempt = [g for g in attempt if g[0] not in settled]
            if not attempt:
                continue
            try:
                with tx.savepoint():
                    _store_plain(ingestor, tx, messages, attempt, caller, outcomes)
                settled.update(g[0] for g in attempt)
            except ProblemError as exc:
                if exc.status >= 500:
                    raise
                for _, rows in attempt:
                    for i, _ in rows:
                        outcomes[i] = None
                if len(attempt) == 1:  # a single group refused: find the bad message(s)
                    settled.add(attempt[0][0])
                    one_by_one.extend(i for i, _ in attempt[0][1])
        for i in sorted(one_by_one):
            message = messages[i]
            try:
                version, path = sta_create_path(message.topic)
                with tx.savepoint():
                    service.handle(StaRequest(
                        "POST", path, body=message.payload, content_type="application/json", version=version, caller=caller,
                        service_root=f"{ingestor.service_root}/v{version}",
                    ))  # fmt: skip
                    if message.key is not None and not tx.claim_ingest_key(message.key, message.received_at):
                        raise _Duplicate
                outcomes[i] = Outcome.STORED
            except _Duplicate:
                outcomes[i] = Outcome.DUPLICATE
            except ProblemError as exc:
                if exc.status >= 500:
                    raise
                refused.append((i, exc))
    for i, exc in refused:
        ingestor.quarantine(messages[i], exc.detail, exc.field)
        outcomes[i] = Outcome.QUARANTINED
    return [o if o is not None else Outcome.QUARANTINED for o in outcomes]
