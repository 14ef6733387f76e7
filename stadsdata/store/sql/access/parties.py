"""Parties and who acts for them: local accounts, API keys and browser sessions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from stadsdata.store.base import PartyRecords, Principal
from stadsdata.store.schema import api_keys, parties, users, web_sessions
from stadsdata.store.sql.access.changes import SqlRecords
from stadsdata.store.sql.prepared import Prepared

_K = api_keys.c
_API_KEY = Prepared(
    lambda: select(_K.id, _K.name, _K.party_id, _K.is_admin, _K.can_write, _K.key_hash, _K.revoked_at, _K.expires_at)
    .where(_K.prefix == bindparam("prefix"))
)  # every request with an API key: compiled once (`prepared.py`)


class SqlPartyRecords(SqlRecords, PartyRecords):
    def party_id(self, name: str) -> int | None:
        return self.conn.execute(select(parties.c.id).where(parties.c.name == name)).scalar()

    def add_party(self, name: str, kind: str, parent_id: int | None, now: datetime) -> int:
        return self._insert(parties, name=name, kind=kind, parent_id=parent_id, created_at=now)

    # -- local accounts ---------------------------------------------------------------------
    def user(self, username: str) -> Principal | None:
        row = self.conn.execute(select(users).where(users.c.username == username)).mappings().first()
        return None if row is None else _user(row, row["password_hash"])

    def add_user(
        self, username: str, password_hash: str, party_id: int | None, is_admin: bool, now: datetime, *, can_write: bool = True
    ) -> int:
        return self._insert(
            users, username=username, password_hash=password_hash, party_id=party_id, is_admin=is_admin,
            can_write=can_write or is_admin, created_at=now,
        )  # fmt: skip

    # -- API keys ---------------------------------------------------------------------------
    def api_key(self, prefix: str, now: datetime) -> Principal | None:
        row = _API_KEY.first(self.conn, prefix=prefix)
        if row is None:
            return None
        key_id, name, party_id, is_admin, can_write, key_hash, revoked_at, expires_at = row
        active = revoked_at is None and (expires_at is None or expires_at > now)
        return Principal("key", key_id, name, party_id, bool(is_admin), bool(can_write), key_hash, active, expires_at)

    def add_api_key(
        self, prefix: str, key_hash: str, name: str, party_id: int | None, *, is_admin: bool, can_write: bool,
        expires_at: datetime | None, now: datetime,
    ) -> int:  # fmt: skip
        return self._insert(
            api_keys, prefix=prefix, key_hash=key_hash, name=name, party_id=party_id, is_admin=is_admin,
            can_write=can_write, expires_at=expires_at, created_at=now,
        )  # fmt: skip

    def revoke_api_key(self, prefix: str, now: datetime) -> bool:
        self._changed()
        k = api_keys.c
        result = self.conn.execute(update(api_keys).where(k.prefix == prefix, k.revoked_at.is_(None)).values(revoked_at=now))
        return bool(result.rowcount)

    # -- browser sessions (not in the snapshot: no change counted) ---------------------------
    def add_web_session(self, token_hash: str, user_id: int, now: datetime, expires_at: datetime) -> None:
        self.conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))  # the expired ones go
        self.conn.execute(insert(web_sessions).values(token_hash=token_hash, user_id=user_id, created_at=now, expires_at=expires_at))

    def web_session(self, token_hash: str, now: datetime) -> Principal | None:
        s, u = web_sessions.c, users.c
        stmt = select(users).join(web_sessions, s.user_id == u.id).where(s.token_hash == token_hash, s.expires_at > now)
        row = self.conn.execute(stmt).mappings().first()
        return None if row is None else _user(row, None)

    def end_web_session(self, token_hash: str) -> None:
        self.conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))


def _user(row: Mapping[str, Any], secret_hash: str | None) -> Principal:
    """A user's row as who it is; an admin may always write."""
    return Principal(
        "user", row["id"], row["username"], row["party_id"], bool(row["is_admin"]), bool(row["can_write"] or row["is_admin"]),
        secret_hash, not row["disabled"],
    )  # fmt: skip
