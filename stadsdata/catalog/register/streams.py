"""The SensorThings entities linked to register entries, as one caller may read them: a register
entry never names a Datastream or a Thing its reader may not read. Every look-up goes through the
caller's read scope (`access/`), the same filter every SensorThings read applies in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.catalog.register.devices import LinkedStream
from stadsdata.model.entities import DATASTREAM, THING, EntityType
from stadsdata.query.ast import BinaryOp, Expand, Expr, Literal, Path, QueryOptions
from stadsdata.store.base import ReadRequest, ScopeFn, Transaction

CHUNK = 200  # ids per query


class Linked:
    """The Datastreams and Things one caller may read, looked up once per id in one transaction."""

    def __init__(self, tx: Transaction, access: AccessPolicy, caller: Caller) -> None:
        self.tx = tx
        self.scope: ScopeFn = access.read_scope(caller, tx)
        self._streams: dict[int, LinkedStream | None] = {}
        self._things: dict[int, bool] = {}

    def datastreams(self, ids: Iterable[int]) -> dict[int, LinkedStream]:
        """Those of `ids` that exist and the caller may read, by id."""
        ids = list(ids)
        wanted = sorted({i for i in ids if i not in self._streams})
        expand = [Expand(("ObservedProperty",), QueryOptions(select=["name"]))]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            for record in self._read(DATASTREAM, chunk, QueryOptions(select=["id", "name", "unitOfMeasurement"], expand=expand)):
                prop = record.get("ObservedProperty") or {}
                self._streams[record["id"]] = LinkedStream(record["id"], record["name"], prop.get("name"), record.get("unitOfMeasurement"))
            for missing in set(chunk) - {i for i, s in self._streams.items() if s is not None}:
                self._streams[missing] = None
        return {i: s for i in ids if (s := self._streams.get(i)) is not None}

    def thing(self, thing_id: int | None) -> int | None:
        """`thing_id` if that Thing exists and the caller may read it, else None."""
        if thing_id is None:
            return None
        self.things([thing_id])
        return thing_id if self._things[thing_id] else None

    def things(self, ids: Iterable[int]) -> set[int]:
        """Those of `ids` that exist and the caller may read."""
        ids = list(ids)
        wanted = sorted({i for i in ids if i not in self._things})
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            found = {r["id"] for r in self._read(THING, chunk, QueryOptions(select=["id"]))}
            self._things.update({i: i in found for i in chunk})
        return {i for i in ids if self._things.get(i)}

    def _read(self, entity: EntityType, ids: list[int], options: QueryOptions) -> list[dict[str, Any]]:
        options.filter = _any_id(ids)
        request = ReadRequest(entity, options, scope=self.scope, top=len(ids), max_top=max(len(ids), 1), default_top=1)
        return self.tx.read(request).records


def _any_id(ids: list[int]) -> Expr:
    """`id eq a or id eq b or …` as a balanced tree (no deeper than log2 of the ids)."""
    parts: list[Expr] = [BinaryOp("eq", Path(("id",)), Literal(i, "int")) for i in ids]
    while len(parts) > 1:
        parts = [BinaryOp("or", parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i] for i in range(0, len(parts), 2)]
    return parts[0]
