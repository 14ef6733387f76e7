"""`Downloads`: a dataset's observations, or those of any selection of streams, as CSV, GeoJSON or
Parquet (optionally bundled in a zip with a README and a datapackage.json).

Everything that can refuse a download is decided before its first byte — the selection
(`selection.py`), whether the caller may read the dataset (the catalog's listing rule and the
caller's rights: a dataset the caller is not shown is not found; one it is shown but may not read
needs credentials (401) or a grant, agreement or consent (403)), which streams exist for the caller
(`streams.py`), and GeoJSON's size. Then the body is streamed chunk by chunk (`chunks.py`), each
chunk audited before it is sent."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import ceil

from stadsdata.access.policy import AccessPolicy, Caller
from stadsdata.catalog.catalog import Catalog
from stadsdata.catalog.downloads import csv_format, geojson_format, parquet_format
from stadsdata.catalog.downloads.bundle import About, bundle
from stadsdata.catalog.downloads.chunks import ObservationChunks
from stadsdata.catalog.downloads.selection import Selection
from stadsdata.catalog.downloads.streams import Stream, visible_streams
from stadsdata.catalog.downloads.terms import Source, Terms, source_of, unassigned
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.errors import BadRequest, Forbidden, NotFound, Unauthorized
from stadsdata.store.base import Store, StreamExtent, Transaction

MEDIA_TYPES = {"csv": csv_format.MEDIA_TYPE, "geojson": geojson_format.MEDIA_TYPE, "parquet": parquet_format.MEDIA_TYPE}
ZIP = "application/zip"


@dataclass(frozen=True)
class Download:
    """What a download answers: its file name, media type, headers (`Link` to the licence) and the
    body, produced as it is read."""

    filename: str
    media_type: str
    body: Iterable[bytes]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    chunk_rows: int = 10_000  # observations read (and audited) per chunk
    max_rows: int = 1_000_000  # observations in a GeoJSON download
    default_level: str = "public"  # access level of streams in no dataset (their licence)


class Downloads:
    def __init__(self, store: Store, access: AccessPolicy, catalog: Catalog, limits: Limits) -> None:
        self.store, self.access, self.catalog, self.limits = store, access, catalog, limits

    def of_dataset(self, caller: Caller, dataset_id: int, selection: Selection, request: str, base_url: str) -> Download:
        """The dataset's streams (those the caller may read of it), narrowed by the selection."""
        entry = self.catalog.entry(caller, dataset_id)
        _require_readable(caller, entry, None)
        return self._download(caller, selection, request, base_url, {entry.id: entry}, [entry.id], entry.name, entry.title)

    def of_selection(self, caller: Caller, selection: Selection, request: str, base_url: str) -> Download:
        """Any selection of streams across datasets."""
        if not selection.names_streams:
            raise BadRequest("name what to download: datastreams, multiDatastreams, dataset, observedProperty or bbox", field="datastreams")
        entries = {e.id: e for e in self.catalog.entries(caller)}
        chosen = None
        if selection.datasets:
            chosen = [_named(entries, key).id for key in selection.datasets]
            for dataset_id in chosen:
                _require_readable(caller, entries[dataset_id], "dataset")
        title = ", ".join(entries[d].title for d in chosen) if chosen else "A selection of observations"
        name = entries[chosen[0]].name if chosen and len(chosen) == 1 else "stadsdata-download"
        return self._download(caller, selection, request, base_url, entries, chosen, name, title)

    def _download(
        self, caller: Caller, selection: Selection, request: str, base_url: str, entries: dict[int, CatalogEntry],
        dataset_ids: Sequence[int] | None, name: str, title: str,
    ) -> Download:  # fmt: skip
        with self.store.read_only() as tx:
            streams = visible_streams(tx, self.access.read_scope(caller, tx), selection, dataset_ids)
            if selection.format == "geojson":
                self._check_size(tx, streams, selection)
        terms = self._terms(streams, entries, dataset_ids)
        chunks = ObservationChunks(self.store, self.access, caller, streams, selection.start, selection.end, self.limits.chunk_rows, request)
        body = _body(selection.format, chunks, {(s.kind, s.id): s for s in streams}, terms)
        filename, media_type = f"{_safe(name)}.{selection.format}", MEDIA_TYPES[selection.format]
        headers = {"Link": terms.link_header()} if terms.sources else {}
        if selection.bundle:
            about = About(_safe(name), title, selection.format, media_type, request, datetime.now(UTC), terms, f"{base_url}/api/v1/catalog/")
            body, filename, media_type = bundle(iter(body), about), f"{_safe(name)}.zip", ZIP
        return Download(filename, media_type, body, headers)

    def _terms(self, streams: Sequence[Stream], entries: dict[int, CatalogEntry], dataset_ids: Sequence[int] | None) -> Terms:
        """The terms of the datasets the streams come from (of the datasets asked for, when no stream is selected)."""
        sources: dict[int | None, Source] = {}
        for dataset_id in {s.dataset_id for s in streams} | set(dataset_ids or ()):
            if dataset_id is None:
                sources[None] = unassigned(self.limits.default_level)
            elif dataset_id in entries:
                sources[dataset_id] = source_of(entries[dataset_id])
        return Terms.of(sources.values())

    def _check_size(self, tx: Transaction, streams: Sequence[Stream], selection: Selection) -> None:
        """GeoJSON is read whole by its readers: refuse more than `max_rows` observations, as the
        per-stream summaries estimate them (exact when the range covers whole streams)."""
        total = 0
        for kind in ("Datastream", "MultiDatastream"):
            ids = [s.id for s in streams if s.kind == kind]
            if ids:
                total += sum(_estimate(e, selection.start, selection.end) for e in tx.access.stream_extents(kind, ids).values())
        if total > self.limits.max_rows:
            raise BadRequest(
                f"about {total} observations selected, more than the {self.limits.max_rows} a GeoJSON download holds (its readers load it "
                "whole): ask for format=csv or parquet, or narrow the selection (from, to, datastreams, bbox)", field="format",
            )  # fmt: skip


def _body(format: str, chunks: ObservationChunks, streams: dict[tuple[str, int], Stream], terms: Terms) -> Iterator[bytes]:
    if format == "csv":
        return csv_format.csv_body(chunks, streams)
    if format == "geojson":
        return geojson_format.geojson_body(chunks, streams, terms)
    return parquet_format.parquet_body(chunks, streams, terms)


def _named(entries: dict[int, CatalogEntry], key: str) -> CatalogEntry:
    for entry in entries.values():
        if entry.name == key or str(entry.id) == key:
            return entry
    raise NotFound(f"no dataset {key[:100]!r} in the catalog", field="dataset")


def _require_readable(caller: Caller, entry: CatalogEntry, field: str | None) -> None:
    """A dataset the caller is shown but may not read: 401 without credentials, else 403."""
    if entry.readable:
        return
    if caller.subject is None:
        raise Unauthorized(f"dataset {entry.name!r} is {entry.access_level}: downloading it needs credentials", field=field)
    raise Forbidden(
        f"dataset {entry.name!r} is {entry.access_level}: downloading it needs a grant, an agreement (ask through its offers) or its "
        "owner's consent", field=field,
    )  # fmt: skip


def _estimate(extent: StreamExtent, start: datetime | None, end: datetime | None) -> int:
    """About how many of the stream's observations fall in [start, end): its count times the part
    of its time extent the range covers."""
    if not extent.observation_count or extent.start is None or extent.end is None:
        return 0
    low = extent.start if start is None else max(start, extent.start)
    high = extent.end if end is None else min(end, extent.end)
    if (end is not None and extent.start >= end) or (start is not None and extent.end < start):
        return 0
    span = (extent.end - extent.start).total_seconds()
    if span <= 0 or (low == extent.start and high == extent.end):
        return extent.observation_count
    return ceil(extent.observation_count * max(0.0, (high - low).total_seconds()) / span)


def _safe(name: str) -> str:
    """A file name of letters, digits, '.', '_' and '-' only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "download"
