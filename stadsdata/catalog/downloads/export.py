"""A party's own export (`PersonalExport`): everything the platform holds about the caller's party
and its sensors, and who read it, as one zip — for a resident the right of access and the right to
data portability (GDPR art. 15 and 20); it works for any party.

The archive (README.md lists it): the party; its accounts and API keys (never a password or key
hash); its datasets with their metadata; the SensorThings records of their streams (Datastreams,
MultiDatastreams with their Thing, Locations, HistoricalLocations, Sensor, ObservedProperties); the
observations of each stream as CSV (`observations/`, the columns of `columns.py`); how its datasets
are shared (grants, consents it gave, offers, agreements, access requests — also the agreements and
requests the party holds on others' data); its entries in the sensor register; and the audit log —
every read of its datasets (`audit/reads-of-my-data.csv`, the readers named unless they are
residents) and every read made for the party (`audit/my-reads.csv`).

Only credentials that act for a party get one (401 without credentials, 403 for a caller of no
party); it is always the caller's own party's. The observations are read like any download (in
chunks, audited with action 'export' where the dataset is not public): a party's reading of its
own data is in its audit log like every other read."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.catalog.downloads.chunks import ObservationChunks
from stadsdata.catalog.downloads.columns import iso
from stadsdata.catalog.downloads.csv_format import csv_body
from stadsdata.catalog.downloads.download import ZIP, Download
from stadsdata.catalog.downloads.selection import Selection
from stadsdata.catalog.downloads.sink import Sink
from stadsdata.catalog.downloads.streams import Stream, visible_streams
from stadsdata.errors import Forbidden, NotFound, Unauthorized
from stadsdata.management.views import view
from stadsdata.model.entities import DATASTREAM, MULTI_DATASTREAM
from stadsdata.model.values import Interval
from stadsdata.query.ast import QueryOptions, Related
from stadsdata.query.parser import parse_expand
from stadsdata.store.base import ReadRequest, ScopeFn, Store, Transaction

AUDIT_PAGE = 10_000
AUDIT_COLUMNS = ("id", "time", "subject", "party_id", "party", "dataset_id", "dataset", "basis", "right_id", "action", "records", "request")
_EXPAND = "Thing($expand=Locations,HistoricalLocations($expand=Locations)),Sensor,"
_RECORDS = ((DATASTREAM, _EXPAND + "ObservedProperty"), (MULTI_DATASTREAM, _EXPAND + "ObservedProperties"))
MAX_RECORDS = 100_000


@dataclass(frozen=True)
class Holdings:
    """What is read up front, in one transaction: the small documents and the streams."""

    party: dict[str, Any]
    documents: dict[str, Any]  # file name -> JSON document
    streams: list[Stream]
    owned: list[int]  # the party's datasets
    datasets: dict[int, str]  # id -> name, of every dataset (for the audit log)
    parties: dict[int, tuple[str, str]]  # id -> (name, kind), of every party


class PersonalExport:
    def __init__(self, store: Store, access: AccessPolicy, chunk_rows: int) -> None:
        self.store, self.access, self.chunk_rows = store, access, chunk_rows

    def archive(self, caller: Caller, request: str) -> Download:
        if caller.subject is None:
            raise Unauthorized("your export needs credentials (an API key, a user or a token)")
        if caller.party_id is None:
            raise Forbidden(f"{caller.subject} acts for no party, so it has no export of its own")
        with self.store.read_only() as tx:
            holdings = _read(tx, self.access.read_scope(caller, tx), caller.party_id)
        made = datetime.now(UTC)
        name = f"stadsdata-export-{caller.party_id}-{made:%Y%m%d}.zip"
        return Download(name, ZIP, self._zip(caller, holdings, request, made))

    def _zip(self, caller: Caller, holdings: Holdings, request: str, made: datetime) -> Iterator[bytes]:
        sink = Sink()
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.md", _readme(holdings, made))
            for file, document in holdings.documents.items():
                archive.writestr(file, _json(document))
            yield sink.take()
            for stream in holdings.streams:
                chunks = ObservationChunks(self.store, self.access, caller, [stream], None, None, self.chunk_rows, request, "export")
                with archive.open(_observations_file(stream), "w", force_zip64=True) as member:
                    for part in csv_body(chunks, {(stream.kind, stream.id): stream}):
                        member.write(part)
                        yield sink.take()
            audits = (("audit/reads-of-my-data.csv", {"dataset_id": holdings.owned}), ("audit/my-reads.csv", {"party_id": caller.party_id}))
            for file, where in audits:
                with archive.open(file, "w", force_zip64=True) as member:
                    for part in self._audit(where, holdings, caller.party_id):
                        member.write(part)
                        yield sink.take()
        yield sink.take()

    def _audit(self, where: dict[str, Any], holdings: Holdings, party_id: int | None) -> Iterator[bytes]:
        """The audit events matching `where` as CSV, a page at a time."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(AUDIT_COLUMNS)
        cursor = None
        while True:
            with self.store.read_only() as tx:
                rows = tx.access.rows("audit_events", where, limit=AUDIT_PAGE, cursor=cursor)
            writer.writerows(_audit_row(row, holdings, party_id) for row in rows)
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
            if len(rows) < AUDIT_PAGE:
                return
            cursor = rows[-1]["id"]


def _read(tx: Transaction, scope: ScopeFn, party_id: int) -> Holdings:
    records = tx.access
    found = records.rows("parties", {"id": party_id}, limit=1)
    if not found:
        raise NotFound(f"party {party_id} of these credentials does not exist (any more)")
    party = view(found[0])
    owned = records.rows("datasets", {"owner_party_id": party_id}, limit=MAX_RECORDS)
    owned_ids = [d["id"] for d in owned]
    mine = {"dataset_id": owned_ids}
    held = {"party_id": party_id}
    documents: dict[str, Any] = {
        "party.json": party,
        "accounts.json": {
            "users": [view(r) for r in records.rows("users", held, limit=MAX_RECORDS)],
            "apiKeys": [view(r) for r in records.rows("api_keys", held, limit=MAX_RECORDS)],
        },
        "datasets.json": [view(r) for r in owned],
        "sensorthings.json": _sensorthings(tx, scope, tuple(owned_ids)),
        "sharing.json": {
            "grants": _rows(records, "dataset_grants", mine),
            "consents": _rows(records, "consents", mine),
            "offers": _rows(records, "offers", mine),
            "agreements": _rows(records, "agreements", mine),
            "accessRequests": _rows(records, "access_requests", mine),
            "agreementsHeld": _rows(records, "agreements", held),
            "accessRequestsMade": _rows(records, "access_requests", held),
        },
    }
    register = _register(records, party_id)
    if register is not None:
        documents["register.json"] = register
    streams = visible_streams(tx, scope, Selection(), owned_ids) if owned_ids else []
    datasets = {d["id"]: d["name"] for d in records.rows("datasets", limit=10**9)}
    parties = {p["id"]: (p["name"], p["kind"]) for p in records.rows("parties", limit=10**9)}
    return Holdings(party, documents, streams, owned_ids, datasets, parties)


def _rows(records: Any, table: str, where: dict[str, Any]) -> list[dict[str, Any]]:
    if any(isinstance(v, list) and not v for v in where.values()):
        return []
    return [view(r) for r in records.rows(table, where, limit=MAX_RECORDS)]


def _register(records: Any, party_id: int) -> list[dict[str, Any]] | None:
    """The party's entries in the sensor register with their sensors (None: no register here)."""
    try:
        devices = [view(r) for r in records.rows("register_devices", {"owner_party_id": party_id}, limit=MAX_RECORDS)]
    except KeyError:
        return None
    sensors = _rows(records, "register_sensors", {"device_id": [d["id"] for d in devices]})
    for device in devices:
        device["sensors"] = [s for s in sensors if s["deviceId"] == device["id"]]
    return devices


def _sensorthings(tx: Transaction, scope: ScopeFn, owned: tuple[int, ...]) -> dict[str, list[dict[str, Any]]]:
    """The SensorThings records of the streams in the party's datasets, with what hangs on them."""
    out: dict[str, list[dict[str, Any]]] = {"Datastreams": [], "MultiDatastreams": []}
    if not owned:
        return out
    for entity, expand in _RECORDS:
        options = QueryOptions(filter=Related((), owned), expand=parse_expand(expand))
        found = tx.read(ReadRequest(entity, options, scope=scope, top=MAX_RECORDS, max_top=MAX_RECORDS, default_top=MAX_RECORDS))
        out[f"{entity.name}s"] = [_plain(r) for r in found.records]
    return out


def _plain(value: Any) -> Any:
    """A record without the store's internal members ('@links')."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "@links" and not k.endswith("@more")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _json(document: Any) -> bytes:
    return orjson.dumps(document, default=_default, option=orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z)


def _default(value: Any) -> Any:
    if isinstance(value, Interval):
        return f"{iso(value.start)}/{iso(value.end)}"
    raise TypeError(type(value).__name__)


def _observations_file(stream: Stream) -> str:
    return f"observations/{stream.kind.lower()}-{stream.id}.csv"


def _audit_row(row: Mapping[str, Any], holdings: Holdings, party_id: int | None) -> tuple[Any, ...]:
    reader = row["party_id"]
    name, kind = holdings.parties.get(reader, ("", "")) if reader is not None else ("", "")
    hidden = kind == "resident" and reader != party_id  # another resident is named to no one
    return (
        row["id"], iso(row["time"]), "a resident" if hidden else row["subject"], "" if hidden or reader is None else reader,
        "a resident" if hidden else name, row["dataset_id"], holdings.datasets.get(row["dataset_id"], ""), row["basis"],
        row["grant_id"] or "", row["action"], row["records"], row["request"],
    )  # fmt: skip


def _readme(holdings: Holdings, made: datetime) -> str:
    party = holdings.party
    files = [
        ("party.json", "the party"),
        ("accounts.json", "its accounts and API keys (no passwords or keys)"),
        ("datasets.json", "its datasets and their catalog metadata"),
        ("sensorthings.json", "the Datastreams and MultiDatastreams of its datasets with their Things, Locations, "
                              "HistoricalLocations, Sensors and ObservedProperties"),
        ("observations/", "the observations of each stream, one CSV file per stream"),
        ("sharing.json", "who may read its datasets (grants, consents it gave, offers, agreements, access requests), and the "
                         "agreements and access requests it holds on others' data"),
        ("register.json", "its devices in the sensor register"),
        ("audit/reads-of-my-data.csv", "every read of its datasets that are not public: who, when, on what basis, how many records "
                                       "(other residents are not named)"),
        ("audit/my-reads.csv", "every read made for the party"),
    ]  # fmt: skip
    lines = [
        f"# Everything stadsdata holds about {party['name']}", "",
        f"Made on {iso(made)} for party {party['id']} ({party['kind']}): the right of access and the right to data portability "
        "(GDPR articles 15 and 20).", "",
    ]  # fmt: skip
    lines += [f"- `{file}`: {what}" for file, what in files if file != "register.json" or file in holdings.documents]
    return "\n".join(lines) + "\n"
