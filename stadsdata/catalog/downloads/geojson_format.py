"""A download as GeoJSON (RFC 7946): a FeatureCollection with one Feature per Observation at its
Thing's Location, the properties named as the columns of `columns.py` (the result as its JSON
value), written chunk by chunk. The licence and attribution are members of the collection
(`license`, `attribution`, and per dataset `datasets`), as RFC 7946 §6.1 allows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from stadsdata.catalog.downloads.chunks import Chunk
from stadsdata.catalog.downloads.columns import iso
from stadsdata.catalog.downloads.streams import Stream
from stadsdata.catalog.downloads.terms import Terms
from stadsdata.store.base import ObservationChunkRow

MEDIA_TYPE = "application/geo+json"


def geojson_body(chunks: Iterable[Chunk], streams: Mapping[tuple[str, int], Stream], terms: Terms) -> Iterator[bytes]:
    head = {"type": "FeatureCollection", "license": terms.license, "attribution": terms.attribution, "datasets": terms.as_json()}
    yield orjson.dumps(head)[:-1] + b',"features":['
    first = True
    for kind, rows in chunks:
        features = b",".join(_features(kind, rows, streams))
        yield features if first else b"," + features
        first = False
    yield b"]}"


def _features(kind: str, rows: list[ObservationChunkRow], streams: Mapping[tuple[str, int], Stream]) -> Iterator[bytes]:
    stream_id = None
    geometry = b"null"
    head: dict[str, Any] = {}
    for row in rows:
        if row.stream_id != stream_id:
            stream_id = row.stream_id
            stream = streams[(kind, stream_id)]
            geometry = orjson.dumps(stream.geometry)
            ids = {"datastream_id": stream.id, "multi_datastream_id": None} if kind == "Datastream" else {
                "datastream_id": None, "multi_datastream_id": stream.id}  # fmt: skip
            head = {**ids, "datastream": stream.name, "observed_property": stream.observed_property, "unit": stream.unit}
        start, end = row.phenomenon_time_start, row.phenomenon_time_end
        properties = {
            "observation_id": row.id, **head, "phenomenon_time": iso(start), "phenomenon_time_end": None if end == start else iso(end),
            "result_time": None if row.result_time is None else iso(row.result_time), "result": row.result,
        }  # fmt: skip
        yield b'{"type":"Feature","id":%d,"geometry":%s,"properties":%s}' % (row.id, geometry, orjson.dumps(properties))
