"""Many SensorThings MQTT creates in one transaction, for throughput (the `stadsdata ingest`
worker acknowledges a batch after its commit).

Plain Observations published to `v1.x/Datastreams(id)/Observations` (or MultiDatastreams) — a
JSON object with only phenomenonTime, result, resultTime, parameters, validTime, resultQuality —
are gathered per stream into dataArray documents and written through the observation sink in
one go (`service/observations.py`, no JSON in between). Everything else, and every message of a
group that is refused, goes one by one through the SensorThings service, each in a savepoint, so
that a bad message is quarantined without taking the others with it. Each message's idempotency
key is claimed in the same transaction."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import orjson

from stadsdata.access.policy import Caller
from stadsdata.api.sta.mqtt.topics import sta_create_path
from stadsdata.errors import BadRequest, Conflict, ProblemError
from stadsdata.ingest.pipeline import Message, Outcome
from stadsdata.model.entities import OBSERVATION
from stadsdata.service.context import write_context
from stadsdata.service.observations import create_observations
from stadsdata.store.base import Transaction
from stadsdata.store.errors import ConstraintViolated, InvalidValue

if TYPE_CHECKING:
    from stadsdata.api.sta.mqtt.creates import MqttCreates

COMPONENTS = ["phenomenonTime", "result", "resultTime", "parameters", "validTime", "resultQuality"]
_SIMPLE = frozenset(COMPONENTS)
_STREAM = re.compile(r"^(Datastreams|MultiDatastreams)\((\d+)\)/Observations$")
_ENTITY = {"Datastreams": "Datastream", "MultiDatastreams": "MultiDatastream"}

Stream = tuple[str, str, int]  # (SensorThings version, 'Datastream' or 'MultiDatastream', id)
Group = tuple[Stream, list[tuple[int, list[Any]]]]  # a stream and its (message index, dataArray row)s


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
    creates: MqttCreates, tx: Transaction, messages: list[Message], groups: list[Group], caller: Caller, outcomes: list[Outcome | None]
) -> None:
    """Claim the keys of the groups' messages and store the new ones through the observation sink,
    one dataArray document per stream."""
    access = creates.service.access
    access.check_write(caller, OBSERVATION, "create")
    ctx = write_context(access, caller, tx, pseudonymiser=creates.service.pseudonymiser, version=groups[0][0][0])
    documents: list[dict[str, Any]] = []
    stored: list[int] = []
    keys = [messages[i].key for _, rows in groups for i, _ in rows if messages[i].key is not None]
    claimed = tx.claim_ingest_keys(keys, messages[groups[0][1][0][0]].received_at)
    for (_, stream, stream_id), rows in groups:
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
        try:
            create_observations(ctx, documents)
        except ConstraintViolated as exc:
            raise Conflict(f"the change conflicts with existing data ({exc.detail})") from None
        except InvalidValue as exc:
            raise BadRequest(f"the database refused a value: {exc.detail}") from None
    for i in stored:
        outcomes[i] = Outcome.STORED


def _attempts(groups: dict[Stream, list[tuple[int, list[Any]]]]) -> list[list[Group]]:
    """All groups of one version together first, then each group on its own."""
    by_version: dict[str, list[Group]] = {}
    for group in groups.items():
        by_version.setdefault(group[0][0], []).append(group)
    return [together for together in by_version.values() if len(together) > 1] + [[group] for group in groups.items()]


def _store_groups(
    creates: MqttCreates, tx: Transaction, messages: list[Message], groups: dict[Stream, list[tuple[int, list[Any]]]],
    caller: Caller, outcomes: list[Outcome | None],
) -> list[int]:  # fmt: skip
    """Store the plain groups in as few savepoints as the sink accepts; the indexes of the
    messages of groups it refused, to be stored one by one."""
    one_by_one: list[int] = []
    settled: set[Stream] = set()
    for attempt in _attempts(groups):
        attempt = [g for g in attempt if g[0] not in settled]
        if not attempt:
            continue
        try:
            with tx.savepoint():
                _store_plain(creates, tx, messages, attempt, caller, outcomes)
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
    return one_by_one


def _store_one(creates: MqttCreates, tx: Transaction, message: Message, caller: Caller) -> Outcome:
    """One create through the SensorThings service, in a savepoint; ProblemError when refused."""
    try:
        version, path = sta_create_path(message.topic)
        with tx.savepoint():
            creates.service.handle(creates.request(version, path, message.payload, caller))
            if message.key is not None and not tx.claim_ingest_key(message.key, message.received_at):
                raise _Duplicate
    except _Duplicate:
        return Outcome.DUPLICATE
    return Outcome.STORED


def ingest_batch(creates: MqttCreates, messages: list[Message], caller: Caller) -> list[Outcome]:
    """The outcome of each message, in order, after one commit (refused ones quarantined after it)."""
    outcomes: list[Outcome | None] = [None] * len(messages)
    refused: list[tuple[int, ProblemError]] = []
    groups: dict[Stream, list[tuple[int, list[Any]]]] = {}
    one_by_one: list[int] = []
    for i, message in enumerate(messages):
        plain = _plain(message)
        if plain is None:
            one_by_one.append(i)
        else:
            groups.setdefault(plain[:3], []).append((i, plain[3]))
    with creates.ingestor.store.write() as tx:
        one_by_one += _store_groups(creates, tx, messages, groups, caller, outcomes)
        for i in sorted(one_by_one):
            try:
                outcomes[i] = _store_one(creates, tx, messages[i], caller)
            except ProblemError as exc:
                if exc.status >= 500:
                    raise
                refused.append((i, exc))
    for i, exc in refused:
        creates.ingestor.quarantine(messages[i], exc.detail, exc.field)
        outcomes[i] = Outcome.QUARANTINED
    return [o if o is not None else Outcome.QUARANTINED for o in outcomes]
