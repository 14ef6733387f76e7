"""The configuration modules of OCPI 2.2.1: versions, version details and credentials (the token
exchange). See `registrations.py` for the tokens' life: A (pending) → C (registered) → none
(unregistered).

Partial, on purpose: the spec says that on POST/PUT credentials the server fetches the client's
versions and endpoints with token B. This version never calls a CPO back (it only receives), so
token B and the versions URL are stored for a later version that pulls, and nothing is fetched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from stadsdata.api.ocpi.envelope import Answer, invalid, method_not_allowed
from stadsdata.api.ocpi.models import Credentials, Refused, check
from stadsdata.api.ocpi.receiver import MODULES
from stadsdata.api.ocpi.registrations import (
    PARTIES,
    PENDING,
    REGISTERED,
    UNREGISTERED,
    Authenticated,
    new_token,
    token_hash,
)
from stadsdata.store.base import AccessRecords

VERSION = "2.2.1"


@dataclass(frozen=True)
class Identity:
    """Who the platform is to the CPOs: its role and party in its credentials."""

    country_code: str = "NL"
    party_id: str = "SDA"
    name: str = "stadsdata"
    role: str = "EMSP"


def versions(root: str) -> Answer:
    return Answer(data=[{"version": VERSION, "url": f"{root}/ocpi/{VERSION}"}])


def version_details(root: str) -> Answer:
    endpoints = [{"identifier": "credentials", "role": "SENDER", "url": f"{root}/ocpi/{VERSION}/credentials"}]
    endpoints += [
        {"identifier": module, "role": "RECEIVER", "url": f"{root}/ocpi/{VERSION}/{module}"} for module in MODULES
    ]
    return Answer(data={"version": VERSION, "endpoints": endpoints})


def our_credentials(root: str, token: str, identity: Identity) -> dict[str, Any]:
    role = {"role": identity.role, "party_id": identity.party_id, "country_code": identity.country_code,
            "business_details": {"name": identity.name}}  # fmt: skip
    return {"token": token, "url": f"{root}/ocpi/versions", "roles": [role]}


def get_credentials(auth: Authenticated, root: str, identity: Identity) -> Answer:
    """Our credentials for this client: with the token it called with (we keep only its hash)."""
    return Answer(data=our_credentials(root, auth.token, identity))


def register(
    records: AccessRecords, auth: Authenticated, body: bytes, root: str, identity: Identity, *, again: bool
) -> Answer:
    """POST (`again` False: with token A) or PUT (`again`: with token C) credentials: store the
    CPO's token B, versions URL and roles, and answer with a new token C (A, or the old C, no
    longer works)."""
    if not again and auth.row["status"] != PENDING:
        return method_not_allowed("this client is registered already: use PUT to update its credentials")
    if again and auth.row["status"] != REGISTERED:
        return method_not_allowed("this client is not registered yet: POST its credentials first")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return invalid(f"the body is not JSON ({exc})", "body", http_status=400)
    try:
        check(Credentials, document)
        _same_party(auth, document["roles"])
    except Refused as exc:
        return invalid(exc.reason, exc.member)
    token_c = new_token()
    now = datetime.now(UTC)
    values = {
        "token_c_hash": token_hash(token_c), "token_a_hash": None, "token_b": document["token"],
        "versions_url": document["url"], "roles": document["roles"], "version": VERSION, "status": REGISTERED,
        "updated_at": now,
    }  # fmt: skip
    if not again:
        values["registered_at"] = now
    records.update_row(PARTIES, auth.row["id"], values)
    return Answer(data=our_credentials(root, token_c, identity))


def _same_party(auth: Authenticated, roles: list[dict[str, Any]]) -> None:
    """The roles must include the party the admin registered, as a CPO."""
    wanted = (auth.row["country_code"].upper(), auth.row["party_id"].upper())
    if not any(r["role"] == "CPO" and (r["country_code"].upper(), r["party_id"].upper()) == wanted for r in roles):
        raise Refused("roles", f"no CPO role of {wanted[0]}/{wanted[1]}, the party these credentials were made for")


def unregister(records: AccessRecords, auth: Authenticated) -> Answer:
    """DELETE credentials: the registration ends; no token of it works any more."""
    if auth.row["status"] != REGISTERED:
        return method_not_allowed("this client is not registered")
    records.update_row(
        PARTIES, auth.row["id"], {"status": UNREGISTERED, "token_c_hash": None, "updated_at": datetime.now(UTC)}
    )
    return Answer()
