"""Local accounts and API keys. A secret is shown once, when it is made; only its hash is kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stadsdata.access.api_keys import generate_api_key
from stadsdata.access.passwords import hash_password
from stadsdata.errors import BadRequest, Conflict, Forbidden, NotFound
from stadsdata.management.rights import Actor
from stadsdata.management.views import page, view


def _managed_where(actor: Actor) -> dict[str, Any]:
    return {} if actor.is_admin else {"party_id": actor.below if actor.caller.can_write else set()}


def _check_party(actor: Actor, party_id: int | None, *, admin: bool, what: str) -> None:
    if party_id is not None and party_id not in actor.parties:
        raise NotFound(f"no party {party_id}", field="partyId")
    if admin and not actor.is_admin:
        raise Forbidden(f"only an administrator makes an admin {what}", field="isAdmin")
    if not actor.manages_party(party_id):
        raise Forbidden(f"{actor.caller.subject} may not make {what}s for party {party_id}", field="partyId")


# -- users ------------------------------------------------------------------------------------
def list_users(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_credentials()
    rows = actor.records.rows("users", _managed_where(actor), limit=limit + 1, cursor=cursor)
    return page([view(r) for r in rows], limit)


def _user(actor: Actor, user_id: int) -> dict[str, Any]:
    return actor.one("users", {"id": user_id, **_managed_where(actor)}, missing=f"no user {user_id}")


def get_user(actor: Actor, user_id: int) -> dict[str, Any]:
    actor.require_credentials()
    return view(_user(actor, user_id))


def create_user(
    actor: Actor, *, username: str, password: str, party_id: int | None, is_admin: bool, can_write: bool = True
) -> dict[str, Any]:
    """A local account: a steward of its party (`can_write`: adds Observations, manages the
    party's datasets, offers, accounts and keys) or a read-only member."""
    actor.require_credentials()
    _check_party(actor, party_id, admin=is_admin, what="account")
    if actor.records.rows("users", {"username": username}, limit=1):
        raise Conflict(f"a user named {username!r} exists", field="username")
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise BadRequest(str(exc), field="password") from None
    user_id = actor.records.insert_row(
        "users",
        {"username": username, "password_hash": password_hash, "party_id": party_id, "is_admin": is_admin,
         "can_write": can_write or is_admin, "created_at": actor.now},  # fmt: skip
    )
    return get_user(actor, user_id)


def update_user(
    actor: Actor, user_id: int, *, disabled: bool | None, password: str | None, can_write: bool | None = None
) -> dict[str, Any]:
    """Disable or enable an account, set its password, or make it a steward or read-only."""
    actor.require_credentials()
    _user(actor, user_id)
    values: dict[str, Any] = {}
    if disabled is not None:
        values["disabled"] = disabled
    if can_write is not None:
        values["can_write"] = can_write
    if password is not None:
        try:
            values["password_hash"] = hash_password(password)
        except ValueError as exc:
            raise BadRequest(str(exc), field="password") from None
    if values:
        actor.records.update_row("users", user_id, values)
    return get_user(actor, user_id)


# -- API keys ---------------------------------------------------------------------------------
def list_keys(actor: Actor, *, limit: int, cursor: int | None) -> tuple[list[dict[str, Any]], int | None]:
    actor.require_credentials()
    rows = actor.records.rows("api_keys", _managed_where(actor), limit=limit + 1, cursor=cursor)
    return page([view(r) for r in rows], limit)


def _key(actor: Actor, key_id: int) -> dict[str, Any]:
    return actor.one("api_keys", {"id": key_id, **_managed_where(actor)}, missing=f"no API key {key_id}")


def get_key(actor: Actor, key_id: int) -> dict[str, Any]:
    actor.require_credentials()
    return view(_key(actor, key_id))


def create_key(
    actor: Actor, *, name: str, party_id: int | None, is_admin: bool, can_write: bool, expires_at: datetime | None
) -> dict[str, Any]:
    """A new key; the answer holds the secret `key`, the only time it is shown."""
    actor.require_credentials()
    _check_party(actor, party_id, admin=is_admin, what="key")
    if expires_at is not None and expires_at <= actor.now:
        raise BadRequest("expiresAt is in the past", field="expiresAt")
    key = generate_api_key()
    key_id = actor.records.insert_row(
        "api_keys",
        {
            "prefix": key.prefix, "key_hash": key.key_hash, "name": name, "party_id": party_id, "is_admin": is_admin,
            "can_write": can_write or is_admin, "expires_at": expires_at, "created_at": actor.now,
        },
    )  # fmt: skip
    return {**get_key(actor, key_id), "key": key.secret_key}


def revoke_key(actor: Actor, key_id: int) -> bool:
    """Revoke a key now; whether it was still unrevoked (revoking twice changes nothing)."""
    actor.require_credentials()
    _key(actor, key_id)
    return actor.records.update_row("api_keys", key_id, {"revoked_at": actor.now}, {"revoked_at": None})


def revoke_key_with_prefix(actor: Actor, prefix: str) -> dict[str, Any]:
    """Revoke a key by its prefix (the part of the secret after `sdk_`, before the next `_`)."""
    actor.require_credentials()
    rows = actor.records.rows("api_keys", {"prefix": prefix, "revoked_at": None, **_managed_where(actor)}, limit=1)
    if not rows:
        raise NotFound(f"no active key with prefix {prefix!r}")
    revoke_key(actor, rows[0]["id"])
    return get_key(actor, rows[0]["id"])
