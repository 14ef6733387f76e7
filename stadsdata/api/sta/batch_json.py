"""The OData 4.01 JSON batch format (OData JSON Format 4.01 §19), used by `batch.handle_batch`.

Request: ``{"requests": [{"id", "method", "url", "headers", "body", "atomicityGroup",
"dependsOn"}]}``; response: ``{"responses": [{"id", "atomicityGroup", "status", "headers",
"body"}]}`` in request order.

Leniencies and choices: ``id`` may be omitted (such a request cannot be referenced) and may
be given as an integer; header names are lower-cased; a request without ``content-type`` but
with a body is sent as ``application/json``. ``dependsOn`` must name preceding requests or
atomicity groups (not the request's own group). The ``if`` member is not supported: such a
request is not executed and answers 424 (as §19.1 prescribes for unsupported dependencies).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from stadsdata.api.sta.batch import (
    METHODS,
    BatchItem,
    BatchUnit,
    SubRequest,
    SubResponse,
    UnitResult,
    is_json_media_type,
    parse_media_type,
    problem_response,
)
from stadsdata.errors import BadRequest


def parse(data: bytes, max_requests: int) -> list[BatchUnit]:
    """Parse a JSON batch document into units (adjacent atomicity group members form one)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"batch request is not valid JSON: {exc}", field="body") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("requests"), list):
        raise BadRequest("batch request must be an object with a 'requests' array", field="requests")
    requests = doc["requests"]
    if len(requests) > max_requests:
        raise BadRequest(
            f"batch has {len(requests)} requests, at most {max_requests} are allowed",
            field="requests",
        )
    return _Parser().parse(requests)


class _Parser:
    """Validates request objects one by one, tracking ids and groups seen so far."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.groups: set[str] = set()
        self.closed_groups: set[str] = set()
        self.units: list[BatchUnit] = []

    def parse(self, requests: list[Any]) -> list[BatchUnit]:
        for index, obj in enumerate(requests):
            item = self._item(obj, f"requests[{index}]")
            self._add(item, f"requests[{index}]")
        clash = self.ids & self.groups
        if clash:
            raise BadRequest(f"atomicityGroup {min(clash)!r} is also a request id", field="requests")
        return self.units

    def _current_group(self) -> str | None:
        last = self.units[-1] if self.units else None
        return last.name if last is not None and last.atomic else None

    def _add(self, item: BatchItem, where: str) -> None:
        group = item.request.atomicity_group
        current = self._current_group()
        if group is not None and group == current:
            self.units[-1].items.append(item)
            return
        if current is not None:
            self.closed_groups.add(current)
        if group is None:
            self.units.append(BatchUnit([item]))
            return
        if group in self.closed_groups:
            raise BadRequest(
                f"requests of atomicityGroup {group!r} must be adjacent",
                field=f"{where}.atomicityGroup",
            )
        self.groups.add(group)
        self.units.append(BatchUnit([item], atomic=True, name=group))

    def _item(self, obj: Any, where: str) -> BatchItem:
        if not isinstance(obj, dict):
            raise BadRequest("a request must be a JSON object", field=where)
        rid = self._id(obj.get("id"), where)
        method = obj.get("method")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise BadRequest(f"method must be one of {', '.join(sorted(METHODS))}", field=f"{where}.method")
        url = obj.get("url")
        if not isinstance(url, str) or not url.strip():
            raise BadRequest("url must be a non-empty string", field=f"{where}.url")
        headers = _headers(obj.get("headers"), f"{where}.headers")
        body = _body(obj.get("body"), method.upper(), headers, f"{where}.body")
        group = obj.get("atomicityGroup")
        if group is not None and (not isinstance(group, str) or not group):
            raise BadRequest("atomicityGroup must be a non-empty string", field=f"{where}.atomicityGroup")
        depends_on = self._depends_on(obj.get("dependsOn"), group, f"{where}.dependsOn")
        request = SubRequest(rid, method.upper(), url, headers, body, group)
        preset = None
        if obj.get("if") is not None:
            preset = problem_response(424, "the 'if' member of batch requests is not supported")
        if rid is not None:
            self.ids.add(rid)
        return BatchItem(request, depends_on, preset)

    def _id(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            raise BadRequest("id must be a non-empty string", field=f"{where}.id")
        if value in self.ids:
            raise BadRequest(f"duplicate request id {value!r}", field=f"{where}.id")
        return value

    def _depends_on(self, value: Any, group: str | None, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRequest("dependsOn must be an array of strings", field=where)
        current = self._current_group()
        visible = self.closed_groups | ({current} if current not in (None, group) else set())
        for dep in value:
            if dep not in self.ids and dep not in visible:
                raise BadRequest(
                    f"dependsOn {dep!r} is not the id or atomicityGroup of a preceding request",
                    field=where,
                )
        return tuple(value)


def _headers(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise BadRequest("headers must be an object of strings", field=where)
    return {name.lower(): text for name, text in value.items()}


def _body(value: Any, method: str, headers: dict[str, str], where: str) -> bytes | None:
    """Encode a request body: JSON for JSON media types, text for text/*, else base64url."""
    if value is None:
        return None
    if method in ("GET", "DELETE"):
        raise BadRequest(f"a {method} request must not have a body", field=where)
    ctype = headers.get("content-type")
    mime = parse_media_type(ctype)[0] if ctype is not None else "application/json"
    if is_json_media_type(mime):
        headers.setdefault("content-type", "application/json")
        try:
            return orjson.dumps(value)
        except orjson.JSONEncodeError:
            raise BadRequest("body is nested too deeply", field=where) from None
    if not isinstance(value, str):
        raise BadRequest(f"the body of a {mime} request must be a string", field=where)
    try:
        if mime.startswith("text/"):
            return value.encode()
        return base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (UnicodeError, ValueError, binascii.Error):
        raise BadRequest(f"body is not valid for media type {mime}", field=where) from None


def render(results: list[UnitResult]) -> bytes:
    """Serialize unit results as a JSON batch response."""
    out = []
    for result in results:
        for item, response in zip(result.unit.items, result.responses):
            out.append(_response_object(item.request, response))
    return orjson.dumps({"responses": out})


def _response_object(request: SubRequest, response: SubResponse) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    if request.id is not None:
        obj["id"] = request.id
    if request.atomicity_group is not None:
        obj["atomicityGroup"] = request.atomicity_group
    obj["status"] = response.status
    headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "content-length"}
    if headers:
        obj["headers"] = headers
    if response.body:
        obj["body"] = _body_value(response.body, headers.get("content-type"))
    return obj


def _body_value(body: bytes, ctype: str | None) -> Any:
    """The JSON value of a response body: JSON as is, text as a string, else base64url."""
    mime = parse_media_type(ctype)[0] if ctype is not None else None
    if mime is None or is_json_media_type(mime):
        try:
            orjson.loads(body)
            return orjson.Fragment(body)
        except orjson.JSONDecodeError:
            pass
    if mime is None or mime.startswith("text/") or is_json_media_type(mime):
        try:
            return body.decode()
        except UnicodeDecodeError:
            pass
    return base64.urlsafe_b64encode(body).decode("ascii")
