"""Reads: one SQL query per request plus one per `$expand` level (never one per entity).

Written once against SQLAlchemy Core; backends pass their connection and dialect hooks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any

import orjson
from sqlalchemy import bindparam, func, select, type_coerce
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import NullType, TypeDecorator

from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES, EntityType, Kind
from stadsdata.model.values import Interval
from stadsdata.query.ast import Expand, OrderBy, Path, QueryOptions, StreamDatasets
from stadsdata.store.base import ParentRef, ReadRequest, ReadResult, Record, ScopeFn
from stadsdata.store.schema import COLUMN_NAMES, JOINS, TABLES
from stadsdata.store.sql.codec import decode_result, observed_area, time_columns
from stadsdata.store.sql.filter import FilterCompiler
from stadsdata.store.sql.prepared import Prepared
from stadsdata.store.types import JsonText, UtcTimestamp, from_micros

_CHUNK = 5_000  # ids per IN (...) list


class SqlReader:
    def __init__(
        self,
        conn: Connection,
        *,
        bbox_prefilter: Any = None,
        count_shortcut: Any = None,
        count_limit: int | None = None,
        estimate_rows: Any = None,
    ) -> None:
        self.conn = conn
        self.bbox_prefilter = bbox_prefilter
        self.count_shortcut = count_shortcut  # (request) -> int | None: a cheap exact count
        self.count_limit = count_limit  # counts beyond this many rows may be estimated
        self.estimate_rows = estimate_rows  # (select) -> int | None: the planner's row estimate

    def compiler(self, scope: ScopeFn) -> FilterCompiler:
        return FilterCompiler(scope, bbox_prefilter=self.bbox_prefilter)

    # -- top level ------------------------------------------------------------------------------
    def read(self, req: ReadRequest) -> ReadResult:
        entity, opts = req.entity, req.options
        table = TABLES[entity.name]
        if req.id is not None and req.parent is None and opts.filter is None and not opts.skip and req.scope(entity) is None:
            # One entity by id, nothing to restrict it: a statement built once (`prepared.py`).
            row = _BY_ID[entity.name].first(self.conn, id=req.id)
            records = [] if row is None else [row_decoder(entity, self.conn.dialect)(row)]
            self.expand(entity, records, opts.expand, req.scope, req.default_top, req.max_top)
            return ReadResult(records, None, False)
        compiler = self.compiler(req.scope)
        conditions = self._conditions(compiler, entity, table, opts, req.parent)
        if req.id is not None:
            conditions.append(table.c.id == req.id)
        count = None
        if opts.count and req.id is None:
            count = self._count(req, table, conditions)
        top = req.top
        stmt = (
            select(*raw_columns(table))
            .where(*conditions)
            .order_by(*_link_rank(req.parent, table, opts), *self._order(compiler, entity, table, opts.orderby))
            .limit(top + 1)
            .offset(opts.skip)
        )
        rows = self.conn.execute(stmt).all()
        has_more = len(rows) > top
        decode = row_decoder(entity, self.conn.dialect)
        records = [decode(row) for row in rows[:top]]
        self.expand(entity, records, opts.expand, req.scope, req.default_top, req.max_top)
        return ReadResult(records, count, has_more)

    def exists(self, entity: EntityType, id: int, parent: ParentRef | None, scope: ScopeFn) -> bool:
        table = TABLES[entity.name]
        compiler = self.compiler(scope)
        conditions = self._conditions(compiler, entity, table, QueryOptions(), parent)
        stmt = select(table.c.id).where(table.c.id == id, *conditions).limit(1)
        return self.conn.execute(stmt).first() is not None

    def _conditions(
        self,
        compiler: FilterCompiler,
        entity: EntityType,
        table: Any,
        opts: QueryOptions,
        parent: ParentRef | None,
        *,
        visible_parent: str | None = None,
    ) -> list[Any]:
        """WHERE terms: the caller's scope, the parent, the $filter. `visible_parent` names the
        (already scoped) entity type the rows hang under in an $expand."""
        conditions: list[Any] = []
        via = (parent.entity.name, parent.nav) if parent is not None else (visible_parent, "Observations")
        if not _implied_by_parent(via, entity, compiler.scope):
            scoped = compiler.scope_clause(entity, table)
            if scoped is not None:
                conditions.append(scoped)
        if parent is not None:
            conditions.append(parent_condition(parent, table))
            parent_scope = compiler.scope_clause(parent.entity, TABLES[parent.entity.name])
            if parent_scope is not None:
                ptable = TABLES[parent.entity.name]
                conditions.append(select(ptable.c.id).where(ptable.c.id == parent.id, parent_scope).exists())
        if opts.filter is not None:
            conditions.append(compiler.where(opts.filter, entity, table))
        return conditions

    def _count(self, req: ReadRequest, table: Any, conditions: list[Any]) -> int:
        if self.count_shortcut is not None and req.options.filter is None:
            cheap = self.count_shortcut(req)
            if cheap is not None:
                return int(cheap)
        matching = select(table.c.id).where(*conditions)
        if self.count_limit is not None and self.estimate_rows is not None and req.scope(req.entity) is None:
            # Count mode "estimate": exact up to the limit; beyond it, the planner's estimate
            # (never below the limit + 1), so that $count never scans a huge collection.
            # Not under an access scope: statistics cover hidden rows too.
            probe = select(func.count()).select_from(matching.limit(self.count_limit + 1).subquery())
            exact = int(self.conn.execute(probe).scalar_one())
            if exact <= self.count_limit:
                return exact
            estimate = self.estimate_rows(matching)
            if estimate is not None:
                return max(int(estimate), self.count_limit + 1)
        return int(self.conn.execute(select(func.count()).select_from(matching.subquery())).scalar_one())

    def _order(self, compiler: FilterCompiler, entity: EntityType, table: Any, orderby: Sequence[OrderBy]) -> list[Any]:
        clauses: list[Any] = []
        for item in orderby:
            for value in compiler.order_value(item.expr, entity, table):
                clauses.append(value.desc() if item.descending else value.asc())
        # Ties are broken by id in the direction of the last key, so `phenomenonTime desc`
        # puts the most recently stored of equal times first (as the stream summary does).
        last_desc = bool(orderby) and orderby[-1].descending
        clauses.append(table.c.id.desc() if last_desc else table.c.id.asc())
        return clauses

    # -- $expand --------------------------------------------------------------------------------
    def expand(
        self, entity: EntityType, records: list[Record], expands: list[Expand], scope: ScopeFn, top: int, max_top: int
    ) -> None:
        if not records:
            return
        for item in merge_expands(expands):
            nav_name = item.path[0]
            nav = entity.nav(nav_name)
            if nav is None:
                raise BadRequest(f"{entity.name} has no navigation property '{nav_name}'", field="$expand")
            target = ENTITY_TYPES[nav.target]
            opts = item.options
            child_top = min(opts.top if opts.top is not None else top, max_top)
            try:
                by_parent, counts, more = self._children(entity, nav_name, target, records, opts, scope, child_top, nav.many)
            except BadRequest as exc:
                exc.field = "$expand"  # a nested $filter/$orderby: positions are in the $expand text
                raise
            children = [c for group in by_parent.values() for c in group]
            self.expand(target, children, opts.expand, scope, top, max_top)
            for record in records:
                group = by_parent.get(record["id"], [])
                if nav.many:
                    record[nav_name] = group
                    if opts.count:
                        record[f"{nav_name}@iot.count"] = counts.get(record["id"], 0)
                    if record["id"] in more and child_top > 0:  # $top=0: no nextLink to the same page
                        record[f"{nav_name}@more"] = (opts.skip + child_top, child_top)
                else:
                    record[nav_name] = group[0] if group else None

    def _children(
        self,
        entity: EntityType,
        nav_name: str,
        target: EntityType,
        records: list[Record],
        opts: QueryOptions,
        scope: ScopeFn,
        top: int,
        many: bool,
    ) -> tuple[dict[int, list[Record]], dict[int, int], set[int]]:
        join = JOINS[(entity.name, nav_name)]
        table = TABLES[target.name]
        compiler = self.compiler(scope)
        by_parent: dict[int, list[Record]] = defaultdict(list)
        counts: dict[int, int] = {}
        more: set[int] = set()
        ids = [r["id"] for r in records]
        if many and top == 1 and _latest_only(entity, nav_name, target, opts, scope):
            self._latest(entity, ids, by_parent, counts, more, opts.count)
            return by_parent, counts, more
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            parent_col, source, in_parents = _parent_source(entity, join, table, chunk)
            conditions = [in_parents, *self._conditions(compiler, target, table, opts, None, visible_parent=entity.name if nav_name == "Observations" else None)]
            order = self._order(compiler, target, table, opts.orderby)
            if join.link is not None and "rank" in join.link.c and not opts.orderby:
                order.insert(0, join.link.c["rank"])
            base = select(parent_col.label("_parent"), *raw_columns(table)).select_from(source).where(*conditions)
            decode = row_decoder(target, self.conn.dialect, offset=1)  # after _parent
            if not many:
                for row in self.conn.execute(base):
                    by_parent[row[0]].append(decode(row))
                continue
            row_number = func.row_number().over(partition_by=parent_col, order_by=order).label("_rn")
            ranked = base.add_columns(row_number).subquery()
            stmt = (
                select(ranked)
                .where(ranked.c._rn > opts.skip, ranked.c._rn <= opts.skip + top + 1)
                # ranked.c["_parent"]: `ranked.c._parent` is the ColumnCollection's own
                # attribute and would order by every column (id first) instead of by _rn
                .order_by(ranked.c["_parent"], ranked.c._rn)
            )
            last = opts.skip + top
            for row in self.conn.execute(stmt):
                if row[-1] > last:  # _rn
                    more.add(row[0])
                    continue
                by_parent[row[0]].append(decode(row))
            if opts.count:
                count_stmt = (
                    select(parent_col.label("_parent"), func.count())
                    .select_from(source)
                    .where(*conditions)
                    .group_by(parent_col)
                )
                counts.update({p: n for p, n in self.conn.execute(count_stmt).all()})
        return by_parent, counts, more


    def _latest(
        self, entity: EntityType, ids: list[int], by_parent: dict[int, list[Record]], counts: dict[int, int], more: set[int], count: bool
    ) -> None:
        """`Observations($top=1;$orderby=phenomenonTime desc)` of streams, served from the
        per-stream summary (latest_observation_id) instead of ranking every observation."""
        stream = TABLES[entity.name]
        obs = TABLES["Observation"]
        decode = row_decoder(ENTITY_TYPES["Observation"], self.conn.dialect, offset=2)  # after _parent, _count
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            stmt = (
                select(stream.c.id.label("_parent"), stream.c.observation_count.label("_count"), *raw_columns(obs))
                .select_from(stream.join(obs, latest_observation_join(obs, stream)))
                .where(stream.c.id.in_(chunk))
            )
            for row in self.conn.execute(stmt).all():
                parent, observations = row[0], row[1]
                by_parent[parent].append(decode(row))
                if observations > 1:
                    more.add(parent)
                if count:
                    counts[parent] = observations


def latest_observation_join(obs: Any, stream: Any) -> Any:
    """The join of a stream to its latest observation. The phenomenon time lets PostgreSQL
    look in one time partition instead of probing the id index of every partition."""
    return (obs.c.id == stream.c.latest_observation_id) & (
        obs.c.phenomenon_time_start == stream.c.latest_phenomenon_time
    )


def _implied_by_parent(via: tuple[str | None, str], entity: EntityType, scope: ScopeFn) -> bool:
    """Whether the rows' own scope adds nothing: Observations of a visible stream, under a scope
    by which Observations follow their stream. (Leaving it out keeps the stream's own indexes
    usable.)"""
    parent, nav = via
    return (
        entity.name == "Observation"
        and parent in ("Datastream", "MultiDatastream")
        and nav == "Observations"
        and follows_stream(scope(entity))
    )


def follows_stream(scope_expr: Any) -> bool:
    """Whether Observations under this scope are visible exactly when their stream is (no scope,
    or `StreamDatasets`): then what holds for a visible stream holds for all its Observations."""
    return scope_expr is None or isinstance(scope_expr, StreamDatasets)


def _latest_only(entity: EntityType, nav_name: str, target: EntityType, opts: QueryOptions, scope: ScopeFn) -> bool:
    """Whether an expand asks exactly for the newest observation of each stream, unfiltered."""
    if entity.name not in ("Datastream", "MultiDatastream") or nav_name != "Observations":
        return False
    if opts.filter is not None or opts.skip or not follows_stream(scope(target)) or len(opts.orderby) != 1:
        return False
    order = opts.orderby[0]
    return order.descending and isinstance(order.expr, Path) and order.expr.segments == ("phenomenonTime",)


def _parent_source(entity: EntityType, join: Any, table: Any, ids: list[int]) -> tuple[Any, Any, Any]:
    """(column holding the parent id, FROM clause, condition restricting it to the parents)."""
    if join.kind == "fk_there":
        column = table.c[join.column]
        return column, table, column.in_(ids)
    if join.kind == "fk_here":
        parent = TABLES[entity.name]
        return parent.c.id, parent.join(table, table.c.id == parent.c[join.column]), parent.c.id.in_(ids)
    link = join.link
    column = link.c[join.source_col]
    return column, link.join(table, table.c.id == link.c[join.target_col]), column.in_(ids)


def parent_condition(parent: ParentRef, table: Any) -> Any:
    """Rows of `table` reached from parent.entity(parent.id) over parent.nav."""
    join = JOINS[(parent.entity.name, parent.nav)]
    if join.kind == "fk_there":
        return table.c[join.column] == parent.id
    if join.kind == "fk_here":
        ptable = TABLES[parent.entity.name]
        return table.c.id == select(ptable.c[join.column]).where(ptable.c.id == parent.id).scalar_subquery()
    link = join.link
    return table.c.id.in_(select(link.c[join.target_col]).where(link.c[join.source_col] == parent.id))


def _link_rank(parent: ParentRef | None, table: Any, opts: QueryOptions) -> list[Any]:
    """Without $orderby, a ranked to-many link (MultiDatastream.ObservedProperties) lists its
    targets in their defined order (OGC 18-088 §12: it matches unitOfMeasurements)."""
    join = JOINS[(parent.entity.name, parent.nav)] if parent is not None else None
    link = join.link if join is not None else None
    if parent is None or opts.orderby or link is None or "rank" not in link.c or not link.c[join.source_col].primary_key:
        return []
    rank = select(link.c.rank).where(link.c[join.source_col] == parent.id, link.c[join.target_col] == table.c.id)
    return [rank.scalar_subquery()]


def merge_expands(expands: list[Expand]) -> list[Expand]:
    """Normalise `A/B` paths into nested expands and merge items on the same navigation property."""
    merged: dict[str, Expand] = {}
    for item in expands:
        head, rest = item.path[0], item.path[1:]
        nested = Expand(rest, item.options) if rest else None
        current = merged.get(head)
        if current is None:
            current = Expand((head,), item.options if not rest else QueryOptions())
            merged[head] = current
        elif not rest:
            # explicit options for this level win; keep expands collected so far
            existing = current.options.expand
            current.options = item.options
            current.options.expand = existing + [e for e in item.options.expand if e not in existing]
        if nested is not None:
            current.options.expand = current.options.expand + [nested]
    return list(merged.values())


# -- rows to records --------------------------------------------------------------------------
# Reads fetch plain tuples and decode them with a function made once per entity type and dialect
# that gives what `record_from_row` gives (the same keys in the same order): the column types
# that convert values (UtcTimestamp, JsonText) are fetched as the driver gives them and converted
# here, only where not NULL, without SQLAlchemy's processor chain and without a mapping per row.
Decoder = Callable[[Sequence[Any]], Record]
_RAW = NullType()
_decoders: dict[tuple[str, str, int], Decoder] = {}


def raw_columns(table: Any) -> list[Any]:
    """The table's columns in order; those that `row_decoder` converts fetched as stored (made
    once per table)."""
    columns = _raw_columns.get(table.name)
    if columns is None:
        columns = _raw_columns[table.name] = [
            type_coerce(column, _RAW).label(column.name) if isinstance(column.type, TypeDecorator) else column
            for column in table.c
        ]
    return columns


_raw_columns: dict[str, list[Any]] = {}


def _by_id(table: Any) -> Prepared:
    return Prepared(lambda: select(*raw_columns(table)).where(table.c.id == bindparam("id")))


_BY_ID = {name: _by_id(table) for name, table in TABLES.items()}  # GET /Things(5) and the like, without a scope


def row_decoder(entity: EntityType, dialect: Dialect, offset: int = 0) -> Decoder:
    """Records from rows whose columns from `offset` on are `raw_columns(TABLES[entity.name])`."""
    key = (entity.name, dialect.name, offset)
    decoder = _decoders.get(key)
    if decoder is None:
        decoder = _decoders[key] = _make_decoder(entity, dialect, offset)
    return decoder


def _make_decoder(entity: EntityType, dialect: Dialect, offset: int) -> Decoder:
    """The decoder as one generated expression (a dict display), as `dataclasses` makes its
    methods: no loop and no branch per property at run time."""
    table = TABLES[entity.name]
    names: dict[str, Any] = {"Interval": Interval, "decode_result": decode_result}
    values: dict[str, str] = {}  # column -> expression of its domain value
    for i, column in enumerate(table.c):
        cell = f"row[{offset + i}]"
        convert = _converter(column.type, dialect) if isinstance(column.type, TypeDecorator) else None
        if convert is not None:
            names[f"c{i}"] = convert
            values[column.name] = f"(None if {cell} is None else c{i}({cell}))"
        else:
            values[column.name] = cell
    items = [f"'id': {values['id']}"]
    links = [f"{nav!r}: {values[column]}" for nav, column in _to_one(entity)]
    if links:
        items.append(f"'@links': {{{', '.join(links)}}}")
    for prop in entity.props:
        split = time_columns(entity, prop.name)
        if split:
            start, end = (values[c] for c in split)
            raw_start, raw_end = (f"row[{offset + list(table.c.keys()).index(c)}]" for c in split)
            same = f"{raw_end} is None or {raw_start} == {raw_end}" if prop.kind == Kind.TIME else f"{raw_end} is None"
            value = f"(None if {raw_start} is None else {start} if {same} else Interval({start}, {end}))"
        elif prop.name == "result":
            value = f"decode_result({values['result_type']}, {values['result_number']}, {values['result_string']}, {values['result_json']})"
        elif prop.name == "observedArea":
            names["area"] = observed_area
            value = f"area({', '.join(values['area_' + n] for n in ('minx', 'miny', 'maxx', 'maxy'))})"
        else:
            value = values[COLUMN_NAMES.get(prop.name, prop.name)]
        items.append(f"{prop.name!r}: {value}")
    source = f"def decode(row):\n    return {{{', '.join(items)}}}\n"
    exec(source, names)  # noqa: S102 - source made above from the schema, no outside input
    return names["decode"]  # type: ignore[no-any-return]


def _converter(column_type: TypeDecorator[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What the type's `process_result_value` does to a value that is not NULL (None: nothing),
    specialised where the stored form is known (see store/types.py)."""
    if isinstance(column_type, UtcTimestamp):
        if dialect.name == "sqlite":
            return from_micros  # BIGINT microseconds
        return lambda value: value.astimezone(UTC)  # timestamptz: an aware datetime
    if isinstance(column_type, JsonText):
        return orjson.loads if dialect.name == "sqlite" else None  # TEXT; jsonb is decoded by the driver
    process = column_type.process_result_value
    return lambda value: process(value, dialect)


def _to_one(entity: EntityType) -> list[tuple[str, str]]:
    """(to-one navigation property, its foreign key column) of an entity type, in JOINS order."""
    return [(nav, join.column) for (source, nav), join in JOINS.items() if source == entity.name and join.kind == "fk_here"]
