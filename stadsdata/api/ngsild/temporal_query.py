"""Query the temporal evolution of entities (clause 6.18.3.2, `GET /temporal/entities`): the
entities an entity query selects (type, id, idPattern, attrs, q, geo-query; limit/offset and
count, answered by the store as for `GET /entities`: `selection.py`), each with its history as
the temporal retrieval of one entity gives it (`temporal.py`: timerel/timeAt/endTimeAt, attrs,
lastN, options=temporalValues, aggrMethods/aggrPeriodDuration from the rollups)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from stadsdata.access.policy import Caller
from stadsdata.api.ngsild import selection
from stadsdata.api.ngsild.retrieval import EntityQuery, entity_query
from stadsdata.api.ngsild.temporal import temporal_entity, temporal_options
from stadsdata.platform import Platform


def temporal_query(
    platform: Platform, caller: Caller, params: QueryParams, request: str
) -> tuple[list[dict[str, Any]], selection.Selection, EntityQuery]:
    """(the page of temporal entities, the selection it came from, the query)."""
    query = entity_query(params)
    checked = temporal_options(params)  # refused before anything is read
    found = selection.select(platform.store, platform.core.access, caller, request, query)
    return [temporal_entity(platform, caller, source, params, checked) for source in found.page], found, query
