"""Stored subscriptions and who owns them. A subscription belongs to the caller that created it:
to its party when the caller acts for one (every key and user of that party sees and changes
it), else to its subject; administrators see and change all. Another caller's subscription is
ResourceNotFound, as if it were not there.

Anonymous callers may keep subscriptions only where the access policy lets anonymous callers
write (access mode `open`); otherwise creating one is a 401 (all anonymous callers would share it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.api.ngsild.errors import AlreadyExists, BadRequestData, ResourceNotFound
from stadsdata.api.ngsild.subscriptions.model import expires_at, is_uri, validated, view
from stadsdata.errors import Unauthorized
from stadsdata.model.entities import THING
from stadsdata.store.base import Store, Transaction

TABLE = "ngsild_subscriptions"
MAX_SUBSCRIPTIONS = 10_000  # per owner listing


def owned_by(caller: Caller) -> dict[str, Any] | None:
    """The rows' condition for what the caller owns (None: an administrator, all)."""
    if caller.is_admin:
        return None
    if caller.party_id is not None:
        return {"owner_party_id": caller.party_id}
    return {"owner_subject": caller.subject, "owner_party_id": None}


def columns(body: Mapping[str, Any]) -> dict[str, Any]:
    """The columns kept beside the body (what the notifier selects on)."""
    ends = body.get("expiresAt")
    return {
        "body": dict(body),
        "active": bool(body["isActive"]),
        "expires_at": None if ends is None else expires_at(ends),
    }


class Subscriptions:
    def __init__(self, store: Store, access: AccessPolicy) -> None:
        self.store, self.access = store, access

    def create(self, caller: Caller, body: Any, context: Any) -> str:
        self._may_own(caller)
        now = datetime.now(UTC)
        subscription = validated(body, now)
        if context is not None and "@context" not in subscription:
            subscription["@context"] = context
        with self.store.write() as tx:
            if tx.access.count_rows(TABLE, {"subscription_id": subscription["id"]}):
                raise AlreadyExists(f"subscription {subscription['id']} exists already", field="id")
            tx.access.insert_row(TABLE, {
                "subscription_id": subscription["id"], "owner_subject": caller.subject, "owner_party_id": caller.party_id,
                "owner_admin": caller.is_admin, **columns(subscription), "times_sent": 0, "times_failed": 0,
                "created_at": now, "modified_at": now,
            })  # fmt: skip
        return str(subscription["id"])

    def page(self, caller: Caller, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        now = datetime.now(UTC)
        with self.store.read_only() as tx:
            rows = tx.access.rows(TABLE, owned_by(caller), limit=MAX_SUBSCRIPTIONS)
        return [view(r, now) for r in rows[offset : offset + limit]], len(rows)

    def get(self, caller: Caller, subscription_id: str) -> dict[str, Any]:
        with self.store.read_only() as tx:
            return view(self._row(tx, caller, subscription_id), datetime.now(UTC))

    def update(self, caller: Caller, subscription_id: str, fragment: Any) -> None:
        now = datetime.now(UTC)
        with self.store.write() as tx:
            row = self._row(tx, caller, subscription_id)
            if isinstance(fragment, dict) and not fragment:
                raise BadRequestData("the fragment is empty", field="body")
            body = validated(fragment, now, stored=row["body"])
            tx.access.update_row(TABLE, row["id"], {**columns(body), "modified_at": now})

    def delete(self, caller: Caller, subscription_id: str) -> None:
        with self.store.write() as tx:
            tx.access.delete_row(TABLE, self._row(tx, caller, subscription_id)["id"])

    # -- helpers ----------------------------------------------------------------------------
    def _may_own(self, caller: Caller) -> None:
        if caller.subject is None:
            try:
                self.access.check_write(caller, THING, "create")  # refused unless anonymous callers may write
            except Unauthorized:
                raise Unauthorized("a subscription needs credentials (an API key or a user)") from None

    def _row(self, tx: Transaction, caller: Caller, subscription_id: str) -> dict[str, Any]:
        if not is_uri(subscription_id):
            raise BadRequestData("a subscription id is a URI", field="subscriptionId")
        found = tx.access.rows(TABLE, {"subscription_id": subscription_id, **(owned_by(caller) or {})}, limit=1)
        if not found:
            raise ResourceNotFound(f"subscription {subscription_id} does not exist", field="subscriptionId")
        return found[0]
