"""datastore_search: the observations behind a DataStore resource, read through the caller's read
scope like every SensorThings read, and audited like one (`access.audit_stream_reads`).

Two kinds of resource are in the DataStore (`packages.py`):
- a dataset's CSV resource (`<dataset id>-csv`): the observations of every Datastream of the
  dataset the caller may read. The dataset is listed, so the resource exists for everyone who is
  shown the dataset: a caller who may not read its data gets `Authorization Error` (403);
- a Datastream's resource (`datastream-<id>`), listed only to who may read the Datastream: to
  anyone else it does not exist (`Not Found Error`, as SensorThings answers 404).
Other resources are not in the DataStore (`Not Found Error`, as CKAN says of them)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, urlencode

from stadsdata.access.audit import audited_read
from stadsdata.api.ckan import datastore_query as dq
from stadsdata.api.ckan.context import Context
from stadsdata.api.ckan.errors import AuthorizationError, NotFoundError, ValidationError, invalid
from stadsdata.api.ckan.packages import DATASTORE_DISTRIBUTION, parse_resource_id
from stadsdata.api.ckan.params import Params
from stadsdata.errors import NotFound
from stadsdata.model.entities import DATASTREAM, OBSERVATION
from stadsdata.model.values import format_time
from stadsdata.query.ast import Expr, Literal, QueryOptions
from stadsdata.store.base import ParentRef, ReadRequest, Record

LIMIT_DEFAULT, LIMIT_MAX = 100, 32_000
KNOWN = {"resource_id", "id", "filters", "q", "full_text", "plain", "language", "limit", "offset", "fields", "sort",
         "distinct", "include_total", "total_estimation_threshold", "records_format", "include_next_page"}  # fmt: skip
FORMATS = ("objects", "lists", "csv", "tsv")
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def datastore_search(context: Context, params: Params) -> dict[str, Any]:
    """Search the observations of a DataStore resource.

    :param resource_id: the id of the resource: a dataset's CSV resource or a Datastream's
    :type resource_id: string
    :param filters: conditions on _id, datastream, phenomenonTime, resultTime, result, e.g.
        {"result": {"gte": 10}} or {"phenomenonTime": {"gte": "2026-05-01T00:00:00Z"}} (optional)
    :type filters: dictionary
    :param q: observations whose result contains each word of this text (optional)
    :type q: string or dictionary
    :param limit: the most records to return (optional, default: 100, at most 32000)
    :type limit: int
    :param offset: skip this many records (optional)
    :type offset: int
    :param fields: the fields to return (optional, default: all), a list or comma-separated
    :param sort: comma-separated fields with asc or desc, e.g. "phenomenonTime desc" (default: _id)
    :param include_total: count all matching records (optional, default: true)
    :param records_format: 'objects' (default), 'lists', 'csv' or 'tsv'
    :param include_next_page: with the sort on _id, a filter for the next page (default: false)

    :rtype: a dict with fields, records, total, limit and _links
    """
    unknown = params.unknown(KNOWN)
    if unknown:
        raise ValidationError({"__junk": [f"The input field {name} was not expected." for name in unknown]})
    resource_id = params.required("resource_id") if params.given("resource_id") else params.required("id", "resource_id")
    limit = params.integer("limit", LIMIT_DEFAULT, maximum=LIMIT_MAX)
    offset = params.integer("offset")
    include_total = params.boolean("include_total", True)
    records_format = params.text("records_format") or "objects"
    if records_format not in FORMATS:
        raise invalid("records_format", f"Value must be one of {list(FORMATS)}")
    if params.boolean("distinct"):
        raise invalid("distinct", "distinct is not supported")
    params.boolean("plain", True)
    condition = dq.Filters().parse(params.json("filters"))
    search = dq.text_search(_q(params), params.text("full_text"))
    order = dq.sort_order(params.string_list("sort", split_commas=True))
    fields = dq.chosen_fields(params.string_list("fields", split_commas=True))

    streams, single = _streams(context, resource_id)
    options = QueryOptions(filter=_and(condition, search), orderby=dq.order_by(order), skip=offset, count=include_total)
    records, total, numeric = _read(context, streams, single, options, limit)

    out: dict[str, Any] = {
        "resource_id": resource_id, "fields": [{"id": f, "type": _type(f, numeric)} for f in fields],
        "records": _format([[_value(r, f) for f in fields] for r in records], fields, records_format),
        "limit": limit, "include_total": include_total, "records_format": records_format,
        "total_estimation_threshold": None, "_links": _links(context, offset, limit),
    }  # fmt: skip
    if include_total:
        out |= {"total": total, "total_was_estimated": False}
    for name in ("filters", "q", "sort", "offset", "full_text"):
        if params.given(name):
            out[name] = params.json("filters") if name == "filters" else _q(params) if name == "q" else params.data[name]
    if params.boolean("include_next_page") and order == [("_id", order[0][1])] and records:
        out["next_page"] = {"_id": {"lt" if order[0][1] else "gt": records[-1]["id"]}}
    return out


def _q(params: Params) -> Any:
    """q as text, or as an object when it is JSON text of one (CKAN's unicode_or_json_validator)."""
    value = params.data.get("q")
    if isinstance(value, str) and value.strip().startswith("{"):
        return params.json("q")
    return value


def _streams(context: Context, resource_id: str) -> tuple[list[int], bool]:
    """The Datastreams whose observations the resource holds, and whether it is one Datastream's
    (its visibility is decided in the read, by the read scope)."""
    ref = parse_resource_id(resource_id)
    if ref is not None and ref.datastream_id is not None:
        return [ref.datastream_id], True
    if ref is None or ref.dataset_id is None or ref.key != DATASTORE_DISTRIBUTION:
        raise NotFoundError(f'Resource "{resource_id}" was not found.')
    try:
        entry = context.platform.catalog.entry(context.caller, ref.dataset_id)
    except NotFound:
        raise NotFoundError(f'Resource "{resource_id}" was not found.') from None
    if not entry.readable:
        raise AuthorizationError(
            f"the data of dataset {entry.name!r} ({entry.access_level}) is not yours to read: "
            "ask its owner for a grant, or agree to its offer"
        )
    return [s.id for s in entry.datastreams], False  # MultiDatastreams are not in the DataStore


def _and(*parts: Expr | None) -> Expr | None:
    present = [p for p in parts if p is not None]
    return dq.balanced("and", present) if present else None


def _read(context: Context, streams: list[int], single: bool, options: QueryOptions, limit: int) -> tuple[list[Record], int, bool]:
    """(records, total, whether the results are measurements: numbers)."""
    platform, caller = context.platform, context.caller
    access = platform.core.access
    if not streams:
        return [], 0, False
    with audited_read(platform.store) as (tx, events):
        scope = access.read_scope(caller, tx)
        numeric = False
        parent = None
        if single:
            found = tx.read(ReadRequest(DATASTREAM, QueryOptions(), id=streams[0], top=1, scope=scope)).records
            if not found:
                raise NotFoundError(f'Resource "datastream-{streams[0]}" was not found.')
            numeric = found[0].get("observationType") == MEASUREMENT
            parent = ParentRef(DATASTREAM, streams[0], "Observations")
        else:
            ids = [Literal(i, "int") for i in streams]
            options.filter = _and(dq.any_of(("Datastream", "id"), ids), options.filter)
        result = tx.read(ReadRequest(OBSERVATION, options, parent=parent, top=limit, max_top=LIMIT_MAX, scope=scope))
        seen = Counter(("Datastream", int(r["@links"]["Datastream"])) for r in result.records)
        request = f"{context.method} {context.path}" + (f"?{context.query}" if context.query else "")
        events += access.audit_stream_reads(caller, tx, seen, request[:2000])
    return result.records, result.count or 0, numeric


def _value(record: Record, name: str) -> Any:
    if name == "_id":
        return record["id"]
    if name == "datastream":
        return record["@links"]["Datastream"]
    if name in ("phenomenonTime", "resultTime", "validTime"):
        return format_time(record.get(name))
    return record.get(name)


def _type(name: str, numeric: bool) -> str:
    return {"_id": "int", "datastream": "int", "result": "numeric" if numeric else "json", "resultQuality": "json",
            "parameters": "json"}.get(name, "text")  # fmt: skip


def _format(rows: list[list[Any]], fields: list[str], records_format: str) -> Any:
    if records_format == "objects":
        return [dict(zip(fields, row)) for row in rows]
    if records_format == "lists":
        return rows
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n")
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, dict | list) else value


def _links(context: Context, offset: int, limit: int) -> dict[str, str]:
    """CKAN's (2.9-2.11) links to the first and the next page: this request's URL with offset."""
    query = [(k, v) for k, v in parse_qsl(context.query, keep_blank_values=True) if k != "offset"]
    start = f"{context.path}?{urlencode(query)}" if query else context.path
    return {"start": start, "next": f"{context.path}?{urlencode([*query, ('offset', str(offset + limit))])}"}

