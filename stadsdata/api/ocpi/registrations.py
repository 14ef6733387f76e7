"""The CPOs registered with the platform (table `ocpi_parties`) and their credentials tokens.

An admin registers a CPO (`admin.py`): the row is `pending` and holds the hash of a one-time
registration token A. The CPO calls the versions and version details with A and POSTs its
credentials (its token B, its versions URL, its roles); we answer with a new token C, forget A and
the row is `registered`. From then on only C is accepted (PUT credentials replaces C, DELETE ends
the registration: `unregistered`, no token works until an admin hands out a new A).

Tokens are 32 random bytes (url-safe base64, 43 ASCII characters); like API keys
(`access/api_keys.py`) only their SHA-256 is stored, since a slow hash adds nothing against
guessing 256 bits. Token B — the CPO's token for calling it back — is stored as sent: it must be
sent back to the CPO, so it cannot be hashed (this version never calls back; see docs/ocpi.md)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stadsdata.store.base import AccessRecords

PARTIES = "ocpi_parties"  # TO MOVE: registered in store/sql/access/rows.py MANAGED_TABLES (see docs/ocpi.md)
OBJECTS = "ocpi_objects"
PENDING, REGISTERED, UNREGISTERED = "pending", "registered", "unregistered"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def party_key(row: Mapping[str, Any]) -> str:
    """How a registration is named in quarantined messages, keys and provenance: 'NL-EXA'."""
    return f"{row['country_code']}-{row['party_id']}"


def token_candidates(headers: Mapping[str, str]) -> list[str]:
    """The credentials tokens an `Authorization: Token …` header may carry: OCPI 2.2.1 sends it
    base64-encoded, 2.1.1 clients send it as it is; both are tried."""
    scheme, _, value = headers.get("authorization", "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    out = [value]
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return out
    if decoded and decoded.isprintable() and " " not in decoded and decoded != value:
        out.insert(0, decoded)
    return out


@dataclass(frozen=True)
class Authenticated:
    """A request's registration and the credentials token it came with (token A while the row is
    pending, C once registered; empty for a replay of a quarantined push)."""

    row: dict[str, Any]
    token: str

    @property
    def party(self) -> str:
        return party_key(self.row)

    def owns(self, country_code: str, party_id: str) -> bool:
        """Whether this CPO pushes objects under (country_code, party_id): the registered party
        or one of the CPO roles of its credentials (case-insensitive, CiString)."""
        pairs = {(self.row["country_code"], self.row["party_id"])}
        pairs |= {
            (r.get("country_code", ""), r.get("party_id", ""))
            for r in self.row.get("roles") or []
            if isinstance(r, dict)
        }
        return (country_code.upper(), party_id.upper()) in {(c.upper(), p.upper()) for c, p in pairs}


def authenticate(records: AccessRecords, headers: Mapping[str, str]) -> Authenticated | None:
    """The registration whose token C (registered) or A (pending) the headers carry, or None."""
    for candidate in token_candidates(headers):
        digest = token_hash(candidate)
        rows = records.rows(PARTIES, {"token_c_hash": digest, "status": REGISTERED}, limit=1)
        if rows:
            return Authenticated(rows[0], candidate)
        rows = records.rows(PARTIES, {"token_a_hash": digest, "status": PENDING}, limit=1)
        if rows:
            return Authenticated(rows[0], candidate)
    return None


def public_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """A registration as the management API shows it (never a token or its hash)."""
    return {
        "id": row["id"], "name": row["name"], "countryCode": row["country_code"], "partyId": row["party_id"],
        "status": row["status"], "datasetId": row["dataset_id"], "version": row["version"],
        "versionsUrl": row["versions_url"], "roles": row["roles"] or [],
        "createdAt": row["created_at"].isoformat().replace("+00:00", "Z"),
        "registeredAt": row["registered_at"].isoformat().replace("+00:00", "Z") if row["registered_at"] else None,
    }  # fmt: skip
