"""Which SensorThings requests are answered on the event loop instead of in a worker thread
(`routes.py`), where the store can run a transaction that does not wait (`Store.without_waiting`,
SQLite): those whose work is bounded and small, so that the loop is never held for long.

- `GET` of one entity by id (`Things(5)`), without `$expand`;
- `POST` of one Observation (`Observations`, `Datastreams(5)/Observations`,
  `MultiDatastreams(5)/Observations`) of at most `MAX_BODY` bytes;
- with no credentials, an API key, or a session cookie — never Basic (argon2 is slow on
  purpose) nor an OpenID Connect token (its keys may have to be fetched).

Everything else (collections, `$expand`, `$batch`, `CreateObservations`, other writes) goes to
a worker thread."""

from __future__ import annotations

import re
from collections.abc import Mapping

from stadsdata.api.sta.requests import StaRequest

MAX_BODY = 16 * 1024
_ONE_ENTITY = re.compile(r"^[A-Za-z]+\(\d+\)$")
_ONE_OBSERVATION = re.compile(r"^(?:(?:Multi)?Datastreams\(\d+\)/)?Observations$")


def bounded(request: StaRequest, headers: Mapping[str, str]) -> bool:
    """Whether the request is small and bounded enough to be answered on the event loop."""
    path = request.path.strip("/")
    if request.method == "GET":
        query = request.query_string.lower()
        if not _ONE_ENTITY.match(path) or "expand" in query:
            return False
    elif request.method == "POST":
        if len(request.body) > MAX_BODY or not _ONE_OBSERVATION.match(path):
            return False
    else:
        return False
    authorization = headers.get("authorization")
    return authorization is None or authorization[:11].lower() == "bearer sdk_"
