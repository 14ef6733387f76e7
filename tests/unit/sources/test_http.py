"""The HTTP client of a source run against a fake server on loopback: what is retried and how long
it waits (time.sleep recorded, not waited), what fails at once, and the rate limit's spacing."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from stadsdata.sources import http
from stadsdata.sources.http import AuthFailed, BadPage, Http, SourceError


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the client asked to sleep (nothing is slept)."""
    asked: list[float] = []
    monkeypatch.setattr(http.time, "sleep", asked.append)
    return asked


def test_server_errors_are_retried_with_doubling_waits_and_retry_after(httpserver: HTTPServer, waits: list[float]) -> None:
    answers = iter([Response("", 503), Response("", 500), Response("", 429, headers={"Retry-After": "7"}), Response('{"ok": 1}')])
    httpserver.expect_request("/data").respond_with_handler(lambda request: next(answers))
    document, raw, _ = Http(retries=3, backoff_s=0.5).json(httpserver.url_for("/data"))
    assert document == {"ok": 1} and raw == b'{"ok": 1}'
    assert waits == [0.5, 1.0, 7.0]


def test_when_the_retries_are_used_up_the_run_fails_naming_the_status(httpserver: HTTPServer, waits: list[float]) -> None:
    httpserver.expect_request("/data").respond_with_data("down", status=502)
    with pytest.raises(SourceError, match=r"HTTP 502 for .*/data \(after 3 tries\)"):
        Http(retries=2, backoff_s=1).get(httpserver.url_for("/data"))


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_fail_at_once(httpserver: HTTPServer, waits: list[float], status: int) -> None:
    httpserver.expect_request("/data").respond_with_data("no", status=status)
    with pytest.raises(AuthFailed, match=f"HTTP {status}"):
        Http(auth={"type": "header", "name": "X-Key", "value": "k"}).get(httpserver.url_for("/data"))
    assert waits == []
    assert httpserver.log[0][0].headers["X-Key"] == "k"


def test_other_client_errors_are_not_retried(httpserver: HTTPServer, waits: list[float]) -> None:
    httpserver.expect_request("/data").respond_with_data("bad query", status=400)
    with pytest.raises(SourceError, match="HTTP 400 .*bad query"):
        Http().get(httpserver.url_for("/data"))
    assert waits == [] and len(httpserver.log) == 1


def test_an_answer_that_is_not_json_is_a_bad_page_with_its_bytes(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data").respond_with_data("<html>Service Unavailable</html>", content_type="text/html")
    with pytest.raises(BadPage) as bad:
        Http().json(httpserver.url_for("/data"))
    assert bad.value.raw == b"<html>Service Unavailable</html>" and "text/html" in bad.value.reason


def test_the_rate_limit_spaces_requests(httpserver: HTTPServer, waits: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([100.0, 100.0, 100.1, 100.1, 100.15, 100.15])  # time.monotonic() at each check
    monkeypatch.setattr(http.time, "monotonic", lambda: next(clock))
    httpserver.expect_request("/data").respond_with_data("{}")
    client = Http(rate_per_s=4)  # at most one request each 0.25 s
    for _ in range(3):
        client.get(httpserver.url_for("/data"))
    assert [round(w, 2) for w in waits] == [0.15, 0.2]
    assert client.requests == 3


def test_basic_and_bearer_credentials_are_sent() -> None:
    assert http.auth_headers({"type": "bearer", "token": "t0k"}) == {"Authorization": "Bearer t0k"}
    assert http.auth_headers({"type": "basic", "username": "a", "password": "b"}) == {"Authorization": "Basic YTpi"}


def test_a_url_that_cannot_be_asked_fails_at_once(waits: list[float]) -> None:
    with pytest.raises(SourceError, match="is not a URL that can be asked"):
        Http(retries=3).get("http://[::1/data")
    assert waits == []
