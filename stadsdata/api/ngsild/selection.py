"""Answering an entity query from the store: the query as SQL conditions (`pushdown.py`), the
count and the page selected in SQL under the caller's read scope (`Transaction.count_things`,
`find_things`), then only the page's Things read with their latest values and mapped
(`Transaction.latest_values`, audited as every read of them).

Where the store cannot decide every entity (`Pushed.exact` is false), the Things that surely
match are taken as they are and the others are mapped and filtered with `EntityQuery.keeps`,
in id order, chunk by chunk, until the page is full (or, with `count=true`, to the end)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from stadsdata.access.audit import audited_read
from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.api.ngsild.entities import Source, normalized, sources
from stadsdata.api.ngsild.names import names_of
from stadsdata.api.ngsild.pushdown import Pushed, push_down
from stadsdata.api.ngsild.retrieval import EntityQuery
from stadsdata.store.base import ScopeFn, Store, Transaction
from stadsdata.store.thing_query import ThingIdAtMost, all_of

CHUNK = 500  # candidates read at a time when some are filtered in the server


@dataclass(frozen=True)
class Selection:
    page: list[Source]
    count: int | None  # how many match in all (with count=true)
    more: bool  # another page follows

    @property
    def total(self) -> int:
        """What the paging links need: the count, else at least the end of this page (+1 if more)."""
        return self.count if self.count is not None else len(self.page) + (1 if self.more else 0)


def select(store: Store, access: AccessPolicy, caller: Caller, request: str, query: EntityQuery) -> Selection:
    with audited_read(store) as (tx, events):
        scope = access.read_scope(caller, tx)
        pushed = push_down(query, names_of(store, tx))
        ids, count, more = _page(tx, scope, pushed, query)
        rows = tx.latest_values(scope, thing_ids=ids) if ids else []
        seen = Counter({("Datastream", r.datastream_id): 1 for r in rows if r.phenomenon_time is not None})
        if seen:
            events += access.audit_stream_reads(caller, tx, seen, request)
    return Selection(sources(rows), count, more)


def _page(tx: Transaction, scope: ScopeFn, pushed: Pushed, query: EntityQuery) -> tuple[list[int], int | None, bool]:
    """(the page's Thing ids, the count when asked, whether more follow)."""
    end = query.offset + query.limit
    if not pushed.exact:
        # `sure` is the answer up to the page's end (everywhere, for a count) when no candidate
        # there is in doubt; else the candidates are decided one by one
        found = [] if query.count else tx.find_things(scope, pushed.sure, limit=end + 1)
        doubt = all_of(pushed.doubt, pushed.maybe)
        if len(found) == end + 1:
            doubt = all_of(doubt, ThingIdAtMost(found[-1].id))
        if tx.find_things(scope, doubt, limit=1):
            matched = _filtered(tx, scope, pushed, query, None if query.count else end + 1)
            return matched[query.offset : end], len(matched) if query.count else None, len(matched) > end
        if not query.count:
            return [m.id for m in found[query.offset : end]], None, len(found) > end
    count = tx.count_things(scope, pushed.sure).total if query.count else None
    if query.limit == 0:
        return [], count, False
    found = tx.find_things(scope, pushed.sure, offset=query.offset, limit=query.limit + 1)
    return [m.id for m in found[: query.limit]], count, len(found) > query.limit


def _filtered(tx: Transaction, scope: ScopeFn, pushed: Pushed, query: EntityQuery, enough: int | None) -> list[int]:
    """The ids of the Things that match, in order (at least `enough` of them when there are)."""
    matched: list[int] = []
    after: int | None = None
    while enough is None or len(matched) < enough:
        size = CHUNK if enough is None else min(CHUNK, max(enough - len(matched), 20))  # sure ones: no more than needed
        chunk = tx.find_things(scope, pushed.maybe, sure=pushed.sure, after=after, limit=size)
        if not chunk:
            break
        unsure = [m.id for m in chunk if not m.sure]
        mapped = sources(tx.latest_values(scope, thing_ids=unsure)) if unsure else []
        kept = {s.thing_id for s in mapped if query.keeps(s, normalized(s))}
        matched += [m.id for m in chunk if m.sure or m.id in kept]
        after = chunk[-1].id
    return matched
