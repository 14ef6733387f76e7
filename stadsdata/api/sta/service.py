"""The SensorThings face as one callable: `StaService.handle(StaRequest) -> StaResponse`.

HTTP routes, `$batch` sub-requests (and later MQTT) all come through here, so that every
request takes the same path through access control and the store."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from urllib.parse import urlsplit

import orjson

from stadsdata.access.audit import RecordingTransaction, audited_read
from stadsdata.access.policy import AccessPolicy
from stadsdata.access.pseudonyms import Pseudonymiser
from stadsdata.api.sta.aggregates import answer_aggregates, is_aggregates
from stadsdata.api.sta.batch import SubRequest, SubResponse, handle_batch
from stadsdata.api.sta.paths import parse_path
from stadsdata.api.sta.reading import Reader
from stadsdata.api.sta.requests import StaRequest, StaResponse
from stadsdata.api.sta.root import service_root_document
from stadsdata.api.sta.writing import Writer
from stadsdata.errors import (
    PROBLEM_JSON,
    BadRequest,
    Conflict,
    InsufficientStorage,
    MethodNotAllowed,
    ProblemError,
    ServiceUnavailable,
)
from stadsdata.query.limits import DEFAULT_LIMITS, QueryLimits
from stadsdata.service.context import WriteContext, write_context
from stadsdata.store.base import Store, Transaction
from stadsdata.store.errors import (
    Busy,
    Collided,
    ConstraintViolated,
    InvalidValue,
    StorageFull,
    TimedOut,
    TooComplex,
    Unavailable,
    WouldWait,
)

log = logging.getLogger(__name__)


_ATTEMPTS = 3


class _Collided(Exception):
    """The database aborted the request's transaction (deadlock or serialization failure)."""


class StaService:
    def __init__(
        self, store: Store, access: AccessPolicy, *, default_top: int = 100, max_top: int = 10_000, max_batch: int = 1000,
        query_limits: QueryLimits = DEFAULT_LIMITS,
        pseudonymiser: Pseudonymiser | None = None, aggregate_max_buckets: int = 100_000,
    ) -> None:  # fmt: skip
        self.store = store
        self.aggregate_max_buckets = aggregate_max_buckets  # of the Aggregates extension (aggregates.py)
        self.pseudonymiser = pseudonymiser
        self.access = access
        self.reader = Reader(default_top=default_top, max_top=max_top, limits=query_limits)
        self.writer = Writer(access)
        self.max_batch = max_batch

    def handle(self, req: StaRequest) -> StaResponse:
        """Run one request; raises ProblemError for client errors (rendered by the caller).

        A request whose transaction the database aborted to break a deadlock or a serialization
        conflict (e.g. two writers creating the same time partition while holding each other's
        rows) is run again, up to `_ATTEMPTS` times: its transaction rolled back completely.
        Not a `$batch` (its committed change sets must not run twice) nor a request inside an
        open transaction (a change set's sub-request): those answer 503 with Retry-After."""
        attempt = 1
        while True:
            try:
                return self._handle_once(req)
            except _Collided as exc:
                retryable = req.path.strip("/") != "$batch" and not self.store.in_transaction()
                if not retryable or attempt >= _ATTEMPTS:
                    raise ServiceUnavailable(
                        "the change collided with a concurrent one; try again", extra={"retryAfter": 1}
                    ) from None
                log.info("retrying after the database aborted the transaction (%s)", exc)
                attempt += 1

    def _handle_once(self, req: StaRequest) -> StaResponse:
        try:
            return self._dispatch(req)
        except ConstraintViolated as exc:
            log.info("constraint violation: %s", exc.detail)
            raise Conflict("the change conflicts with existing data (a constraint was violated)") from None
        except InvalidValue as exc:
            # PostgreSQL type checks: a comparison of text with a number, an overflow, a division
            # by zero. These come from the client's query, not from the server.
            log.info("query rejected by the database: %s", exc.detail)
            field = next((name for name in ("$filter", "$orderby", "$expand") if name in req.params), None)
            raise BadRequest(f"the database cannot evaluate this query: {exc.detail}", field=field) from None
        except Collided as exc:
            raise _Collided(exc.detail) from None
        except StorageFull as exc:
            log.error("the database's disk is full: %s", exc.detail)
            raise InsufficientStorage(
                "the server's disk is full: nothing of this request was stored; try again later", extra={"retryAfter": 60}
            ) from None
        except WouldWait:
            raise  # the caller runs it again where it may wait (routes.py)
        except Busy:
            raise ServiceUnavailable("the database is busy; try again", extra={"retryAfter": 1}) from None
        except TimedOut:
            raise ServiceUnavailable("the query took too long and was cancelled", extra={"retryAfter": 5}) from None
        except TooComplex as exc:
            raise BadRequest(f"the query is too complex for the database ({exc.detail})") from None
        except Unavailable as exc:
            log.warning("database unavailable: %s", exc.detail)
            raise ServiceUnavailable("the database is unavailable; try again", extra={"retryAfter": 5}) from None

    def _dispatch(self, req: StaRequest) -> StaResponse:
        path = req.path.strip("/")
        method = req.method.upper()
        if path == "":
            if method != "GET":
                raise MethodNotAllowed("the service root is read-only")
            req.authenticated()
            return StaResponse(200, service_root_document(req.service_root, req.version, req.mqtt_endpoints))
        if path == "$batch":
            if method != "POST":
                raise MethodNotAllowed("$batch takes POST")
            req.authenticated()
            return self._batch(req)
        if path == "CreateObservations":
            if method != "POST":
                raise MethodNotAllowed("CreateObservations takes POST")
            with self.store.write() as tx:
                req.authenticated()  # in the request's transaction (`StaRequest.credentials`)
                return self.writer.create_observations(self._write_context(tx, req), req)
        if is_aggregates(path):  # an extension, not a standard part (aggregates.py)
            return answer_aggregates(self.store, self.access, req, self.aggregate_max_buckets)
        resource = parse_path(path, version=req.version)
        if method == "GET":
            with audited_read(self.store) as (tx, events):  # no unrecorded read of non-public data
                req.authenticated()
                recording = RecordingTransaction(tx)
                response = self.reader.get(recording, req, resource, self.access.read_scope(req.caller, tx))  # type: ignore[arg-type]
                request = f"GET /v{req.version}/{req.path}" + (f"?{req.query_string}" if req.query_string else "")
                events += self.access.audit_events(req.caller, tx, recording.results, request)
            return response
        with self.store.write() as tx:
            req.authenticated()
            ctx = self._write_context(tx, req)
            scope = ctx.scope
            if method == "POST":
                return self.writer.post(ctx, req, resource, scope)
            if method in ("PATCH", "PUT"):
                return self.writer.update(ctx, req, resource, scope)
            if method == "DELETE":
                return self.writer.delete(ctx, req, resource, scope)
        raise MethodNotAllowed(f"{method} is not supported here")

    def _write_context(self, tx: Transaction, req: StaRequest) -> WriteContext:
        return write_context(self.access, req.caller, tx, pseudonymiser=self.pseudonymiser, version=req.version)

    # -- $batch -------------------------------------------------------------------------------
    def _batch(self, req: StaRequest) -> StaResponse:
        def run(sub: SubRequest) -> SubResponse:
            path, query = _relative(sub.url, req)
            if path.strip("/") == "$batch":  # no nesting: it would escape max_batch and recurse
                raise BadRequest("a batch request cannot contain another $batch request", field="url")
            inner = StaRequest(
                method=sub.method,
                path=path,
                query_string=query,
                body=sub.body or b"",
                content_type=sub.headers.get("content-type", "application/json"),
                version=req.version,
                service_root=req.service_root,
                caller=req.caller,
                mqtt_endpoints=req.mqtt_endpoints,
            )
            return to_sub_response(self, inner)

        content_type, body = handle_batch(req.body, req.content_type, run, self._atomic, max_requests=self.max_batch)
        return StaResponse(200, body, content_type=content_type)

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        with self.store.write():
            yield

    def atomic(self) -> AbstractContextManager[None]:
        return self._atomic()


def to_sub_response(service: StaService, req: StaRequest) -> SubResponse:
    try:
        response = service.handle(req)
    except ProblemError as exc:
        return SubResponse(exc.status, {"content-type": PROBLEM_JSON}, orjson.dumps(exc.to_problem()))
    headers = {k.lower(): v for k, v in response.headers.items()}
    if response.body is not None:
        headers["content-type"] = response.content_type
    return SubResponse(response.status, headers, response.body_bytes() if response.body is not None else None)


def _relative(url: str, req: StaRequest) -> tuple[str, str]:
    """A batch sub-request URL (relative, absolute path or full URL) as (path after the version, query)."""
    parts = urlsplit(url)
    path = parts.path
    root_path = urlsplit(req.service_root).path.rstrip("/")  # e.g. /v1.1 or /prefix/v1.1
    version_prefix = "/v" + req.version
    if path in (root_path, version_prefix, version_prefix.lstrip("/")):  # the service root itself
        return "", parts.query
    if root_path and path.startswith(root_path + "/"):
        path = path[len(root_path) + 1 :]
    elif path.startswith(version_prefix.lstrip("/") + "/"):
        path = path[len(version_prefix) :]
    elif path.startswith(version_prefix + "/"):
        path = path[len(version_prefix) + 1 :]
    return path.lstrip("/"), parts.query
