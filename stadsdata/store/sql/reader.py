"""Reads: one SQL query per request plus one per `$expand` level (never one per entity).

Written once against SQLAlchemy Core; backends pass their connection and dialect hooks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from stadsdata.errors import BadRequest
from stadsdata.model.entities import ENTITY_TYPES, EntityType
from stadsdata.query.ast import Expand, OrderBy, Path, QueryOptions, StreamDatasets
from stadsdata.store.base import ParentRef, ReadRequest, ReadResult, Record, ScopeFn
from stadsdata.store.schema import JOINS, TABLES
from stadsdata.store.sql.codec import record_from_row
from stadsdata.store.sql.filter import FilterCompiler

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
        compiler = self.compiler(req.scope)
        conditions = self._conditions(compiler, entity, table, opts, req.parent)
        if req.id is not None:
            conditions.append(table.c.id == req.id)
        count = None
        if opts.count and req.id is None:
            count = self._count(req, table, conditions)
        top = req.top
        stmt = (
            select(table)
            .where(*conditions)
            .order_by(*_link_rank(req.parent, table, opts), *self._order(compiler, entity, table, opts.orderby))
            .limit(top + 1)
            .offset(opts.skip)
        )
        rows = self.conn.execute(stmt).mappings().all()
        has_more = len(rows) > top
        records = [record_from_row(entity, row) for row in rows[:top]]
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
            base = select(parent_col.label("_parent"), table).select_from(source).where(*conditions)
            if not many:
                for row in self.conn.execute(base).mappings():
                    by_parent[row["_parent"]].append(record_from_row(target, row))
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
            for row in self.conn.execute(stmt).mappings():
                if row["_rn"] > opts.skip + top:
                    more.add(row["_parent"])
                    continue
                by_parent[row["_parent"]].append(record_from_row(target, row))
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
        target = ENTITY_TYPES["Observation"]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            stmt = (
                select(stream.c.id.label("_parent"), stream.c.observation_count.label("_count"), obs)
                .select_from(stream.join(obs, latest_observation_join(obs, stream)))
                .where(stream.c.id.in_(chunk))
            )
            for row in self.conn.execute(stmt).mappings():
                by_parent[row["_parent"]].append(record_from_row(target, row))
                if row["_count"] > 1:
                    more.add(row["_parent"])
                if count:
                    counts[row["_parent"]] = row["_count"]


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
