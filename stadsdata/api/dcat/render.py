"""RDF documents as bytes, each built and serialised once per distinct content: the key is what the
document is made from (the entries it describes, the catalog's facts, the paging, the base URL
and the format), so callers who are shown the same thing — every anonymous harvester — share
one rendering, and nothing rendered for one caller is served to another who is shown less.
The key's digest is also the document's ETag."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph

from stadsdata.api.dcat.datasets import described
from stadsdata.api.dcat.negotiation import RdfFormat
from stadsdata.api.dcat.vocab import PREFIXES
from stadsdata.catalog.entries import CatalogEntry

JSONLD_CONTEXT = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str


def fingerprint(entry: CatalogEntry) -> str:
    """What of an entry its DCAT description is made from (`datasets.described`)."""
    return repr(described(entry))


def serialise(graph: Graph, fmt: RdfFormat) -> bytes:
    if fmt.rdflib_format == "json-ld":
        text = graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    else:
        text = graph.serialize(format=fmt.rdflib_format)
    return text.encode("utf-8")


class Renderer:
    """A small LRU of rendered documents — at most `size` of them and `max_bytes` together — safe
    across the server's threads."""

    def __init__(self, size: int = 128, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.size, self.max_bytes = size, max_bytes
        self._done: OrderedDict[str, Rendered] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def render(self, key: tuple[Any, ...], fmt: RdfFormat, build: Callable[[], Graph]) -> Rendered:
        digest = hashlib.sha256(repr((fmt, key)).encode("utf-8")).hexdigest()
        with self._lock:
            if digest in self._done:
                self._done.move_to_end(digest)
                return self._done[digest]
        rendered = Rendered(serialise(build(), fmt), f'"{digest[:32]}"')
        with self._lock:
            if digest not in self._done:
                self._done[digest] = rendered
                self._bytes += len(rendered.body)
            while self._done and (len(self._done) > self.size or self._bytes > self.max_bytes):
                _, evicted = self._done.popitem(last=False)
                self._bytes -= len(evicted.body)
        return rendered
