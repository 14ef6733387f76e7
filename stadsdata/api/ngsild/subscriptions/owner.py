"""A subscription's owner as a caller *now*: an API key or user as its stored record says today
(a revoked key or disabled user: None, nothing is notified; a changed party or admin right
applies at once); another subject (an OpenID Connect token's) as it was when it subscribed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.store.base import Transaction


def owner_now(tx: Transaction, row: Mapping[str, Any]) -> Caller | None:
    subject = row["owner_subject"]
    stored = Caller(subject=subject, party_id=row["owner_party_id"], is_admin=bool(row["owner_admin"]))
    if subject is None:
        return stored
    kind, _, name = subject.partition(":")
    if kind == "key":
        principal = tx.access.api_key(name, datetime.now(UTC))
    elif kind == "user":
        principal = tx.access.user(name)
    else:
        return stored
    if principal is None or not principal.active:
        return None
    return Caller(
        subject=subject, party_id=principal.party_id, is_admin=principal.is_admin, can_write=principal.can_write
    )


def owner_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["owner_subject"], row["owner_party_id"], bool(row["owner_admin"]))
