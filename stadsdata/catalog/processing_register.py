"""The processing register (GDPR art. 30), generated from the catalog: for every dataset that
holds personal data and that the caller is shown (the catalog's listing rule, `entries.py`), the
owner's record of processing (`metadata.processing`: purpose, legal basis, categories of data and
of persons, retention, controller) and its recipients — the parties that may read the data now
by a grant, a resident's consent or an ODRL agreement in force.

A resident is never named here: a resident that owns a dataset, or receives data, appears as
`kind: "resident"` with no name, whoever asks. A dataset that holds personal data but has no
record yet is listed with `processing: null`, so that the gap shows.

As JSON (`register_view`) for `/api/v1/processing-register` and the web UI's page, and as CSV
(`register_csv`), one row per dataset."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stadsdata.access.odrl import PolicyError, parse_policy
from stadsdata.access.policy import Caller
from stadsdata.catalog.catalog import Catalog
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.catalog.search import fold
from stadsdata.catalog.views import iso

RESIDENT = "resident"
BASES = ("grant", "consent", "agreement")
CSV_COLUMNS = (
    "dataset", "title", "titleEn", "accessLevel", "controller", "purpose", "legalBasis", "dataCategories",
    "subjectCategories", "retention", "recipients", "recorded", "url",
)  # fmt: skip


@dataclass(frozen=True)
class Recipient:
    """A party that may read a dataset's data now, and on what basis. `name` is None for a resident."""

    name: str | None
    kind: str
    basis: str  # 'grant' | 'consent' | 'agreement'
    purpose: str | None  # of a consent or an agreement; a grant has none
    since: datetime | None
    until: datetime | None  # when the right ends, where it is known


@dataclass(frozen=True)
class ProcessingRecord:
    entry: CatalogEntry
    processing: dict[str, Any] | None  # the owner's record, None when not filled in
    controller: str | None  # the record's controller, else the owner; None: a resident (never named)
    recipients: tuple[Recipient, ...]


def processing_register(catalog: Catalog, caller: Caller, now: datetime | None = None) -> list[ProcessingRecord]:
    """The records of every dataset the caller is shown that holds personal data, by title."""
    moment = now or datetime.now(UTC)
    personal = [e for e in catalog.entries(caller) if e.personal_data]
    if not personal:
        return []
    ids = [e.id for e in personal]
    with catalog.store.read_only() as tx:
        records = tx.access
        parties = {p["id"]: p for p in records.rows("parties", limit=10**9)}
        owners = {d["id"]: d["owner_party_id"] for d in records.rows("datasets", {"id": ids}, limit=10**9)}
        grants = records.rows("dataset_grants", {"dataset_id": ids, "revoked_at": None}, limit=10**9)
        consents = records.rows("consents", {"dataset_id": ids, "status": "given"}, limit=10**9)
        agreements = records.rows("agreements", {"dataset_id": ids, "status": "active"}, limit=10**9)
    resident_owned = {d for d, owner in owners.items() if _is_resident(parties.get(owner))}
    found: dict[int, list[Recipient]] = {}
    for row in grants:
        in_force = (row["valid_from"] is None or row["valid_from"] <= moment) and (row["valid_until"] is None or row["valid_until"] > moment)
        if in_force and row["dataset_id"] not in resident_owned:  # a grant does not open a resident's data (`access/datasets.py`)
            found.setdefault(row["dataset_id"], []).append(_recipient(parties.get(row["party_id"]), "grant", None, row["valid_from"] or row["created_at"], row["valid_until"]))
    for row in consents:
        if row["expires_at"] is None or row["expires_at"] > moment:
            found.setdefault(row["dataset_id"], []).append(_recipient(parties.get(row["party_id"]), "consent", row["purpose"], row["given_at"], row["expires_at"]))
    for row in agreements:
        found.setdefault(row["dataset_id"], []).append(_recipient(parties.get(row["party_id"]), "agreement", _purpose(row["policy"]), row["created_at"], None))
    out = [
        ProcessingRecord(entry, entry.metadata.get("processing"), _controller(entry, parties.get(owners.get(entry.id))), _unique(found.get(entry.id, [])))
        for entry in personal
    ]  # fmt: skip
    return sorted(out, key=lambda r: (fold(r.entry.title), r.entry.name))


def _is_resident(party: dict[str, Any] | None) -> bool:
    return party is not None and party["kind"] == RESIDENT


def _recipient(party: dict[str, Any] | None, basis: str, purpose: str | None, since: datetime | None, until: datetime | None) -> Recipient:
    if party is None:  # a party that is gone: the right names no one any more
        return Recipient(None, "unknown", basis, purpose, since, until)
    name = None if _is_resident(party) else party["name"]
    return Recipient(name, party["kind"], basis, purpose, since, until)


def _purpose(policy: Any) -> str | None:
    """The purpose an agreement was made for (its `purpose` constraint), where it names one."""
    try:
        purposes = parse_policy(policy, kind="Agreement").purposes()
    except PolicyError:
        return None
    return "; ".join(sorted(purposes)) if purposes else None


def _controller(entry: CatalogEntry, owner: dict[str, Any] | None) -> str | None:
    if _is_resident(owner):
        return None  # the resident, who is named to no one here
    stated = (entry.metadata.get("processing") or {}).get("controller")
    if stated:
        return str(stated)
    return owner["name"] if owner is not None else None


def _unique(recipients: list[Recipient]) -> tuple[Recipient, ...]:
    """Each (party, basis, purpose) once — the earliest — ordered by basis, then name."""
    first: dict[tuple[str | None, str, str, str | None], Recipient] = {}
    for r in sorted(recipients, key=lambda r: r.since or datetime.min.replace(tzinfo=UTC)):
        first.setdefault((r.name, r.kind, r.basis, r.purpose), r)
    return tuple(sorted(first.values(), key=lambda r: (BASES.index(r.basis), r.name is None, fold(r.name or ""), r.purpose or "")))


# -- as JSON and as CSV --------------------------------------------------------------------------
def record_view(record: ProcessingRecord, base_url: str) -> dict[str, Any]:
    entry = record.entry
    base = base_url.rstrip("/")
    return {
        "dataset": {
            "id": entry.id, "name": entry.name, "title": entry.title, "titleEn": entry.metadata.get("titleEn"),
            "accessLevel": entry.access_level, "href": f"{base}/api/v1/catalog/{entry.name}",
        },
        "controller": record.controller,
        "processing": record.processing,
        "recipients": [
            {"name": r.name, "kind": r.kind, "basis": r.basis, "purpose": r.purpose, "since": iso(r.since), "until": iso(r.until)}
            for r in record.recipients
        ],
    }  # fmt: skip


def register_view(records: list[ProcessingRecord], base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "count": len(records),
        "_embedded": {"records": [record_view(r, base) for r in records]},
        "_links": {"self": {"href": f"{base}/api/v1/processing-register"}, "csv": {"href": f"{base}/api/v1/processing-register?format=csv"}},
    }


def _recipient_text(r: Recipient) -> str:
    who = r.name or RESIDENT
    return f"{who} ({r.basis}{': ' + r.purpose if r.purpose else ''})"


def _cell(value: str) -> str:
    """A cell a spreadsheet would take for a formula (=, +, -, @ first) gets an apostrophe first."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def register_csv(records: list[ProcessingRecord], base_url: str) -> str:
    """One row per dataset; lists in a cell separated by '; '. Legal bases as their codes; cells
    that a spreadsheet would take for a formula are prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    base = base_url.rstrip("/")
    for record in records:
        entry, p = record.entry, record.processing or {}
        writer.writerow([_cell(str(v)) for v in (
            entry.name, entry.title, entry.metadata.get("titleEn") or "", entry.access_level, record.controller or RESIDENT,
            p.get("purpose", ""), p.get("legalBasis", ""), "; ".join(p.get("dataCategories", [])),
            "; ".join(p.get("subjectCategories", [])), p.get("retention", ""),
            "; ".join(_recipient_text(r) for r in record.recipients), "yes" if record.processing else "no",
            f"{base}/catalog/{entry.name}",
        )])  # fmt: skip
    return out.getvalue()
