"""`DatasetAccess`: who may read and write what, decided by datasets.

Every Datastream and MultiDatastream belongs to at most one dataset, which has an owner party
and an access level (DCAT-AP-NL: public, restricted, non-public). A caller sees a dataset when
it is public, when the caller's party or an organisation above it owns it, when a grant in
force gives it to such a party — or, for a dataset a resident owns, only when the resident's
consent in force covers such a party — or when the caller is an admin. Streams without a dataset
follow the deployment's default level (`STADSDATA_DEFAULT_ACCESS_LEVEL`): visible to everyone
when it is `public`, else only to admins.

Every other entity is visible through the streams it belongs to, so that nothing about a hidden
stream leaks through its Thing, Location, Sensor or FeatureOfInterest:
- Observation: its (Multi)Datastream is visible;
- Thing: one of its streams is visible, or it has none (then it follows the default level);
- Location: one of its Things is visible, or it has no Thing (default level);
- HistoricalLocation: its Thing is visible;
- Sensor, ObservedProperty: one of their streams is visible, or they have none (default level);
- FeatureOfInterest: one of its Observations is visible, or it has none (default level).

An ODRL agreement with a `spatial` constraint shows its dataset only in part: the streams whose
Thing has a Location inside the area (and everything that hangs on them, as above).

Reads of records of restricted and non-public datasets are written to the audit log
(`audit.py`), with what allowed them.

Writes: admins write everything; a non-admin caller with write rights may add Observations to
streams of datasets its party (or an organisation above it) owns; anonymous callers write
nothing. (The ODRL offers/agreements and consent of the access issue build on this.)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import shapely

from stadsdata.access.audit import records_seen
from stadsdata.access.odrl import Policy, parse_policy
from stadsdata.access.policy import AccessPolicy, Caller, StreamFactsOf
from stadsdata.errors import Forbidden, Unauthorized
from stadsdata.model.entities import EntityType
from stadsdata.query.ast import BinaryOp, Expr, Literal, Not, Related, StreamDatasets
from stadsdata.query.parser import parse_filter
from stadsdata.store.base import AccessSnapshot, AuditEvent, Record, ScopeFn, Transaction, unrestricted

STREAM_NAVS = ("Datastreams", "MultiDatastreams")


def _or(*parts: Expr) -> Expr:
    out = parts[0]
    for part in parts[1:]:
        out = BinaryOp("or", out, part)
    return out


class DatasetAccess(AccessPolicy):
    def __init__(self, default_level: str = "public") -> None:
        self.default_level = default_level

    # -- reads ------------------------------------------------------------------------------
    def visible_datasets(self, caller: Caller, snapshot: AccessSnapshot) -> tuple[frozenset[int], bool, dict[int, str]]:
        """(ids of the datasets the caller sees whole, whether it sees streams without a dataset,
        the datasets it sees only inside an area: dataset id -> WKT)."""
        if caller.is_admin:
            return frozenset(snapshot.datasets), True, {}
        chain = party_chain(caller.party_id, snapshot)
        visible: set[int] = set()
        areas: dict[int, str] = {}
        for dataset, (level, owner) in snapshot.datasets.items():
            basis = access_basis(dataset, level, owner, chain, snapshot)
            if basis is None:
                continue
            if basis.area is None:
                visible.add(dataset)
            else:
                areas[dataset] = basis.area
        return frozenset(visible), self.default_level == "public", areas

    def readable_datasets(self, caller: Caller, tx: Transaction) -> frozenset[int] | None:
        if caller.is_admin:
            return None
        visible, _, areas = self.visible_datasets(caller, tx.access.snapshot(datetime.now(UTC)))
        return visible | frozenset(areas)

    def read_scope(self, caller: Caller, tx: Transaction) -> ScopeFn:
        if caller.is_admin:
            return unrestricted
        snapshot = tx.access.snapshot(datetime.now(UTC))
        visible, unassigned, areas = self.visible_datasets(caller, snapshot)
        if unassigned and visible == frozenset(snapshot.datasets):
            return unrestricted  # nothing is hidden from this caller: no filter at all
        return _scope(tuple(sorted(visible)), unassigned, areas)

    # -- writes -----------------------------------------------------------------------------
    def check_write(self, caller: Caller, entity: EntityType, action: str) -> None:
        if caller.is_admin:
            return
        if caller.subject is None:
            raise Unauthorized(f"{action} of {entity.name} needs credentials (an API key or a user)")
        if entity.name == "Observation" and action == "create" and caller.can_write:
            return  # which streams: check_stream_write
        raise Forbidden(f"{caller.subject} may not {action} {entity.name} entities")

    def check_stream_write(
        self, caller: Caller, tx: Transaction, stream: str, stream_id: int, *, field: str, facts: StreamFactsOf | None = None
    ) -> None:
        if caller.is_admin:
            return
        snapshot = tx.access.snapshot(datetime.now(UTC))
        if facts is not None:
            known = facts(stream, stream_id)
            dataset = known.dataset_id if known is not None else None
        else:
            dataset = tx.access.stream_datasets(stream, [stream_id]).get(stream_id)
        owner = snapshot.datasets.get(dataset, ("", None))[1] if dataset is not None else None
        if owner is None or owner not in party_chain(caller.party_id, snapshot):
            raise Forbidden(f"{caller.subject} may not add Observations to {stream}({stream_id})", field=field)


    # -- audit ------------------------------------------------------------------------------
    def audit_events(
        self, caller: Caller, tx: Transaction, results: list[tuple[EntityType, list[Record]]], request: str
    ) -> list[AuditEvent]:
        if caller.subject is None:
            return []  # anonymous callers see public data only
        return self.audit_stream_reads(caller, tx, records_seen(results), request)

    def audit_stream_reads(self, caller: Caller, tx: Transaction, seen: Mapping[tuple[str, int], int], request: str) -> list[AuditEvent]:
        if caller.subject is None:
            return []
        now = datetime.now(UTC)
        snapshot = tx.access.snapshot(now)
        guarded = {d for d, (level, _) in snapshot.datasets.items() if level != "public"}
        if not guarded:
            return []
        counts: dict[int, int] = {}
        if snapshot.guarded_streams is not None:  # the snapshot knows the streams of non-public datasets
            for key, n in seen.items():
                dataset = snapshot.guarded_streams.get(key)
                if dataset is not None:
                    counts[dataset] = counts.get(dataset, 0) + n
        else:
            for stream in ("Datastream", "MultiDatastream"):
                ids = sorted(i for kind, i in seen if kind == stream)
                for stream_id, dataset in tx.access.stream_datasets(stream, ids).items() if ids else ():
                    if dataset is not None:
                        counts[dataset] = counts.get(dataset, 0) + seen[(stream, stream_id)]
        chain = party_chain(caller.party_id, snapshot)
        events = []
        for dataset, n in sorted(counts.items()):
            if dataset not in guarded or not n:
                continue
            level, owner = snapshot.datasets[dataset]
            basis, right, _ = access_basis(dataset, level, owner, chain, snapshot, now) or ("admin", None, None)
            events.append(AuditEvent(now, caller.subject, caller.party_id, dataset, basis, right, "read", n, request[:2000]))
        return events


class Basis(NamedTuple):
    """Why a caller may read a dataset: `kind` 'public', 'owner', 'grant', 'consent' or
    'agreement'; `right` the id of that grant, consent or agreement; `area` (WKT) when the right
    covers only the records of Things inside an area (an ODRL `spatial` constraint)."""

    kind: str
    right: int | None = None
    area: str | None = None


def access_basis(
    dataset: int, level: str, owner: int | None, chain: set[int], snapshot: AccessSnapshot, now: datetime | None = None
) -> Basis | None:
    """Why a caller acting for `chain` may read the dataset, or None. A resident's dataset is
    read by others only with the resident's consent (or an agreement the resident made): a grant
    does not count there. An agreement counts while its ODRL policy permits `read` now, given the
    records already read under it; a right without an area wins over rights limited to areas,
    and areas of several agreements add up."""
    if level == "public":
        return Basis("public")
    if owner in chain:
        return Basis("owner")
    resident = owner is not None and snapshot.kinds.get(owner) == "resident"
    rights, name = (snapshot.consents, "consent") if resident else (snapshot.grants, "grant")
    for party in sorted(chain):
        if (dataset, party) in rights:
            return Basis(name, rights[(dataset, party)])
    moment = now or datetime.now(UTC)
    limited: list[Basis] = []
    for party in sorted(chain):
        for agreement_id, document in snapshot.agreements.get((dataset, party), ()):
            used = snapshot.agreement_usage.get(agreement_id, 0)
            decision = _policy(agreement_id, document).decide("read", now=moment, records_read=used)
            if decision.allowed and decision.area is None:
                return Basis("agreement", agreement_id)
            if decision.allowed:
                limited.append(Basis("agreement", agreement_id, decision.area))
    if not limited:
        return None
    if len(limited) == 1:
        return limited[0]
    union = shapely.union_all([shapely.from_wkt(b.area) for b in limited])
    return Basis("agreement", limited[0].right, union.wkt)


_POLICIES: dict[int, Policy] = {}  # agreement id -> parsed policy (an agreement's policy never changes)


def _policy(agreement_id: int, document: dict[str, Any]) -> Policy:
    policy = _POLICIES.get(agreement_id)
    if policy is None or policy.document != document:
        policy = _POLICIES[agreement_id] = parse_policy(document, kind="Agreement")
    return policy


def party_chain(party_id: int | None, snapshot: AccessSnapshot) -> set[int]:
    """The party and the organisations above it (a department acts for its municipality)."""
    chain: set[int] = set()
    while party_id is not None and party_id not in chain:
        chain.add(party_id)
        party_id = snapshot.parents.get(party_id)
    return chain


@lru_cache(maxsize=256)
def _inside(area: str) -> Expr:
    """A stream whose Thing has a Location inside `area` (normalised WKT from the policy)."""
    return parse_filter(f"st_within(Thing/Locations/location, geography'{area}')")


def _scope(visible: tuple[int, ...], unassigned: bool, areas: Mapping[int, str] | None = None) -> ScopeFn:
    limited = [(dataset, _inside(area)) for dataset, area in sorted((areas or {}).items())]

    def stream_at(path: tuple[str, ...]) -> Expr:
        """The stream reached by `path` is visible: its dataset whole, or inside an area."""
        return _or(Related(path, visible, unassigned), *(Related(path, (d,), where=w) for d, w in limited))

    def streams(prefix: tuple[str, ...], navs: tuple[str, ...] = STREAM_NAVS) -> Expr:
        return _or(*(stream_at(prefix + (nav,)) for nav in navs))

    def none_of(*paths: tuple[str, ...]) -> Expr:
        return Not(_or(*(Related(path) for path in paths)))

    no_streams = none_of(*((nav,) for nav in STREAM_NAVS))

    def default(expr: Expr) -> Expr:
        """`expr` where the default level shows what belongs to no stream, else nothing."""
        return expr if unassigned else Literal(False, "bool")

    thing = _or(streams(()), default(no_streams))
    observation: Expr = StreamDatasets(visible, unassigned)
    if limited:
        observation = _or(observation, *(Related((nav,), (d,), where=w) for d, w in limited for nav in ("Datastream", "MultiDatastream")))
    rules: dict[str, Expr] = {
        "Datastream": stream_at(()),
        "MultiDatastream": stream_at(()),
        "Observation": observation,
        "Thing": thing,
        "Location": _or(streams(("Things",)), default(_or(Related(("Things",), where=no_streams), none_of(("Things",))))),
        "HistoricalLocation": _or(streams(("Thing",)), default(Related(("Thing",), where=no_streams))),
        "Sensor": _or(streams(()), default(no_streams)),
        "ObservedProperty": _or(streams(()), default(no_streams)),
        "FeatureOfInterest": _or(
            stream_at(("Observations", "Datastream")),
            stream_at(("Observations", "MultiDatastream")),
            default(none_of(("Observations",))),
        ),
    }

    def scope(entity: EntityType) -> Expr | None:
        return rules[entity.name]

    return scope
