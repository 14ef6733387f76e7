"""The one access hook. Every read and write of every face asks this layer; no API module
decides access itself.

For now the only policy is `OpenAccess` ("everything is public"); the access-control issue
replaces it with parties, datasets, ODRL policies and consent. The contract stays: a read
scope is a function giving, per entity type, an extra filter (query AST) that the store
applies in SQL, including inside `$expand` and across relations in `$filter`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from stadsdata.model.entities import EntityType
from stadsdata.store.base import ScopeFn, unrestricted


@dataclass(frozen=True)
class Caller:
    """Who is asking. `subject` is None for an anonymous caller."""

    subject: str | None = None


ANONYMOUS = Caller()


class AccessPolicy(ABC):
    @abstractmethod
    def read_scope(self, caller: Caller) -> ScopeFn:
        """The rows of each entity type this caller may read."""

    @abstractmethod
    def check_write(self, caller: Caller, entity: EntityType, action: str) -> None:
        """Raise `Forbidden` unless the caller may `action` ('create', 'update', 'delete') entities
        of this type."""


class OpenAccess(AccessPolicy):
    """Everything is public and writable: the embedded default until access control lands.
    Partial by design; see docs/access.md."""

    def read_scope(self, caller: Caller) -> ScopeFn:
        return unrestricted

    def check_write(self, caller: Caller, entity: EntityType, action: str) -> None:
        return None
