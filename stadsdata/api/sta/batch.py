"""Batch requests (OGC 18-088 §11.2, following OData 4.0 §11.7 and OData 4.01 JSON §19).

`handle_batch` accepts both batch formats and answers in the format it was sent:

* ``application/json``: the OData 4.01 JSON batch format (`batch_json`);
* ``multipart/mixed; boundary=...``: the OData 4.0 multipart format (`batch_multipart`).

Both parsers turn the document into a list of `BatchUnit`s (one stand-alone request, or one
atomicity group / change set) which the shared executor below runs in document order.
The HTTP layer supplies two callables:

* ``run(SubRequest) -> SubResponse`` executes one request and never raises for request
  errors (a 4xx/5xx status is an error). A `ProblemError` it raises anyway is turned into an
  error response for that request. For stand-alone requests `run` manages its own
  transaction; inside ``atomic()`` it must join the open one.
* ``atomic()`` opens one database transaction; an exception escaping it rolls it back.

Choices made where the specifications leave room:

* A unit fails when any of its responses has status >= 400. A failed atomicity group /
  change set is rolled back by raising an internal exception out of ``atomic()``; execution
  of the group stops at the first failing request. In the JSON format every request of the
  group is reported with the failing request's status and body (OData 4.01 JSON §19.5 says
  all of them are considered failed). In the multipart format the whole change set is
  answered by one ``application/http`` part with that error (OData 4.0 §11.7.4).
* A `ProblemError` raised by ``atomic()`` itself (e.g. on commit) fails the group with that
  problem; any other exception from ``run`` or ``atomic`` propagates (a server bug).
* ``$<id>`` references: a relative URL whose first segment is ``$<id>`` (and not a system
  resource such as ``$metadata``) is replaced by the entity URL (``Location`` header, else the
  ``@iot.selfLink`` of a JSON body) of the earlier response with that id. ``"@iot.id":
  "$<id>"`` anywhere in a JSON body becomes the key of that entity. JSON batches can
  reference any earlier request; multipart batches only earlier requests of the same change
  set (OData 4.0 §11.7.3.1). An unknown reference, or one without an entity URL, fails that
  request with 400; a reference to a failed request fails it with 424.
* By default every unit is executed even after failures (``continue-on-error=true``). Pass
  ``continue_on_error=False`` (e.g. when the client did not send ``Prefer:
  odata.continue-on-error`` to a multipart batch) to stop after the first failed unit; units
  after it are then neither executed nor reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import orjson

from stadsdata.errors import PROBLEM_JSON, ProblemError, UnsupportedMediaType

Run = Callable[["SubRequest"], "SubResponse"]
Atomic = Callable[[], AbstractContextManager[None]]

JSON_MEDIA_TYPE = "application/json"
MULTIPART_MIXED = "multipart/mixed"
METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
SYSTEM_RESOURCES = frozenset({"$batch", "$crossjoin", "$all", "$entity", "$root", "$id", "$metadata"})

_PARAM_RE = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_KEY_RE = re.compile(r"\(([^()]*)\)$")
_INT_RE = re.compile(r"-?\d+")


@dataclass
class SubRequest:
    """One request of a batch, ready to execute."""

    id: str | None  # JSON "id" or multipart Content-ID
    method: str  # upper-case
    url: str  # as given, with $<id> references already substituted
    headers: dict[str, str]  # lower-case keys
    body: bytes | None
    atomicity_group: str | None


@dataclass
class SubResponse:
    """The response to one request of a batch."""

    status: int
    headers: dict[str, str]  # lower-case keys; 'location' for 201s, 'content-type'
    body: bytes | None


@dataclass
class BatchItem:
    """A parsed request before execution: URL and body may still hold ``$<id>`` references."""

    request: SubRequest
    depends_on: tuple[str, ...] = ()
    preset: SubResponse | None = None  # a response decided while parsing; not executed


@dataclass
class BatchUnit:
    """A stand-alone request (``atomic`` false, one item) or an atomicity group/change set."""

    items: list[BatchItem]
    atomic: bool = False
    name: str | None = None  # the JSON atomicityGroup, usable in dependsOn


@dataclass
class UnitResult:
    """The responses of one unit, in item order; `failure` is set for a failed atomic unit."""

    unit: BatchUnit
    responses: list[SubResponse] = field(default_factory=list)
    failure: SubResponse | None = None

    @property
    def failed(self) -> bool:
        return self.failure is not None or any(r.status >= 400 for r in self.responses)


def handle_batch(
    body: bytes,
    content_type: str,
    run: Run,
    atomic: Atomic,
    *,
    max_requests: int = 1000,
    continue_on_error: bool = True,
) -> tuple[str, bytes]:
    """Execute a batch document and return (response content type, response body).

    Raises `UnsupportedMediaType` for a content type other than JSON or multipart/mixed and
    `BadRequest` for a malformed document or more than `max_requests` requests; nothing is
    executed in either case.
    """
    # The format modules import the dataclasses above, so they are imported here.
    from stadsdata.api.sta import batch_json, batch_multipart

    mime, params = parse_media_type(content_type or "")
    data = bytes(body)
    if mime == JSON_MEDIA_TYPE:
        units = batch_json.parse(data, max_requests)
        results = execute(units, run, atomic, scoped_refs=False, continue_on_error=continue_on_error)
        return JSON_MEDIA_TYPE, batch_json.render(results)
    if mime == MULTIPART_MIXED:
        units = batch_multipart.parse(data, params.get("boundary"), max_requests)
        results = execute(units, run, atomic, scoped_refs=True, continue_on_error=continue_on_error)
        return batch_multipart.render(results)
    raise UnsupportedMediaType(
        f"batch requests must be {JSON_MEDIA_TYPE} or {MULTIPART_MIXED}, not {content_type!r}",
        field="Content-Type",
    )


# --- media types and error responses -------------------------------------------------------


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type/subtype; k=v; k="v"`` into the lower-case type and its parameters."""
    mime, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM_RE.finditer(";" + rest):
        raw = match.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[match.group(1).lower()] = raw
    return mime.strip().lower(), params


def is_json_media_type(mime: str) -> bool:
    """True for application/json and its ``+json`` relatives (e.g. problem+json)."""
    return mime == JSON_MEDIA_TYPE or (mime.startswith("application/") and mime.endswith("+json"))


def problem_response(status: int, detail: str) -> SubResponse:
    """An error response with an RFC 9457 problem+json body, rendered as every other error."""
    error = ProblemError(detail, status=status)
    try:
        error.title = HTTPStatus(status).phrase
    except ValueError:
        error.title = "Error"
    return _problem_from_error(error)


def _problem_from_error(exc: ProblemError) -> SubResponse:
    return SubResponse(exc.status, {"content-type": PROBLEM_JSON}, orjson.dumps(exc.to_problem()))


# --- $<id> references ------------------------------------------------------------------------


class _ReferenceError(Exception):
    """A request cannot be executed because of its references; carries its response."""

    def __init__(self, response: SubResponse) -> None:
        super().__init__(response.status)
        self.response = response


def split_reference(url: str) -> tuple[str, str] | None:
    """``"$1/Datastreams"`` -> ``("1", "/Datastreams")``; None when the URL has no reference."""
    if not url.startswith("$"):
        return None
    end = len(url)
    for sep in "/?#(":
        pos = url.find(sep)
        if pos != -1:
            end = min(end, pos)
    if url[:end] in SYSTEM_RESOURCES or end == 1:
        return None
    return url[1:end], url[end:]


def entity_url(response: SubResponse) -> str | None:
    """The URL of the entity a response created or returned."""
    location = response.headers.get("location")
    if location:
        return location
    if response.body and b"@iot.selfLink" in response.body:
        try:
            doc = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return None
        link = doc.get("@iot.selfLink") if isinstance(doc, dict) else None
        return link if isinstance(link, str) and link else None
    return None


def entity_key(url: str) -> int | str | None:
    """The key of the last ``(…)`` segment: ``…/Things(5)`` -> 5, ``…/Things('a')`` -> 'a'."""
    path = url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    match = _KEY_RE.search(path)
    if match is None:
        return None
    key = unquote(match.group(1))
    if _INT_RE.fullmatch(key):
        return int(key)
    if len(key) >= 2 and key[0] == key[-1] == "'":
        return key[1:-1].replace("''", "'")
    return key or None


def _iter_containers(doc: Any) -> Iterator[Any]:
    """All dicts and lists of a parsed JSON document, without recursion."""
    stack = [doc]
    while stack:
        node = stack.pop()
        yield node
        values = node.values() if isinstance(node, dict) else node
        stack.extend(v for v in values if isinstance(v, (dict, list)))


# --- execution -----------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised out of ``atomic()`` to roll back a failed group."""

    def __init__(self, response: SubResponse) -> None:
        super().__init__(response.status)
        self.response = response


def execute(
    units: list[BatchUnit],
    run: Run,
    atomic: Atomic,
    *,
    scoped_refs: bool,
    continue_on_error: bool = True,
) -> list[UnitResult]:
    """Run the units in order. `scoped_refs`: ``$<id>`` only reaches the same atomic unit."""
    return _Executor(run, atomic, scoped_refs).execute(units, continue_on_error)


class _Executor:
    def __init__(self, run: Run, atomic: Atomic, scoped_refs: bool) -> None:
        self.run = run
        self.atomic = atomic
        self.scoped_refs = scoped_refs
        self.done: dict[str, SubResponse] = {}  # final responses by request id
        self.failed_groups: set[str] = set()

    def execute(self, units: list[BatchUnit], continue_on_error: bool) -> list[UnitResult]:
        results: list[UnitResult] = []
        for unit in units:
            result = self._atomic_unit(unit) if unit.atomic else self._plain_unit(unit)
            results.append(result)
            for item, response in zip(unit.items, result.responses):
                if item.request.id is not None:
                    self.done[item.request.id] = response
            if result.failure is not None and unit.name is not None:
                self.failed_groups.add(unit.name)
            if result.failed and not continue_on_error:
                break
        return results

    def _plain_unit(self, unit: BatchUnit) -> UnitResult:
        return UnitResult(unit, [self._one(item, {}) for item in unit.items])

    def _atomic_unit(self, unit: BatchUnit) -> UnitResult:
        local: dict[str, SubResponse] = {}
        responses: list[SubResponse] = []
        try:
            with self.atomic():
                for item in unit.items:
                    response = self._one(item, local)
                    if response.status >= 400:
                        raise _Rollback(response)
                    responses.append(response)
                    if item.request.id is not None:
                        local[item.request.id] = response
        except _Rollback as rollback:
            failure = rollback.response
        except ProblemError as exc:  # raised by atomic() itself, e.g. on commit
            failure = _problem_from_error(exc)
        else:
            return UnitResult(unit, responses)
        return UnitResult(unit, [failure] * len(unit.items), failure)

    def _one(self, item: BatchItem, local: dict[str, SubResponse]) -> SubResponse:
        if item.preset is not None:
            return item.preset
        failed = self._failed_dependency(item, local)
        if failed is not None:
            return problem_response(424, f"request depends on failed request or group {failed!r}")
        try:
            request = self._resolve(item.request, local)
        except _ReferenceError as exc:
            return exc.response
        try:
            return self.run(request)
        except ProblemError as exc:
            return _problem_from_error(exc)

    def _lookup(self, ref: str, local: dict[str, SubResponse]) -> SubResponse | None:
        found = local.get(ref)
        if found is None and not self.scoped_refs:
            found = self.done.get(ref)
        return found

    def _failed_dependency(self, item: BatchItem, local: dict[str, SubResponse]) -> str | None:
        for dep in item.depends_on:
            if dep in self.failed_groups:
                return dep
            response = local.get(dep) or self.done.get(dep)
            if response is not None and response.status >= 400:
                return dep
        return None

    def _target_url(self, ref: str, local: dict[str, SubResponse]) -> str:
        target = self._lookup(ref, local)
        if target is None:
            raise _ReferenceError(problem_response(400, f"unknown request reference '${ref}'"))
        if target.status >= 400:
            raise _ReferenceError(problem_response(424, f"referenced request '{ref}' failed"))
        url = entity_url(target)
        if url is None:
            raise _ReferenceError(problem_response(400, f"referenced request '{ref}' returned no entity URL"))
        return url

    def _resolve(self, request: SubRequest, local: dict[str, SubResponse]) -> SubRequest:
        url = request.url
        reference = split_reference(url)
        if reference is not None:
            url = self._target_url(reference[0], local) + reference[1]
        body = self._resolve_body(request, local)
        if url == request.url and body is request.body:
            return request
        return SubRequest(request.id, request.method, url, request.headers, body, request.atomicity_group)

    def _resolve_body(self, request: SubRequest, local: dict[str, SubResponse]) -> bytes | None:
        body = request.body
        if body is None or b'"$' not in body:
            return body
        ctype = request.headers.get("content-type")
        if ctype is not None and not is_json_media_type(parse_media_type(ctype)[0]):
            return body
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body  # `run` reports the syntax error
        changed = False
        for node in _iter_containers(doc):
            value = node.get("@iot.id") if isinstance(node, dict) else None
            if isinstance(value, str) and len(value) > 1 and value.startswith("$"):
                node["@iot.id"] = self._target_key(value[1:], local)
                changed = True
        if not changed:
            return body
        try:
            return orjson.dumps(doc)
        except orjson.JSONEncodeError:
            raise _ReferenceError(problem_response(400, "request body is nested too deeply")) from None

    def _target_key(self, ref: str, local: dict[str, SubResponse]) -> int | str:
        key = entity_key(self._target_url(ref, local))
        if key is None:
            raise _ReferenceError(problem_response(400, f"no entity id in the URL of referenced request '{ref}'"))
        return key
