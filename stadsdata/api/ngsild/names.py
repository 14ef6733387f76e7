"""The store's ObservedProperty names, as the mapping rule reads them (`pushdown.Names`), kept
between requests: reading the distinct names is a pass over every ObservedProperty (an entity
created over NGSI-LD makes one per attribute), so they are read again only when an
ObservedProperty was added (its newest id changed: one indexed read per request), renamed in this
process (a commit listener), or after `MAX_AGE` seconds (a rename through another process sharing
the database is seen within that time)."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence

from stadsdata.api.ngsild.pushdown import Names
from stadsdata.model.entities import OBSERVED_PROPERTY
from stadsdata.query.ast import OrderBy, Path, QueryOptions
from stadsdata.store.base import Change, ReadRequest, Store, Transaction

MAX_AGE = 60.0  # seconds
_NEWEST = QueryOptions(select=["id"], orderby=[OrderBy(Path(("id",)), descending=True)])


class NamesCache:
    def __init__(self, store: Store) -> None:
        self.lock = threading.Lock()
        self.key: tuple[int | None, float] | None = None
        self.names: Names | None = None
        store.add_commit_listener(self.changed)

    def changed(self, changes: Sequence[Change]) -> None:
        if any(c.entity == OBSERVED_PROPERTY.name and c.kind != "create" for c in changes):
            with self.lock:
                self.names = None

    def get(self, tx: Transaction) -> Names:
        records = tx.read(ReadRequest(OBSERVED_PROPERTY, _NEWEST, top=1)).records
        newest = int(records[0]["id"]) if records else None
        now = time.monotonic()
        with self.lock:
            if (
                self.names is not None
                and self.key is not None
                and self.key[0] == newest
                and now - self.key[1] < MAX_AGE
            ):
                return self.names
        names = Names(tx.observed_property_names())
        with self.lock:
            self.names, self.key = names, (newest, now)
        return names


_caches: weakref.WeakKeyDictionary[Store, NamesCache] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def names_of(store: Store, tx: Transaction) -> Names:
    """The names, from the cache of this store (made on first use)."""
    with _lock:
        cache = _caches.get(store)
        if cache is None:
            cache = _caches[store] = NamesCache(store)
    return cache.get(tx)
