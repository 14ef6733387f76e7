"""Who may manage what. The rules, in one place:

- Every management call needs credentials, except reading the catalogue of datasets and offers.
- An admin may do everything.
- A caller *acts for* its party and the organisations above it (a department acts for its
  municipality), as in `access/datasets.py`: it sees their datasets, agreements and audit log.
- A caller *manages* a dataset when it acts for the dataset's owner and may write (a user, an API
  key with write rights, an OpenID Connect token with the writer role): it changes the dataset,
  its streams, grants, offers and consents, and decides access requests on it.
- Accounts and API keys are managed downwards only: a caller with write rights manages those
  of its own party and the departments below it, never those of the organisation above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from stadsdata.access.datasets import access_basis, party_chain
from stadsdata.access.policy import Caller
from stadsdata.errors import Forbidden, NotFound, Unauthorized
from stadsdata.store.base import AccessRecords, AccessSnapshot


def administrator(subject: str) -> Caller:
    """A caller at the machine (the CLI, a seeding script): an administrator who acts for no
    party; `subject` names it where a decision is recorded (e.g. who approved a request)."""
    return Caller(subject=subject, is_admin=True, can_write=True)


@dataclass
class Actor:
    """A caller, the records of the request's transaction, and the time of the request."""

    caller: Caller
    records: AccessRecords
    now: datetime

    @cached_property
    def snapshot(self) -> AccessSnapshot:
        return self.records.snapshot(self.now)

    @property
    def is_admin(self) -> bool:
        return self.caller.is_admin

    @cached_property
    def parties(self) -> dict[int, tuple[int | None, str]]:
        """Every party: id -> (parent id, kind)."""
        rows = self.records.rows("parties", limit=10**9)
        return {r["id"]: (r["parent_id"], r["kind"]) for r in rows}

    @cached_property
    def chain(self) -> set[int]:
        """The caller's party and the organisations above it."""
        parents = AccessSnapshot({}, {p: parent for p, (parent, _) in self.parties.items()}, {})
        return party_chain(self.caller.party_id, parents)

    @cached_property
    def below(self) -> set[int]:
        """The caller's party and every party below it (its departments)."""
        if self.caller.party_id is None:
            return set()
        children: dict[int, list[int]] = {}
        for party, (parent, _) in self.parties.items():
            if parent is not None:
                children.setdefault(parent, []).append(party)
        found, todo = set(), [self.caller.party_id]
        while todo:
            party = todo.pop()
            if party not in found:
                found.add(party)
                todo.extend(children.get(party, ()))
        return found

    # -- checks -----------------------------------------------------------------------------
    def require_credentials(self) -> None:
        if self.caller.subject is None:
            raise Unauthorized("this needs credentials (an API key, a user or a token)")

    def one(self, table: str, where: dict[str, Any], *, missing: str) -> dict[str, Any]:
        """The one row of `table` that `where` names; NotFound saying `missing` when there is none."""
        rows = self.records.rows(table, where, limit=1)
        if not rows:
            raise NotFound(missing)
        return rows[0]

    def require_admin(self, what: str) -> None:
        self.require_credentials()
        if not self.is_admin:
            raise Forbidden(f"only an administrator may {what}")

    def require_party(self, what: str) -> int:
        """The caller's party; a caller acting for no party may not `what`."""
        self.require_credentials()
        if self.caller.party_id is None:
            raise Forbidden(f"{self.caller.subject} acts for no party, so it cannot {what}")
        return self.caller.party_id

    def acts_for(self, party_id: int | None) -> bool:
        return self.is_admin or (party_id is not None and party_id in self.chain)

    def manages_party(self, party_id: int | None) -> bool:
        """May manage accounts and keys of this party (downwards only)."""
        return self.is_admin or (self.caller.can_write and party_id is not None and party_id in self.below)

    def manages_dataset(self, dataset_id: int) -> bool:
        owner = self.snapshot.datasets.get(dataset_id, ("", None))[1]
        return self.is_admin or (self.caller.can_write and owner is not None and owner in self.chain)

    @cached_property
    def unlisted(self) -> set[int]:
        """The datasets their owners keep out of the catalogue listing."""
        return {r["id"] for r in self.records.rows("datasets", {"unlisted": True}, limit=10**9)}

    def sees_dataset(self, dataset_id: int) -> bool:
        """In the catalogue for this caller (the listing rule of `catalog/entries.py`): every
        dataset's metadata, so that parties know it exists and whom to ask — except one its owner
        keeps unlisted and a resident's — and every dataset the caller may read or manages."""
        if dataset_id not in self.snapshot.datasets:
            return False
        level, owner = self.snapshot.datasets[dataset_id]
        if self.is_admin or self.manages_dataset(dataset_id):
            return True
        if access_basis(dataset_id, level, owner, self.chain, self.snapshot, self.now) is not None:
            return True
        resident = owner is not None and self.snapshot.kinds.get(owner) == "resident"
        return not resident and dataset_id not in self.unlisted

    def dataset(self, dataset_id: int, *, manage: bool = False) -> None:
        """404 unless the caller sees the dataset; 403 when `manage` and it does not manage it."""
        if manage:
            self.require_credentials()
        if not self.sees_dataset(dataset_id):
            raise NotFound(f"no dataset {dataset_id}")
        if manage and not self.manages_dataset(dataset_id):
            raise Forbidden(f"{self.caller.subject} does not manage dataset {dataset_id}")
