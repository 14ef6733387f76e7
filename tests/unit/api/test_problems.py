"""The one problem+json renderer: every error class, the `$batch` sub-response errors and the
framework's own errors (404, 405, request validation, an unexpected exception) carry RFC 9457's
members and the `code` and `message` that clients of FROST-Server read."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from stadsdata import errors
from stadsdata.api import problems
from stadsdata.api.middleware.admission import Admission
from stadsdata.api.middleware.body_limit import PayloadTooLarge
from stadsdata.api.sta.batch import problem_response as batch_problem
from stadsdata.errors import PROBLEM_JSON, ProblemError

ERROR_CLASSES = sorted(
    {cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, ProblemError)} | {PayloadTooLarge},
    key=lambda cls: cls.__name__,
)


def assert_members(body: dict[str, Any], status: int, detail: str) -> None:
    assert body["type"] == "about:blank" and body["title"]
    assert body["status"] == body["code"] == status
    assert body["detail"] == body["message"] == detail


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_class_renders_code_and_message(error_class: type[ProblemError]) -> None:
    error = error_class("what went wrong", field="name", extra={"retryAfter": 3})
    response = problems.problem_response(error, "/v1.1/Things")
    body = orjson.loads(response.body)
    assert response.status_code == error.status and response.media_type == PROBLEM_JSON
    assert_members(body, error.status, "what went wrong")
    assert body["instance"] == "/v1.1/Things" and body["field"] == "name" and body["retryAfter"] == 3


def test_status_given_at_raise_is_the_code() -> None:
    body = ProblemError("the disk is full", status=507).to_problem()
    assert_members(body, 507, "the disk is full")


@pytest.mark.parametrize("status", [400, 404, 424, 599])
def test_batch_sub_response_errors_render_the_same(status: int) -> None:
    response = batch_problem(status, "referenced request 'a' failed")
    assert response.status == status and response.headers["content-type"] == PROBLEM_JSON
    assert_members(orjson.loads(response.body or b""), status, "referenced request 'a' failed")


class _Body(BaseModel):
    name: str


@pytest.fixture
def framework() -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.post("/things")
    def create(body: _Body) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/nowhere", None, 404),
        ("DELETE", "/things", None, 405),
        ("POST", "/things", {"name": 3}, 400),
        ("GET", "/broken", None, 500),
    ],
)
def test_framework_errors_carry_code_and_message(framework: TestClient, method: str, path: str, body: Any, status: int) -> None:
    response = framework.request(method, path, json=body)
    assert response.status_code == status and response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert_members(problem, status, problem["detail"])
    assert "a bug" not in response.text  # what went wrong inside stays in the log


def test_middleware_refusal_carries_code_and_message() -> None:
    async def never_called(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("refused before the application")

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    guard = Admission(never_called, max_in_flight=0)
    asyncio.run(guard({"type": "http", "method": "GET", "path": "/v1.1/Things", "headers": []}, receive, send))
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    assert start["status"] == 503 and (b"retry-after", b"1") in start["headers"]
    problem = orjson.loads(body)
    assert_members(problem, 503, problem["detail"])
