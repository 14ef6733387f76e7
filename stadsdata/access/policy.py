"""The one access hook. Every read and write of every face asks this layer; no API module
decides access itself.

A read scope is a function giving, per entity type, an extra filter (query AST) that the store
applies in SQL, including inside `$expand` and across relations in `$filter`. Writes are
checked per entity type and action, and per stream for the Observations written into it.

Policies: `DatasetAccess` (datasets with access levels, owners and grants; `datasets.py`) is
the default; `OpenAccess` (everything public and writable by anyone) is kept for experiments
(`STADSDATA_ACCESS_MODE=open`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from stadsdata.model.entities import EntityType
from stadsdata.store.base import AuditEvent, Record, ScopeFn, StreamFacts, Transaction, unrestricted

# A write's reader of a stream's facts, once per stream and request: (entity name, id) -> facts or None.
StreamFactsOf = Callable[[str, int], StreamFacts | None]


@dataclass(frozen=True)
class Caller:
    """Who is asking. `subject` is None for an anonymous caller; otherwise 'user:<name>' or
    'key:<prefix>'. `party_id` is the party the caller acts for."""

    subject: str | None = None
    party_id: int | None = None
    is_admin: bool = False
    can_write: bool = False


ANONYMOUS = Caller()


class AccessPolicy(ABC):
    @abstractmethod
    def read_scope(self, caller: Caller, tx: Transaction) -> ScopeFn:
        """The rows of each entity type this caller may read (decided on the records of `tx`)."""

    @abstractmethod
    def check_write(self, caller: Caller, entity: EntityType, action: str) -> None:
        """Raise `Unauthorized`/`Forbidden` unless the caller may `action` ('create', 'update',
        'delete') entities of this type."""

    @abstractmethod
    def check_stream_write(
        self, caller: Caller, tx: Transaction, stream: str, stream_id: int, *, field: str, facts: StreamFactsOf | None = None
    ) -> None:
        """Raise `Forbidden` unless the caller may add Observations to this Datastream or
        MultiDatastream (`stream`). `facts`, where the write has them, gives the stream's facts
        (its dataset among them) as the write reads them once per stream (no second statement)."""


    def readable_datasets(self, caller: Caller, tx: Transaction) -> frozenset[int] | None:
        """The datasets (ids) whose data the caller may read, whole or in part (an agreement
        limited to an area); None: every dataset. What the catalog describes a dataset's data for."""
        return None

    def audit_events(
        self, caller: Caller, tx: Transaction, results: list[tuple[EntityType, list[Record]]], request: str
    ) -> list[AuditEvent]:
        """The audit events for what the caller was given (in the read's transaction; the caller
        of this method stores them). Default: nothing to record."""
        return []

    def audit_stream_reads(self, caller: Caller, tx: Transaction, seen: Mapping[tuple[str, int], int], request: str) -> list[AuditEvent]:
        """The audit events for records read from streams other than by a SensorThings read
        (e.g. a chart's series): `seen` maps (stream entity name, id) to the records given."""
        return []


class OpenAccess(AccessPolicy):
    """Everything is public and writable by anyone (`STADSDATA_ACCESS_MODE=open`)."""

    def read_scope(self, caller: Caller, tx: Transaction) -> ScopeFn:
        return unrestricted

    def check_write(self, caller: Caller, entity: EntityType, action: str) -> None:
        return None

    def check_stream_write(
        self, caller: Caller, tx: Transaction, stream: str, stream_id: int, *, field: str, facts: StreamFactsOf | None = None
    ) -> None:
        return None
