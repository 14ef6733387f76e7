"""The storage interface. Feature code talks to this; backends (SQLite, PostgreSQL) implement it.

Values crossing this interface are *domain values* (see `stadsdata.model.values`): str, JSON
values, aware UTC datetimes, `Interval`s and GeoJSON dicts. A record is a dict keyed by entity
property names plus 'id'; expanded navigation properties appear under their names (a list for
to-many, a record or None for to-one), with '<Nav>@iot.count' / '<Nav>@iot.nextSkip' where asked.
"""

from __future__ import annotations

import bisect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from stadsdata.model.entities import EntityType
from stadsdata.query.ast import Expr, QueryOptions
from stadsdata.store.thing_query import Condition, ThingCount, ThingMatch

Record = dict[str, Any]

# The access layer's contribution to every read: for an entity type, an extra filter (in the
# same AST as $filter) that rows must match, or None for "no restriction".
ScopeFn = Callable[[EntityType], Expr | None]


def unrestricted(entity: EntityType) -> Expr | None:
    return None


@dataclass(frozen=True)
class ParentRef:
    """Restricts a query to the entities reached from one entity over one navigation property,
    e.g. ParentRef(THING, 1, 'Datastreams') for `Things(1)/Datastreams`."""

    entity: EntityType
    id: int
    nav: str


@dataclass
class ReadRequest:
    entity: EntityType
    options: QueryOptions
    parent: ParentRef | None = None
    id: int | None = None  # a single entity by id
    scope: ScopeFn = unrestricted
    top: int = 100  # effective $top after defaults and the server maximum
    max_top: int = 10_000
    default_top: int = 100  # page size of expanded collections without their own $top


@dataclass(frozen=True)
class SeriesPoint:
    """One point of a chart's time series: an observation (`count` 1) or the aggregate of a
    bucket (hour, day) starting at `time`."""

    time: datetime
    count: int
    mean: float
    min: float
    max: float


class HourlyRollup(NamedTuple):
    """One Datastream's numeric results in one UTC hour (`Transaction.hourly_rollups`)."""

    datastream_id: int
    hour: int  # the UTC hour's start in seconds since the epoch (no datetime per row on long ranges)
    count: int
    sum: float
    min: float
    max: float
    sum_squares: float


@dataclass(frozen=True)
class LatestValue:
    """A Datastream's latest observation with its Thing and the Thing's first Location."""

    thing_id: int
    thing_name: str
    thing_properties_json: str | None  # JSON text, as stored
    location_json: str | None  # GeoJSON text of the Thing's first Location (None: it has none)
    datastream_id: int
    datastream_name: str
    unit_of_measurement_json: str
    observed_property: str
    phenomenon_time: datetime | None  # None: no observation yet
    result: Any


@dataclass(frozen=True)
class StreamExtent:
    """A stream's place in the catalog, from the per-stream summary the store keeps current:
    its dataset, description, how many observations and over what time and area."""

    id: int
    dataset_id: int | None
    description: str
    observation_count: int
    start: datetime | None  # phenomenon time extent
    end: datetime | None
    bbox: tuple[float, float, float, float] | None  # of its observations' features (minx, miny, maxx, maxy)


@dataclass
class ReadResult:
    records: list[Record]
    count: int | None = None  # when $count=true
    has_more: bool = False  # another page exists (for @iot.nextLink)


@dataclass(slots=True)
class ObservationRow:
    """One observation for the bulk path. Exactly one of datastream_id / multi_datastream_id."""

    phenomenon_time_start: Any
    phenomenon_time_end: Any
    result: Any
    feature_of_interest_id: int
    datastream_id: int | None = None
    multi_datastream_id: int | None = None
    result_time: Any = None
    result_quality: Any = None
    valid_time_start: Any = None
    valid_time_end: Any = None
    parameters: Any = None


@dataclass(frozen=True)
class AccessSnapshot:
    """What access decisions need, read in one go at the start of a request."""

    datasets: dict[int, tuple[str, int | None]]  # dataset id -> (access level, owner party id)
    parents: dict[int, int | None]  # party id -> parent party id (department -> organisation)
    grants: dict[tuple[int, int], int]  # (dataset id, party id) -> id of a grant in force now
    consents: dict[tuple[int, int], int] = field(default_factory=dict)  # (dataset, party) -> consent in force
    kinds: dict[int, str] = field(default_factory=dict)  # party id -> kind ('resident', …)
    # (dataset, party) -> [(agreement id, ODRL policy)] of active agreements; records read under each
    agreements: dict[tuple[int, int], list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    agreement_usage: Mapping[int, int] = field(default_factory=dict)  # read when asked (see store/sql/access/snapshot.py)
    # (stream entity name, id) -> dataset of every stream in a non-public dataset: what the audit
    # needs without a query per read; None when the store does not keep it (ask stream_datasets)
    guarded_streams: Mapping[tuple[str, int], int] | None = None


@dataclass(frozen=True)
class Change:
    """An entity created or updated by a committed transaction (for MQTT subscriptions)."""

    kind: str  # 'create' or 'update'
    entity: str  # entity type name, e.g. 'Observation'
    id: int
    links: tuple[tuple[str, int], ...] = ()  # create: to-one navigation property -> id
    properties: tuple[str, ...] = ()  # update: the names of the changed properties


CommitListener = Callable[[list[Change]], None]


@dataclass(frozen=True)
class Principal:
    """A stored identity that can authenticate: a user (password) or an API key."""

    kind: str  # 'user' or 'key'
    id: int
    name: str  # username, or the key's name
    party_id: int | None
    is_admin: bool
    can_write: bool
    secret_hash: str | None  # argon2 password hash, or the API key hash
    active: bool  # not disabled, revoked or expired
    expires_at: datetime | None = None  # an API key's end, if it has one


@dataclass(frozen=True)
class Consent:
    """A resident's consent for one party and purpose (status: given, withdrawn or expired)."""

    id: int
    dataset_id: int
    party_id: int
    purpose: str
    status: str
    given_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class AuditEvent:
    """One read of records of a restricted or non-public dataset."""

    time: datetime
    subject: str
    party_id: int | None
    dataset_id: int
    basis: str  # 'owner', 'grant' or 'admin'
    grant_id: int | None
    action: str
    records: int
    request: str


# -- the access records, by area (`AccessRecords` combines them; store/sql/access/) ---------------
class AccessSnapshots(ABC):
    """What access decisions are made on, read once per transaction."""

    @abstractmethod
    def snapshot(self, now: datetime) -> AccessSnapshot: ...

    @abstractmethod
    def change_version(self) -> int | None:
        """The counter every change of the access records raises (in the same transaction), as
        this transaction sees it: what was decided on an equal counter still holds."""


class PartyRecords(ABC):
    """Parties and who acts for them: local accounts, API keys, browser sessions."""

    @abstractmethod
    def party_id(self, name: str) -> int | None: ...

    @abstractmethod
    def add_party(self, name: str, kind: str, parent_id: int | None, now: datetime) -> int: ...

    @abstractmethod
    def user(self, username: str) -> Principal | None: ...

    @abstractmethod
    def add_user(
        self, username: str, password_hash: str, party_id: int | None, is_admin: bool, now: datetime, *, can_write: bool = True
    ) -> int:
        """A local account; `can_write` False makes it a read-only member of its party."""

    @abstractmethod
    def api_key(self, prefix: str, now: datetime) -> Principal | None: ...

    @abstractmethod
    def add_api_key(
        self, prefix: str, key_hash: str, name: str, party_id: int | None, *, is_admin: bool, can_write: bool,
        expires_at: datetime | None, now: datetime,
    ) -> int: ...  # fmt: skip

    @abstractmethod
    def revoke_api_key(self, prefix: str, now: datetime) -> bool: ...

    def add_web_session(self, token_hash: str, user_id: int, now: datetime, expires_at: datetime) -> None:
        """A browser session of a signed-in user (the web UI); only the token's hash is kept."""
        raise NotImplementedError

    def web_session(self, token_hash: str, now: datetime) -> Principal | None:
        """The user of a session that has not expired, or None."""
        raise NotImplementedError

    def end_web_session(self, token_hash: str) -> None:
        raise NotImplementedError


class DatasetRecords(ABC):
    """Datasets and the (Multi)Datastreams in them."""

    @abstractmethod
    def dataset_id(self, name: str) -> int | None: ...

    @abstractmethod
    def add_dataset(self, name: str, title: str, access_level: str, owner_party_id: int | None, description: str, now: datetime) -> int: ...

    @abstractmethod
    def assign_streams(self, dataset_id: int | None, datastream_ids: Sequence[int], multi_datastream_ids: Sequence[int]) -> None: ...

    @abstractmethod
    def stream_datasets(self, stream: str, ids: Sequence[int]) -> dict[int, int | None]:
        """Dataset id (or None) of each existing Datastream / MultiDatastream (`stream`) in `ids`."""

    @abstractmethod
    def stream_extents(self, stream: str, ids: Sequence[int]) -> dict[int, StreamExtent]:
        """The catalog summary of each existing Datastream / MultiDatastream (`stream`) in `ids`
        (no access decision: the caller asks only for streams the caller may read)."""


class SharingRecords(ABC):
    """How a dataset is shared: grants, residents' consents, ODRL offers and agreements."""

    @abstractmethod
    def add_grant(self, dataset_id: int, party_id: int, valid_from: datetime | None, valid_until: datetime | None, now: datetime) -> int: ...

    @abstractmethod
    def revoke_grant(self, grant_id: int, now: datetime) -> bool: ...

    @abstractmethod
    def add_consent(self, dataset_id: int, party_id: int, purpose: str, expires_at: datetime | None, now: datetime) -> int: ...

    @abstractmethod
    def withdraw_consent(self, consent_id: int, now: datetime) -> bool: ...

    @abstractmethod
    def consents(self, dataset_id: int, now: datetime) -> list[Consent]:
        """Every consent ever given for the dataset, newest first, with its status now."""

    @abstractmethod
    def add_offer(self, dataset_id: int, uid: str, policy: dict[str, Any], now: datetime) -> int: ...

    @abstractmethod
    def offer(self, offer_id: int) -> tuple[int, dict[str, Any]] | None:
        """(dataset id, ODRL Offer) of an offer."""

    @abstractmethod
    def add_agreement(self, dataset_id: int, party_id: int, offer_id: int | None, uid: str, policy: dict[str, Any], now: datetime) -> int: ...

    @abstractmethod
    def end_agreement(self, agreement_id: int, now: datetime) -> bool: ...

    @abstractmethod
    def agreement(self, agreement_id: int) -> tuple[int, int, dict[str, Any], str] | None:
        """(dataset id, party id, ODRL Agreement, status) of an agreement."""

    @abstractmethod
    def agreement_usage(self, agreement_ids: Sequence[int]) -> dict[int, int]:
        """Records read under each agreement so far (from the audit log)."""


class AuditRecords(ABC):
    """The audit log: reads of restricted and non-public records (append-only)."""

    @abstractmethod
    def add_audit_events(self, events: Sequence[AuditEvent]) -> None: ...

    @abstractmethod
    def audit_events(self, dataset_id: int | None = None, limit: int = 1000) -> list[AuditEvent]:
        """The newest events first, of one dataset or of all."""


class ManagedRows(ABC):
    """The management API's generic access to the access tables and a few others."""

    @abstractmethod
    def rows(
        self, table: str, where: Mapping[str, Any] | None = None, *, limit: int = 100, cursor: int | None = None,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """Rows of one table (`MANAGED_TABLES`) in id order (or newest first), after the id
        `cursor`. `where` maps a column to a value, a list or set of values (IN), or an
        (operator, value) tuple with operator one of '>=', '<', '<=', '!='."""

    @abstractmethod
    def count_rows(self, table: str, where: Mapping[str, Any] | None = None) -> int:
        """How many rows of one table match `where` (as in `rows`)."""

    @abstractmethod
    def insert_row(self, table: str, values: Mapping[str, Any]) -> int: ...

    def delete_row(self, table: str, row_id: int) -> bool:
        """Delete a row of a table whose rows may go (dashboards); whether it was there."""
        raise NotImplementedError

    @abstractmethod
    def update_row(self, table: str, row_id: int, values: Mapping[str, Any], where: Mapping[str, Any] | None = None) -> bool:
        """Update one row if it also matches `where`; whether it did."""


class AccessRecords(AccessSnapshots, PartyRecords, DatasetRecords, SharingRecords, AuditRecords, ManagedRows):
    """Parties, identities, datasets, sharing and the audit log, as stored in one transaction
    (`Transaction.access`). No decisions are made here (`stadsdata/access/`, `management/`)."""


class ObservationChunkRow(NamedTuple):
    """One observation as a download reads it (`Transaction.observation_chunk`): its stream's id,
    its own id, phenomenon time (start and end: equal for an instant), result time and result."""

    stream_id: int
    id: int
    phenomenon_time_start: datetime
    phenomenon_time_end: datetime
    result_time: datetime | None
    result: Any


class StreamFacts(NamedTuple):
    """What writing observations to a stream needs to know of it (`Transaction.stream_facts`)."""

    thing_id: int
    dataset_id: int | None
    personal_fields: list[str]  # of its dataset: pseudonymised before storage
    location_id: int | None  # the first Location of its Thing (by id)
    feature_id: int | None  # the FeatureOfInterest generated from that Location, if there is one
    width: int | None  # a MultiDatastream's number of result components (None for a Datastream)


class Transaction(ABC):
    """A unit of work. All writes go through one; reads inside it see its writes."""

    @abstractmethod
    def insert(self, entity: EntityType, values: Record) -> int:
        """Insert one entity (property values, plus to-one foreign ids under the nav name,
        e.g. {'Thing': 3}) and return its new id."""

    @abstractmethod
    def update(self, entity: EntityType, id: int, values: Record) -> None:
        """Set the given properties (and to-one links under nav names)."""

    @abstractmethod
    def delete(self, entity: EntityType, id: int) -> None:
        """Delete with the integrity rules of OGC 18-088 §10.4 (cascades)."""

    @abstractmethod
    def link(self, entity: EntityType, id: int, nav: str, target_ids: Sequence[int], *, replace: bool = False) -> None:
        """Add (or with replace=True: set) links of a to-many navigation property."""

    @abstractmethod
    def unlink(self, entity: EntityType, id: int, nav: str, target_id: int) -> None: ...

    @abstractmethod
    def insert_observations(self, rows: Sequence[ObservationRow]) -> list[int]:
        """Bulk insert; updates each stream's extent, count and latest observation in the same
        transaction. Returns the new ids in order."""

    @abstractmethod
    def read(self, request: ReadRequest) -> ReadResult: ...

    @abstractmethod
    def exists(self, entity: EntityType, id: int, *, parent: ParentRef | None = None, scope: ScopeFn = unrestricted) -> bool: ...

    @abstractmethod
    def related_ids(self, entity: EntityType, id: int, nav: str) -> list[int]:
        """Ids reached from one entity over a navigation property (no access filter)."""

    @property
    @abstractmethod
    def access(self) -> AccessRecords:
        """Parties, identities, datasets and grants, in this transaction."""

    @abstractmethod
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: what happens inside is undone when it raises, the rest stays."""

    @abstractmethod
    def latest_values(self, scope: ScopeFn, observed_property: str | None = None, thing_ids: Sequence[int] | None = None) -> list[LatestValue]:
        """The latest value of every Datastream in the scope (of one ObservedProperty, by name;
        of these Things only), from the per-stream summary: one row per stream, in Thing and
        Datastream id order."""

    def find_things(
        self, scope: ScopeFn, where: Condition, *, sure: Condition | None = None, after: int | None = None,
        offset: int = 0, limit: int | None = None,
    ) -> list[ThingMatch]:  # fmt: skip
        """The Things that match `where` (`store/thing_query.py`) among those `latest_values`
        gives rows for under `scope`, in id order: after the id `after`, from `offset`, at most
        `limit`; each with whether it also matches `sure`. In SQL, the scope as in latest_values."""
        raise NotImplementedError

    def count_things(self, scope: ScopeFn, where: Condition, *, sure: Condition | None = None) -> ThingCount:
        """How many Things `find_things` would give, and how many of them do not match `sure`."""
        raise NotImplementedError

    def observed_property_names(self) -> list[str]:
        """The distinct names of all ObservedProperties, sorted (no access decision: names only)."""
        raise NotImplementedError

    @abstractmethod
    def series(self, datastream_id: int, start: datetime, end: datetime, resolution: str, bucket_hours: int = 1) -> list[SeriesPoint]:
        """The numeric results of a Datastream in [start, end) for a chart: 'raw' observations,
        or aggregates (count, mean, min, max) of buckets of `bucket_hours` hours ('hour') or
        days ('day') from the hourly rollups. The caller checks first that the Datastream may
        be read."""

    @abstractmethod
    def series_count(self, datastream_id: int, start: datetime, end: datetime) -> int:
        """About how many numeric observations a series of [start, end) covers (whole hours)."""

    @abstractmethod
    def hourly_rollups(self, datastream_ids: Sequence[int], start: datetime, end: datetime) -> list[HourlyRollup]:
        """The hourly rollups of these Datastreams for the UTC hours starting in [start, end), by
        stream and hour. The caller checks first that the streams may be read."""

    def rollup_buckets(
        self, datastream_ids: Sequence[int], edges: Sequence[datetime], start: datetime, end: datetime
    ) -> list[tuple[int, int, int, float, float, float, float]]:
        """The hourly rollups of these Datastreams for the hours starting in [start, end), summed per
        bucket [edges[i], edges[i+1]): (stream, i, count, sum, min, max, sum of squares), by stream and
        bucket, empty buckets left out. Backends may sum in the database (PostgreSQL does)."""
        starts = [int(edge.timestamp()) for edge in edges]
        last = len(starts) - 1
        folded: dict[tuple[int, int], list[float]] = {}
        for stream, hour, count, total, low, high, squares in self.hourly_rollups(datastream_ids, start, end):
            at = bisect.bisect_right(starts, hour) - 1
            if not 0 <= at < last:
                continue
            bucket = folded.get((stream, at))
            if bucket is None:
                folded[(stream, at)] = [count, total, low, high, squares]
            else:
                bucket[0] += count
                bucket[1] += total
                bucket[2] = min(bucket[2], low)
                bucket[3] = max(bucket[3], high)
                bucket[4] += squares
        return [(stream, at, int(b[0]), b[1], b[2], b[3], b[4]) for (stream, at), b in sorted(folded.items())]

    @abstractmethod
    def numeric_results(self, datastream_ids: Sequence[int], start: datetime, end: datetime) -> Iterator[tuple[int, datetime, float]]:
        """(Datastream id, phenomenon time (start), result) of the numeric results in [start, end),
        by stream, time and id: what the rollups count (finite numbers; no booleans), for exact
        aggregates. The caller checks first that the streams may be read."""

    def observation_numbers(self, observation_ids: Sequence[int]) -> list[tuple[int, datetime, float]]:
        """(Datastream id, phenomenon time, result) of the finite numeric results of these
        observations, by stream and time (for alert rules). No access decision."""
        raise NotImplementedError

    def things_by_property_text(self, path: tuple[str, ...], values: Sequence[str]) -> list[int]:
        """The ids of the Things whose `properties` hold one of `values` (text) at `path` (plain
        names), in id order; indexed for ('ngsild', 'id'). No access decision."""
        raise NotImplementedError

    def datastream_facts(self, where: Mapping[str, Sequence[int]]) -> list[dict[str, Any]]:
        """Of the Datastreams whose `id`, `observed_property_id` or `dataset_id` is one of the given
        ones (each key optional, the keys combined with OR): id, observed_property_id, dataset_id,
        unit_of_measurement, properties (for alert rules). No access decision."""
        raise NotImplementedError

    def write_alerts(
        self, opened: Sequence[Mapping[str, Any]], resolved: Sequence[int], when: datetime,
        states: Sequence[tuple[int, datetime, Any]],
    ) -> list[int]:  # fmt: skip
        """An alert evaluation's writes: insert the `alerts` rows (their ids, in order), resolve the
        open or acknowledged alerts `resolved` (by the rule, at `when`), and set each (rule id,
        its updated_at, state)'s state where the rule is unchanged — one statement each."""
        raise NotImplementedError

    @abstractmethod
    def claim_ingest_keys(self, keys: Sequence[str], now: datetime) -> set[str]:
        """Record that the source messages with these idempotency keys are stored (in this
        transaction, one statement); the keys that were new. The others were stored before
        (redeliveries: store nothing for them)."""

    def claim_ingest_key(self, key: str, now: datetime) -> bool:
        return bool(self.claim_ingest_keys([key], now))

    @abstractmethod
    def stream_facts(self, stream: str, stream_id: int) -> StreamFacts | None:
        """The stream's Thing, dataset, its personal fields, its Thing's first Location and the
        feature generated from that, in one read (no access filter: callers check that first);
        None if the stream does not exist."""

    @abstractmethod
    def generated_feature_for_location(self, location_id: int, *, lock: bool = False) -> int | None:
        """The FeatureOfInterest generated earlier from this Location, if any. With `lock`, first
        wait for any other transaction that is generating it (so only one is ever created)."""

    @abstractmethod
    def insert_generated_feature(self, values: Record, location_id: int) -> int:
        """Insert a FeatureOfInterest generated from a Location, remembering the Location."""

    @abstractmethod
    def observation_chunk(
        self, stream: str, stream_ids: Sequence[int], start: datetime | None, end: datetime | None,
        after: tuple[int, datetime, int] | None, limit: int,
    ) -> list[ObservationChunkRow]:
        """Up to `limit` observations of the Datastreams (`stream` 'Datastream') or
        MultiDatastreams in `stream_ids` whose phenomenon time starts in [start, end) (None: open),
        in (stream id, phenomenon time start, id) order, after the key `after` — (stream id,
        phenomenon time start, id) of the last row of the previous chunk: keyset paging, so that a
        download of any size reads chunk by chunk, each in a short transaction of its own. No
        access decision: the caller passes only streams the caller may read."""


class Store(ABC):
    """A backend. Create with the backend's constructor, then `open()` (creates/upgrades schema)."""

    dialect: str = ""
    # `$count` of a filtered collection: None counts exactly; N counts exactly up to N rows and
    # gives the backend's estimate beyond that, where it has one (the `count_mode` setting).
    count_limit: int | None = None
    # A `read_only()` transaction may also insert (PostgreSQL: an ordinary transaction), so that
    # the audit events of a read are stored in the read's own transaction, committed before the
    # answer goes out, without a second transaction. SQLite: no (a read would have to become the
    # writer, which can fail when another write committed since the read began).
    writes_in_reads: bool = False

    # Observations committed through this store object since it was made (for /metrics).
    observations_committed: int = 0
    # Whether a short transaction can be run where it must not wait (`without_waiting`): the
    # SensorThings face then answers bounded requests on the event loop, without a thread hop.
    answers_without_waiting: bool = False

    @abstractmethod
    def check_ready(self) -> None:
        """Raise unless the database answers a trivial query now (for /readyz)."""

    def quarantine_held(self) -> int:
        """Messages held in the quarantine now (for /metrics)."""
        return 0

    def add_commit_listener(self, listener: CommitListener) -> None:
        """Call `listener` with the changes of every write transaction after it committed (in the
        committing thread; a listener must not block, and its errors are logged, not raised)."""
        self.commit_listeners = [*getattr(self, "commit_listeners", []), listener]

    @abstractmethod
    def open(self, *, migrate: bool = True) -> None:
        """Connect; with `migrate`, create or upgrade the schema first."""

    @abstractmethod
    def close(self) -> None: ...

    def in_transaction(self) -> bool:
        """Whether this thread has a transaction open (so a failed statement cannot simply be
        retried on its own)."""
        return False

    def without_waiting(self) -> AbstractContextManager[None]:
        """Transactions of this thread, inside, raise `WouldWait` (rolled back) where they would
        wait for a lock, instead of waiting (for backends with `answers_without_waiting`)."""
        raise NotImplementedError(f"{type(self).__name__} always waits")

    @abstractmethod
    def write(self) -> AbstractContextManager[Transaction]:
        """A write transaction; commits on normal exit, rolls back on exception. A `write()`
        inside another on the same thread joins the outer one (so `$batch` change sets are
        atomic)."""

    @abstractmethod
    def read_only(self) -> AbstractContextManager[Transaction]:
        """A consistent snapshot for reads (joins an open write transaction of this thread)."""

    def read(self, request: ReadRequest) -> ReadResult:
        with self.read_only() as tx:
            return tx.read(request)

    @abstractmethod
    def latest_observations(self, datastream_ids: Sequence[int] | None = None) -> Iterator[tuple[int, Record | None]]:
        """(datastream id, its latest observation record or None) from the per-stream summary,
        without scanning observations."""
