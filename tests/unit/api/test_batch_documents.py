"""Tests for SensorThings batch requests (stadsdata.api.sta.batch and its two formats)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest

from stadsdata.api.sta.batch import (
    SubRequest,
    SubResponse,
    entity_key,
    handle_batch,
    parse_media_type,
    split_reference,
)
from stadsdata.errors import BadRequest, Conflict, NotFound, UnsupportedMediaType

JSON = "application/json"
BASE = "http://x/v1.1"


# --- fakes ---------------------------------------------------------------------------------


class FakeService:
    """A `run` that records requests and answers like a tiny SensorThings service.

    POST creates ``<last segment>(N)``; GET answers 200; PATCH 200; DELETE 204. A URL
    containing ``999`` answers 404, a body containing ``"invalid"`` answers 400.
    """

    def __init__(self) -> None:
        self.calls: list[SubRequest] = []
        self.next_id = 0

    def __call__(self, request: SubRequest) -> SubResponse:
        self.calls.append(request)
        if "999" in request.url:
            return _problem(404, "no such entity")
        if request.body and b"invalid" in request.body:
            return _problem(400, "invalid entity")
        if request.method == "POST":
            self.next_id += 1
            collection = request.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            location = f"{BASE}/{collection}({self.next_id})"
            body = orjson.dumps({"@iot.id": self.next_id, "@iot.selfLink": location})
            return SubResponse(201, {"location": location, "content-type": JSON}, body)
        if request.method == "GET":
            return SubResponse(200, {"content-type": JSON}, b'{"value": []}')
        if request.method == "PATCH":
            return SubResponse(200, {"content-type": JSON}, b'{"name": "patched"}')
        return SubResponse(204, {}, None)

    @property
    def seen(self) -> list[tuple[str, str]]:
        return [(c.method, c.url) for c in self.calls]


def _problem(status: int, detail: str) -> SubResponse:
    body = orjson.dumps({"type": "about:blank", "status": status, "detail": detail})
    return SubResponse(status, {"content-type": "application/problem+json"}, body)


class FakeTransactions:
    """An `atomic` that records begin/commit/rollback."""

    def __init__(self, fail_commit: Exception | None = None) -> None:
        self.events: list[str] = []
        self.fail_commit = fail_commit

    @contextmanager
    def __call__(self) -> Iterator[None]:
        self.events.append("begin")
        try:
            yield
        except BaseException:
            self.events.append("rollback")
            raise
        if self.fail_commit is not None:
            self.events.append("rollback")
            raise self.fail_commit
        self.events.append("commit")


@pytest.fixture
def service() -> FakeService:
    return FakeService()


@pytest.fixture
def tx() -> FakeTransactions:
    return FakeTransactions()


def run_json(doc: Any, service: FakeService, tx: FakeTransactions, **kw: Any) -> list[dict]:
    content_type, body = handle_batch(orjson.dumps(doc), JSON, service, tx, **kw)
    assert content_type == JSON
    return orjson.loads(body)["responses"]


# --- a small, independent reader for multipart responses -----------------------------------


def split_parts(body: bytes, boundary: str) -> list[bytes]:
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode())
    assert chunks[-1].startswith(b"--"), "missing closing delimiter"
    return [chunk.removeprefix(b"\r\n") for chunk in chunks[1:-1]]


def split_headers(block: bytes) -> dict[str, str]:
    headers = {}
    for line in block.decode().split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def read_part(part: bytes) -> dict[str, Any]:
    head, _, content = part.partition(b"\r\n\r\n")
    mime = split_headers(head)
    if mime["content-type"].startswith("multipart/mixed"):
        boundary = mime["content-type"].split("boundary=")[1]
        return {"changeset": [read_part(p) for p in split_parts(content, boundary)]}
    assert mime["content-type"] == "application/http"
    assert mime["content-transfer-encoding"] == "binary"
    status_block, _, body = content.partition(b"\r\n\r\n")
    status_line, _, header_block = status_block.partition(b"\r\n")
    version, status, _reason = status_line.decode().split(" ", 2)
    assert version == "HTTP/1.1"
    headers = split_headers(header_block) if header_block else {}
    if body:
        assert int(headers["content-length"]) == len(body)
    return {
        "content-id": mime.get("content-id"),
        "status": int(status),
        "headers": headers,
        "body": body,
    }


def read_multipart(content_type: str, body: bytes) -> list[dict[str, Any]]:
    mime, params = parse_media_type(content_type)
    assert mime == "multipart/mixed"
    assert b"\n" not in body.replace(b"\r\n", b""), "response must use CRLF only"
    return [read_part(p) for p in split_parts(body, params["boundary"])]


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def run_multipart(
    text: str, service: FakeService, tx: FakeTransactions, *, line_end: str = "\r\n", **kw: Any
) -> list[dict[str, Any]]:
    data = text.replace("\n", line_end).encode()
    content_type, body = handle_batch(data, "multipart/mixed; boundary=batch_1", service, tx, **kw)
    return read_multipart(content_type, body)


# --- JSON batches --------------------------------------------------------------------------


def test_json_get_post_patch_delete(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "g", "method": "get", "url": "Things?$top=1"},
            {
                "id": "p",
                "method": "post",
                "url": "v1.1/Things",
                "headers": {"Prefer": "return=representation"},
                "body": {"name": "lamp post 7"},
            },
            {"id": "u", "method": "PATCH", "url": "/v1.1/Things(1)", "body": {"name": "x"}},
            {"id": "d", "method": "delete", "url": "http://x/v1.1/Things(1)"},
        ]
    }
    responses = run_json(doc, service, tx)

    assert service.seen == [
        ("GET", "Things?$top=1"),
        ("POST", "v1.1/Things"),
        ("PATCH", "/v1.1/Things(1)"),
        ("DELETE", "http://x/v1.1/Things(1)"),
    ]
    post = service.calls[1]
    assert post.id == "p" and post.atomicity_group is None
    assert post.headers == {"prefer": "return=representation", "content-type": JSON}
    assert orjson.loads(post.body) == {"name": "lamp post 7"}
    assert service.calls[0].body is None and service.calls[0].headers == {}
    assert tx.events == []  # stand-alone requests run without a batch transaction

    assert [r["id"] for r in responses] == ["g", "p", "u", "d"]
    assert [r["status"] for r in responses] == [200, 201, 200, 204]
    assert responses[0]["body"] == {"value": []}
    assert responses[1]["headers"]["location"] == f"{BASE}/Things(1)"
    assert responses[1]["body"]["@iot.id"] == 1
    assert "body" not in responses[3] and "headers" not in responses[3]
    assert all("atomicityGroup" not in r for r in responses)


def test_json_atomicity_group_commits(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            {"id": "2", "method": "post", "url": "Sensors", "body": {}, "atomicityGroup": "g"},
            {"id": "3", "method": "get", "url": "Things"},
        ]
    }
    responses = run_json(doc, service, tx)
    assert tx.events == ["begin", "commit"]
    assert [r["status"] for r in responses] == [201, 201, 200]
    assert [r.get("atomicityGroup") for r in responses] == ["g", "g", None]
    assert [c.atomicity_group for c in service.calls] == ["g", "g", None]


def test_json_atomicity_group_rolls_back_and_all_members_get_the_error(
    service: FakeService, tx: FakeTransactions
) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            {"id": "2", "method": "patch", "url": "Things(999)", "body": {}, "atomicityGroup": "g"},
            {"id": "3", "method": "post", "url": "Sensors", "body": {}, "atomicityGroup": "g"},
            {"id": "4", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "h"},
        ]
    }
    responses = run_json(doc, service, tx)

    assert tx.events == ["begin", "rollback", "begin", "commit"]
    assert service.seen == [("POST", "Things"), ("PATCH", "Things(999)"), ("POST", "Things")]
    assert [r["id"] for r in responses] == ["1", "2", "3", "4"]
    assert [r["status"] for r in responses] == [404, 404, 404, 201]
    assert responses[0]["body"] == responses[1]["body"] == responses[2]["body"]
    assert responses[0]["body"]["detail"] == "no such entity"
    assert "location" not in responses[0]["headers"]


def test_json_atomicity_group_members_must_be_adjacent(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            {"id": "2", "method": "get", "url": "Things"},
            {"id": "3", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
        ]
    }
    with pytest.raises(BadRequest) as info:
        run_json(doc, service, tx)
    assert info.value.field == "requests[2].atomicityGroup"
    assert service.calls == [] and tx.events == []


def test_json_references_in_url_and_body(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "thing1", "method": "post", "url": "Things", "body": {"name": "t"}},
            {"id": "s", "method": "post", "url": "Sensors", "body": {"name": "s"}},
            {
                "id": "ds",
                "method": "post",
                "url": "$thing1/Datastreams",
                "dependsOn": ["thing1", "s"],
                "body": {
                    "name": "d",
                    "Sensor": {"@iot.id": "$s"},
                    "Observations": [{"result": 1, "FeatureOfInterest": {"@iot.id": "$thing1"}}],
                    "note": "$s stays a string",
                },
            },
            {"id": "o", "method": "get", "url": "$ds?$select=id"},
        ]
    }
    responses = run_json(doc, service, tx)

    assert [r["status"] for r in responses] == [201, 201, 201, 200]
    created = service.calls[2]
    assert created.url == f"{BASE}/Things(1)/Datastreams"
    assert orjson.loads(created.body) == {
        "name": "d",
        "Sensor": {"@iot.id": 2},
        "Observations": [{"result": 1, "FeatureOfInterest": {"@iot.id": 1}}],
        "note": "$s stays a string",
    }
    assert service.calls[3].url == f"{BASE}/Datastreams(3)?$select=id"


def test_json_reference_inside_atomicity_group(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            {
                "id": "2",
                "method": "post",
                "url": "Locations",
                "body": {"Things": [{"@iot.id": "$1"}]},
                "atomicityGroup": "g",
            },
        ]
    }
    responses = run_json(doc, service, tx)
    assert [r["status"] for r in responses] == [201, 201]
    assert orjson.loads(service.calls[1].body) == {"Things": [{"@iot.id": 1}]}
    assert tx.events == ["begin", "commit"]


def test_json_unknown_reference_fails_with_400(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "$nope/Datastreams", "body": {}},
            {
                "id": "2",
                "method": "post",
                "url": "Things",
                "body": {"Locations": [{"@iot.id": "$x"}]},
            },
        ]
    }
    responses = run_json(doc, service, tx)
    assert service.calls == []
    for response in responses:
        assert response["status"] == 400
        assert response["headers"]["content-type"] == "application/problem+json"
        assert response["body"]["type"] == "about:blank"
        assert response["body"]["title"] == "Bad Request"
        assert response["body"]["status"] == 400
    assert "$nope" in responses[0]["body"]["detail"]
    assert "$x" in responses[1]["body"]["detail"]


def test_json_unknown_reference_in_group_rolls_back(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            {"id": "2", "method": "post", "url": "$9/Locations", "body": {}, "atomicityGroup": "g"},
        ]
    }
    responses = run_json(doc, service, tx)
    assert tx.events == ["begin", "rollback"]
    assert [r["status"] for r in responses] == [400, 400]


def test_json_reference_to_failed_request_is_424(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "Things", "body": {"name": "invalid"}},
            {"id": "2", "method": "post", "url": "$1/Locations", "body": {}},
            {"id": "3", "method": "get", "url": "Things"},  # no Location to reference
            {"id": "4", "method": "get", "url": "$3/Datastreams"},
        ]
    }
    responses = run_json(doc, service, tx)
    assert [r["status"] for r in responses] == [400, 424, 200, 400]
    assert service.seen == [("POST", "Things"), ("GET", "Things")]


def test_json_reference_uses_self_link_of_a_get(service: FakeService, tx: FakeTransactions) -> None:
    def run(request: SubRequest) -> SubResponse:
        if request.url == "Things(7)":
            body = orjson.dumps({"@iot.id": 7, "@iot.selfLink": f"{BASE}/Things(7)"})
            return SubResponse(200, {"content-type": JSON}, body)
        return service(request)

    doc = {
        "requests": [
            {"id": "t", "method": "get", "url": "Things(7)"},
            {"id": "d", "method": "get", "url": "$t/Datastreams", "dependsOn": ["t"]},
        ]
    }
    content_type, body = handle_batch(orjson.dumps(doc), JSON, run, tx)
    assert [r["status"] for r in orjson.loads(body)["responses"]] == [200, 200]
    assert service.seen == [("GET", f"{BASE}/Things(7)/Datastreams")]


def test_json_system_resources_are_not_references(service: FakeService, tx: FakeTransactions) -> None:
    doc = {"requests": [{"id": "metadata", "method": "get", "url": "$metadata"}]}
    assert run_json(doc, service, tx)[0]["status"] == 200
    assert service.seen == [("GET", "$metadata")]


def test_json_depends_on(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "get", "url": "Things(999)"},
            {"id": "2", "method": "get", "url": "Things", "dependsOn": ["1"]},
            {"id": "3", "method": "get", "url": "Sensors"},
            {"id": "4", "method": "get", "url": "Sensors", "dependsOn": ["3"]},
            {"id": "5", "method": "get", "url": "Sensors", "dependsOn": ["3", "2"]},
            {
                "id": "6",
                "method": "post",
                "url": "Things(999)/x",
                "body": {},
                "atomicityGroup": "g",
            },
            {"id": "7", "method": "get", "url": "Things", "dependsOn": ["g"]},
            {"id": "8", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "h"},
            {"id": "9", "method": "get", "url": "Things", "dependsOn": ["h", "4"]},
        ]
    }
    responses = run_json(doc, service, tx)
    statuses = {r["id"]: r["status"] for r in responses}
    assert statuses == {
        "1": 404,
        "2": 424,
        "3": 200,
        "4": 200,
        "5": 424,
        "6": 404,
        "7": 424,
        "8": 201,
        "9": 200,
    }
    assert responses[1]["body"]["title"] == "Failed Dependency"
    assert "'1'" in responses[1]["body"]["detail"]
    assert len(service.calls) == 6  # 2, 5 and 7 were not executed


def test_json_failed_dependency_inside_group_rolls_it_back(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "delete", "url": "Things(999)"},
            {"id": "2", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            {
                "id": "3",
                "method": "post",
                "url": "Things",
                "body": {},
                "atomicityGroup": "g",
                "dependsOn": ["1"],
            },
        ]
    }
    responses = run_json(doc, service, tx)
    assert [r["status"] for r in responses] == [404, 424, 424]
    assert tx.events == ["begin", "rollback"]


@pytest.mark.parametrize(
    ("depends_on", "group"),
    [
        (["2"], None),  # forward reference
        (["nope"], None),  # unknown
        (["1"], None),  # itself
        (["g"], "g"),  # its own atomicity group
        ("0", None),  # not an array
        ([0], None),  # not strings
    ],
)
def test_json_invalid_depends_on(
    depends_on: Any, group: str | None, service: FakeService, tx: FakeTransactions
) -> None:
    request: dict[str, Any] = {"id": "1", "method": "get", "url": "Things", "dependsOn": depends_on}
    if group:
        request.update(method="post", body={}, atomicityGroup=group)
    doc = {
        "requests": [
            {"id": "0", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            request,
            {"id": "2", "method": "get", "url": "Things"},
        ]
    }
    with pytest.raises(BadRequest) as info:
        run_json(doc, service, tx)
    assert info.value.field == "requests[1].dependsOn"
    assert service.calls == []


def test_json_unsupported_if_member_is_424(service: FakeService, tx: FakeTransactions) -> None:
    doc = {"requests": [{"id": "1", "method": "get", "url": "Things", "if": "true"}]}
    assert run_json(doc, service, tx)[0]["status"] == 424
    assert service.calls == []


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (b"{", "body"),
        (b"\xff\xfe", "body"),
        (b"[]", "requests"),
        (b'{"requests": {}}', "requests"),
        (b'{"requests": [1]}', "requests[0]"),
        (b'{"requests": [{"url": "Things"}]}', "requests[0].method"),
        (b'{"requests": [{"method": "FETCH", "url": "Things"}]}', "requests[0].method"),
        (b'{"requests": [{"method": "get"}]}', "requests[0].url"),
        (b'{"requests": [{"method": "get", "url": ""}]}', "requests[0].url"),
        (b'{"requests": [{"method": "get", "url": 5}]}', "requests[0].url"),
        (b'{"requests": [{"id": true, "method": "get", "url": "T"}]}', "requests[0].id"),
        (
            b'{"requests": [{"id": "a", "method": "get", "url": "T"}, {"id": "a", "method": "get", "url": "T"}]}',
            "requests[1].id",
        ),
        (b'{"requests": [{"method": "get", "url": "T", "headers": []}]}', "requests[0].headers"),
        (
            b'{"requests": [{"method": "get", "url": "T", "headers": {"a": 1}}]}',
            "requests[0].headers",
        ),
        (b'{"requests": [{"method": "get", "url": "T", "body": {}}]}', "requests[0].body"),
        (
            b'{"requests": [{"method": "post", "url": "T", "atomicityGroup": 3}]}',
            "requests[0].atomicityGroup",
        ),
        (
            b'{"requests": [{"id": "g", "method": "post", "url": "T", "atomicityGroup": "g"}]}',
            "requests",
        ),
        (
            b'{"requests": [{"method": "post", "url": "T", "body": 5, "headers": {"content-type": "text/plain"}}]}',
            "requests[0].body",
        ),
        (
            b'{"requests": [{"method": "post", "url": "T", "body": "***", "headers": {"content-type": "image/png"}}]}',
            "requests[0].body",
        ),
        (
            b'{"requests": [{"method": "post", "url": "T", "body": ' + b"[" * 300 + b"]" * 300 + b"}]}",
            "requests[0].body",
        ),
    ],
)
def test_json_malformed_documents(document: bytes, field: str, service: FakeService, tx: FakeTransactions) -> None:
    with pytest.raises(BadRequest) as info:
        handle_batch(document, JSON, service, tx)
    assert info.value.field == field
    assert service.calls == []


def test_json_request_body_media_types(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {
                "method": "post",
                "url": "A",
                "headers": {"content-type": "text/csv"},
                "body": "a,b\n1,2",
            },
            {
                "method": "post",
                "url": "B",
                "headers": {"content-type": "application/octet-stream"},
                "body": "AP8",
            },
            {
                "method": "post",
                "url": "C",
                "headers": {"content-type": "application/geo+json"},
                "body": {"type": "Point"},
            },
            {"method": "post", "url": "D", "body": None},
        ]
    }
    responses = run_json(doc, service, tx)
    assert [c.body for c in service.calls] == [b"a,b\n1,2", b"\x00\xff", b'{"type":"Point"}', None]
    assert all("id" not in r for r in responses)


def test_json_response_body_media_types(tx: FakeTransactions) -> None:
    answers = {
        "text": SubResponse(200, {"Content-Type": "text/plain; charset=utf-8"}, "héllo".encode()),
        "binary": SubResponse(200, {"content-type": "image/png"}, b"\x89PNG"),
        "broken": SubResponse(500, {"content-type": JSON, "Content-Length": "3"}, b"{x}"),
        "none": SubResponse(200, {}, b'{"a": [1, 2]}'),
    }
    doc = {"requests": [{"id": k, "method": "get", "url": k} for k in answers]}
    _, body = handle_batch(orjson.dumps(doc), JSON, lambda r: answers[r.url], tx)
    responses = {r["id"]: r for r in orjson.loads(body)["responses"]}
    assert responses["text"]["body"] == "héllo"
    assert responses["text"]["headers"] == {"content-type": "text/plain; charset=utf-8"}
    assert responses["binary"]["body"] == "iVBORw=="
    assert responses["broken"]["body"] == "{x}"
    assert responses["broken"]["headers"] == {"content-type": JSON}
    assert responses["none"]["body"] == {"a": [1, 2]}


def test_json_integer_ids_are_accepted(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": 1, "method": "post", "url": "Things", "body": {}},
            {"id": 2, "method": "get", "url": "$1", "dependsOn": ["1"]},
        ]
    }
    responses = run_json(doc, service, tx)
    assert [r["id"] for r in responses] == ["1", "2"]
    assert service.calls[1].url == f"{BASE}/Things(1)"


def test_run_raising_a_problem_becomes_a_response(tx: FakeTransactions) -> None:
    def run(request: SubRequest) -> SubResponse:
        raise NotFound("gone", field="url")

    doc = {"requests": [{"id": "1", "method": "get", "url": "Things(1)"}]}
    _, body = handle_batch(orjson.dumps(doc), JSON, run, tx)
    response = orjson.loads(body)["responses"][0]
    assert response["status"] == 404
    assert response["body"]["detail"] == "gone" and response["body"]["field"] == "url"


def test_problem_raised_on_commit_fails_the_group(service: FakeService) -> None:
    tx = FakeTransactions(fail_commit=Conflict("constraint violated"))
    doc = {
        "requests": [
            {"id": "1", "method": "post", "url": "Things", "body": {}, "atomicityGroup": "g"},
            {"id": "2", "method": "get", "url": "Things", "dependsOn": ["g"]},
        ]
    }
    responses = run_json(doc, service, tx)
    assert [r["status"] for r in responses] == [409, 424]
    assert tx.events == ["begin", "rollback"]


def test_other_exceptions_propagate_and_roll_back(tx: FakeTransactions) -> None:
    def run(request: SubRequest) -> SubResponse:
        raise RuntimeError("bug")

    doc = {"requests": [{"method": "post", "url": "T", "body": {}, "atomicityGroup": "g"}]}
    with pytest.raises(RuntimeError):
        handle_batch(orjson.dumps(doc), JSON, run, tx)
    assert tx.events == ["begin", "rollback"]


def test_continue_on_error_false_stops_after_first_failure(service: FakeService, tx: FakeTransactions) -> None:
    doc = {
        "requests": [
            {"id": "1", "method": "get", "url": "Things"},
            {"id": "2", "method": "get", "url": "Things(999)"},
            {"id": "3", "method": "get", "url": "Things"},
        ]
    }
    responses = run_json(doc, service, tx, continue_on_error=False)
    assert [r["status"] for r in responses] == [200, 404]
    assert len(service.calls) == 2


# --- limits and media types ----------------------------------------------------------------


def test_too_many_requests(service: FakeService, tx: FakeTransactions) -> None:
    doc = {"requests": [{"method": "get", "url": "Things"}] * 3}
    with pytest.raises(BadRequest) as info:
        run_json(doc, service, tx, max_requests=2)
    assert info.value.field == "requests"
    assert len(run_json(doc, service, tx, max_requests=3)) == 3

    part = "--batch_1\nContent-Type: application/http\n\nGET Things HTTP/1.1\n\n"
    changeset = (
        "--batch_1\nContent-Type: multipart/mixed; boundary=cs\n\n"
        + "--cs\nContent-Type: application/http\n\nDELETE Things(1)\n\n" * 2
        + "--cs--\n"
    )
    with pytest.raises(BadRequest):
        run_multipart(part + changeset + "--batch_1--\n", service, tx, max_requests=2)
    assert len(run_multipart(part + changeset + "--batch_1--\n", service, tx, max_requests=3)) == 2


@pytest.mark.parametrize("content_type", ["", "text/plain", "application/xml", "multipart/form-data; boundary=x"])
def test_unsupported_media_type(content_type: str, service: FakeService, tx: FakeTransactions) -> None:
    with pytest.raises(UnsupportedMediaType):
        handle_batch(b'{"requests": []}', content_type, service, tx)


def test_json_content_type_parameters_are_accepted(service: FakeService, tx: FakeTransactions) -> None:
    ctype, body = handle_batch(b'{"requests": []}', "Application/JSON; charset=utf-8", service, tx)
    assert (ctype, orjson.loads(body)) == (JSON, {"responses": []})


# --- multipart batches ---------------------------------------------------------------------

CHANGESET_BATCH = """\
preamble is ignored
--batch_1
Content-Type: application/http
Content-Transfer-Encoding: binary

GET Things?$top=2 HTTP/1.1
Host: x
Accept: application/json


--batch_1
Content-Type: multipart/mixed; boundary=changeset_a

--changeset_a
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 1

POST /v1.1/Things HTTP/1.1
Host: x
Content-Type: application/json

{"name": "lamp post 7"}
--changeset_a
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 2

POST $1/Locations HTTP/1.1
Content-Type: application/json

{"name": "here", "Things": [{"@iot.id": "$1"}]}
--changeset_a--
--batch_1
Content-Type: application/http
Content-Transfer-Encoding: binary

DELETE Things(5) HTTP/1.1


--batch_1--
epilogue is ignored
"""


def test_multipart_changeset_success(service: FakeService, tx: FakeTransactions) -> None:
    parts = run_multipart(CHANGESET_BATCH, service, tx)

    assert service.seen == [
        ("GET", "Things?$top=2"),
        ("POST", "/v1.1/Things"),
        ("POST", f"{BASE}/Things(1)/Locations"),
        ("DELETE", "Things(5)"),
    ]
    assert service.calls[0].headers == {"host": "x", "accept": "application/json"}
    assert service.calls[0].body is None
    assert service.calls[1].body == b'{"name": "lamp post 7"}'
    assert orjson.loads(service.calls[2].body) == {"name": "here", "Things": [{"@iot.id": 1}]}
    assert [c.id for c in service.calls] == [None, "1", "2", None]
    assert service.calls[1].atomicity_group == "changeset_a"
    assert tx.events == ["begin", "commit"]

    assert len(parts) == 3
    assert parts[0]["status"] == 200 and parts[0]["content-id"] is None
    assert orjson.loads(parts[0]["body"]) == {"value": []}
    changeset = parts[1]["changeset"]
    assert [p["content-id"] for p in changeset] == ["1", "2"]
    assert [p["status"] for p in changeset] == [201, 201]
    assert changeset[0]["headers"]["location"] == f"{BASE}/Things(1)"
    assert changeset[1]["headers"]["location"] == f"{BASE}/Locations(2)"
    assert parts[2]["status"] == 204 and parts[2]["body"] == b""


def test_multipart_response_wire_format(service: FakeService, tx: FakeTransactions) -> None:
    content_type, body = handle_batch(crlf(CHANGESET_BATCH), "multipart/mixed; boundary=batch_1", service, tx)
    boundary = parse_media_type(content_type)[1]["boundary"]
    assert boundary.startswith("batchresponse_") and boundary != "batch_1"
    assert body.startswith(f"--{boundary}\r\nContent-Type: application/http\r\n".encode())
    assert body.endswith(f"\r\n--{boundary}--\r\n".encode())
    assert b"Content-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 200 OK\r\n" in body
    assert b"Content-ID: 1\r\n\r\nHTTP/1.1 201 Created\r\nLocation: http://x/v1.1/Things(1)\r\n" in body
    assert b"\r\nContent-Type: multipart/mixed; boundary=changesetresponse_" in body
    assert b"HTTP/1.1 204 No Content\r\n\r\n\r\n--" in body
    assert b"\n" not in body.replace(b"\r\n", b"")


def test_multipart_lf_only_input_equals_crlf_input(tx: FakeTransactions) -> None:
    crlf_service, lf_service = FakeService(), FakeService()
    crlf_parts = run_multipart(CHANGESET_BATCH, crlf_service, tx, line_end="\r\n")
    lf_parts = run_multipart(CHANGESET_BATCH, lf_service, tx, line_end="\n")
    assert crlf_service.calls == lf_service.calls
    assert crlf_parts == lf_parts


def test_multipart_changeset_failure_is_one_error_part(service: FakeService, tx: FakeTransactions) -> None:
    text = CHANGESET_BATCH.replace('{"name": "here"', '{"name": "invalid"')
    parts = run_multipart(text, service, tx)

    assert tx.events == ["begin", "rollback"]
    assert len(parts) == 3
    failure = parts[1]
    assert "changeset" not in failure
    assert failure["status"] == 400 and failure["content-id"] is None
    assert failure["headers"]["content-type"] == "application/problem+json"
    assert orjson.loads(failure["body"])["detail"] == "invalid entity"
    assert parts[2]["status"] == 204  # processing continues after the change set


def test_multipart_get_in_changeset_is_rejected(service: FakeService, tx: FakeTransactions) -> None:
    text = CHANGESET_BATCH.replace("POST $1/Locations", "GET $1/Locations")
    with pytest.raises(BadRequest) as info:
        run_multipart(text, service, tx)
    assert info.value.field == "part[1].part[1]"
    assert service.calls == [] and tx.events == []


def test_multipart_references_are_scoped_to_the_changeset(service: FakeService, tx: FakeTransactions) -> None:
    text = """\
--batch_1
Content-Type: application/http
Content-ID: 1

POST Things HTTP/1.1
Content-Type: application/json

{}
--batch_1
Content-Type: application/http
Content-ID: 2

POST $1/Locations HTTP/1.1
Content-Type: application/json

{}
--batch_1--
"""
    parts = run_multipart(text, service, tx)
    assert [p["status"] for p in parts] == [201, 400]
    assert [p["content-id"] for p in parts] == ["1", "2"]
    assert len(service.calls) == 1


def test_multipart_lenient_request_forms(service: FakeService, tx: FakeTransactions) -> None:
    text = """\
--batch_1   \t
content-type: Application/HTTP; msgtype=request

GET http://x/v1.1/Things(1)
X-Long: first
  second


--batch_1
Content-Type: application/http

PATCH Things(1) HTTP/1.1
Content-Type: application/json
Content-Length: 6
Content-ID: inner

{"a":1}trailing garbage beyond Content-Length
--batch_1--"""
    parts = run_multipart(text, service, tx)
    assert [p["status"] for p in parts] == [200, 200]
    assert service.calls[0].url == "http://x/v1.1/Things(1)"
    assert service.calls[0].headers == {"x-long": "first second"}
    assert service.calls[1].body == b'{"a":1'
    assert service.calls[1].id == "inner" and parts[1]["content-id"] == "inner"


def test_multipart_quoted_boundary_and_empty_batch(service: FakeService, tx: FakeTransactions) -> None:
    content_type, body = handle_batch(b"preamble\r\n--a b;c--\r\n", 'multipart/mixed; boundary="a b;c"', service, tx)
    assert read_multipart(content_type, body) == []


def test_multipart_empty_changeset(service: FakeService, tx: FakeTransactions) -> None:
    text = "--batch_1\nContent-Type: multipart/mixed; boundary=cs\n\n--cs--\n--batch_1--\n"
    assert run_multipart(text, service, tx) == [{"changeset": []}]
    assert tx.events == ["begin", "commit"]


def test_multipart_continue_on_error_false(service: FakeService, tx: FakeTransactions) -> None:
    text = CHANGESET_BATCH.replace('{"name": "here"', '{"name": "invalid"')
    parts = run_multipart(text, service, tx, continue_on_error=False)
    assert [p["status"] for p in parts] == [200, 400]
    assert service.seen[-1] == ("POST", f"{BASE}/Things(1)/Locations")


def _part(body: str, headers: str = "Content-Type: application/http\n") -> str:
    return f"--batch_1\n{headers}\n{body}\n"


@pytest.mark.parametrize(
    ("content_type", "text", "field"),
    [
        ("multipart/mixed", "--batch_1--\n", "boundary"),
        ("multipart/mixed; boundary=", "--batch_1--\n", "boundary"),
        (None, "--batch_1\nContent-Type: application/http\n\nGET T\n", "boundary"),
        (None, "no delimiters at all", "boundary"),
        (None, _part("GET T\n", headers="") + "--batch_1--", "part[0]"),
        (None, _part("GET T\n", headers="Content-Type: text/plain\n") + "--batch_1--", "part[0]"),
        (None, _part("GET T\n", headers="Bad Header\n") + "--batch_1--", "part[0]"),
        (None, _part("\n") + "--batch_1--", "part[0]"),
        (None, _part("GET\n") + "--batch_1--", "part[0]"),
        (None, _part("GET T HTTP/1.1 extra\n") + "--batch_1--", "part[0]"),
        (None, _part("GET T FTP/1.0\n") + "--batch_1--", "part[0]"),
        (None, _part("BREW T HTTP/1.1\n") + "--batch_1--", "part[0]"),
        (None, _part("GET T HTTP/1.1\nno-colon\n") + "--batch_1--", "part[0]"),
        (None, _part("GET T HTTP/1.1\nContent-Length: x\n") + "--batch_1--", "part[0]"),
        (None, _part("POST T HTTP/1.1\nContent-Length: 99\n\n{}") + "--batch_1--", "part[0]"),
        (
            None,
            _part(
                "GET T\n",
                headers="Content-Type: application/http\nContent-Transfer-Encoding: base64\n",
            )
            + "--batch_1--",
            "part[0]",
        ),
        (
            None,
            _part("GET T\n", headers="Content-Type: application/http\nContent-ID: 1\n") * 2 + "--batch_1--",
            "part[1]",
        ),
        (
            None,
            _part("", headers="Content-Type: multipart/mixed\n") + "--batch_1--",
            "part[0]",
        ),
        (
            None,
            _part(
                "--cs\nContent-Type: application/http\n\nDELETE T\n",
                "Content-Type: multipart/mixed; boundary=cs\n",
            )
            + "--batch_1--",
            "part[0]",
        ),
        (
            None,
            _part(
                "--cs\nContent-Type: multipart/mixed; boundary=cs2\n\n--cs2--\n--cs--",
                "Content-Type: multipart/mixed; boundary=cs\n",
            )
            + "--batch_1--",
            "part[0].part[0]",
        ),
    ],
)
def test_multipart_malformed_documents(
    content_type: str | None, text: str, field: str, service: FakeService, tx: FakeTransactions
) -> None:
    ctype = content_type or "multipart/mixed; boundary=batch_1"
    with pytest.raises(BadRequest) as info:
        handle_batch(crlf(text), ctype, service, tx)
    assert info.value.field == field
    assert service.calls == []


def test_multipart_rejects_invalid_utf8_and_control_characters(service: FakeService, tx: FakeTransactions) -> None:
    for bad in (b"GET T\xff HTTP/1.1", b"GET T HTTP/1.1\r\nX: \xff", b"GET T HTTP/1.1\r\nX: a\x00"):
        data = b"--b\r\nContent-Type: application/http\r\n\r\n" + bad + b"\r\n\r\n--b--"
        with pytest.raises(BadRequest):
            handle_batch(data, "multipart/mixed; boundary=b", service, tx)


# --- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("$1/Datastreams", ("1", "/Datastreams")),
        ("$thing1", ("thing1", "")),
        ("$a?$expand=x", ("a", "?$expand=x")),
        ("$metadata", None),
        ("$batch", None),
        ("$", None),
        ("Things(1)", None),
        ("/v1.1/$1", None),
    ],
)
def test_split_reference(url: str, expected: tuple[str, str] | None) -> None:
    assert split_reference(url) == expected


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://host/v1.1/Things(5)", 5),
        ("http://host/v1.1/Things(-5)/", -5),
        ("Things('abc')", "abc"),
        ("Things('it''s')", "it's"),
        ("Things('a%20b')?$x=1", "a b"),
        ("Things(uuid-1)", "uuid-1"),
        ("http://host/v1.1/Things", None),
        ("Things()", None),
    ],
)
def test_entity_key(url: str, key: int | str | None) -> None:
    assert entity_key(url) == key


def test_parse_media_type() -> None:
    assert parse_media_type('Multipart/Mixed; Boundary="a;b"; x=1') == (
        "multipart/mixed",
        {"boundary": "a;b", "x": "1"},
    )
    assert parse_media_type("application/json") == ("application/json", {})


# --- robustness ----------------------------------------------------------------------------


def _mutate(data: bytes, rnd: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(5)
        pos = rnd.randrange(len(buf) + 1)
        if op == 0 and buf:  # replace a byte
            buf[min(pos, len(buf) - 1)] = rnd.randrange(256)
        elif op == 1 and buf:  # delete a run
            del buf[pos : pos + rnd.randint(1, 8)]
        elif op == 2:  # insert an interesting byte
            buf[pos:pos] = bytes([rnd.choice(b'\r\n-${}[]":,\\\x00\xff ')])
        elif op == 3:  # duplicate a chunk
            start = rnd.randrange(len(buf) + 1)
            buf[pos:pos] = buf[start : start + rnd.randint(1, 40)]
        else:  # truncate
            del buf[pos:]
    return bytes(buf)


JSON_SEED_DOC = orjson.dumps(
    {
        "requests": [
            {
                "id": "1",
                "method": "post",
                "url": "Things",
                "body": {"n": "a"},
                "atomicityGroup": "g",
            },
            {
                "id": "2",
                "method": "post",
                "url": "$1/Locations",
                "headers": {"content-type": "application/json"},
                "body": {"Things": [{"@iot.id": "$1"}]},
                "atomicityGroup": "g",
                "dependsOn": ["1"],
            },
            {"id": "3", "method": "get", "url": "Things(999)", "dependsOn": ["g"]},
            {"id": "4", "method": "patch", "url": "$2", "body": {"x": 1}, "dependsOn": ["3"]},
            {"id": "5", "method": "delete", "url": "Things(1)"},
        ]
    }
)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (JSON_SEED_DOC, JSON),
        (crlf(CHANGESET_BATCH), "multipart/mixed; boundary=batch_1"),
        (CHANGESET_BATCH.encode(), "multipart/mixed; boundary=batch_1"),
    ],
)
def test_mutated_documents_raise_only_problem_errors(data: bytes, content_type: str) -> None:
    rnd = random.Random(20240611)
    outcomes = {"ok": 0, "rejected": 0}
    for _ in range(1500):
        mutated = _mutate(data, rnd)
        tx = FakeTransactions()
        try:
            ctype, body = handle_batch(mutated, content_type, FakeService(), tx)
        except (BadRequest, UnsupportedMediaType):
            outcomes["rejected"] += 1
            continue
        outcomes["ok"] += 1
        assert tx.events.count("begin") == tx.events.count("commit") + tx.events.count("rollback")
        if ctype == JSON:
            assert isinstance(orjson.loads(body)["responses"], list)
        else:
            read_multipart(ctype, body)
    assert outcomes["ok"] > 50 and outcomes["rejected"] > 50, outcomes


def test_mutated_content_types_raise_only_problem_errors(tx: FakeTransactions) -> None:
    rnd = random.Random(7)
    seeds = ['multipart/mixed; boundary="batch_1"', "application/json; charset=utf-8"]
    for _ in range(500):
        ctype = _mutate(rnd.choice(seeds).encode(), rnd).decode("latin-1")
        try:
            handle_batch(crlf(CHANGESET_BATCH), ctype, FakeService(), tx)
        except (BadRequest, UnsupportedMediaType):
            pass


_ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1e300,
    1.5,
    "",
    "$1",
    "$g",
    "g",
    "Things",
    "get",
    "$metadata",
    [],
    ["1"],
    ["g", "1"],
    {},
    {"@iot.id": "$2"},
    "\x00",
]


def _odd_value(rnd: random.Random) -> Any:
    return orjson.loads(orjson.dumps(rnd.choice(_ODD_VALUES)))  # a fresh copy


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a parsed JSON document."""
    slots, stack = [], [node]
    while stack:
        current = stack.pop()
        keys = list(current) if isinstance(current, dict) else range(len(current))
        for key in keys:
            slots.append((current, key))
            if isinstance(current[key], (dict, list)):
                stack.append(current[key])
    return slots


def test_structurally_mutated_json_raises_only_problem_errors() -> None:
    rnd = random.Random(99)
    extra_keys = ["id", "method", "url", "body", "headers", "atomicityGroup", "dependsOn", "if"]
    outcomes = {"ok": 0, "rejected": 0}
    for _ in range(1500):
        doc = orjson.loads(JSON_SEED_DOC)
        for _ in range(rnd.randint(1, 3)):
            slots = _slots(doc)
            if not slots:
                break
            container, key = rnd.choice(slots)
            if isinstance(container, dict) and rnd.random() < 0.3:
                del container[key]
            else:
                container[key] = _odd_value(rnd)
            if isinstance(container, dict) and rnd.random() < 0.3:
                container[rnd.choice(extra_keys)] = _odd_value(rnd)
        try:
            _, body = handle_batch(orjson.dumps(doc), JSON, FakeService(), FakeTransactions())
        except BadRequest:
            outcomes["rejected"] += 1
            continue
        outcomes["ok"] += 1
        assert isinstance(orjson.loads(body)["responses"], list)
    assert outcomes["ok"] > 50 and outcomes["rejected"] > 50, outcomes
