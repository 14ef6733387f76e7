"""HTTP for sources that fetch (httpx): timeouts, a rate limit per source, retries with back-off
on what is worth retrying (timeouts, connection errors, 5xx, 429 with its Retry-After), and the
failures named as what they are: an auth failure is `AuthFailed` (not "no data"); an answer that
is not the JSON the source promised (an HTML error page, garbage) is `BadPage`, which the run
quarantines with the raw bytes before it goes on."""

from __future__ import annotations

import base64
import email.utils
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from stadsdata import __version__

log = logging.getLogger(__name__)
USER_AGENT = f"stadsdata/{__version__} (+https://github.com/stadsdata)"
MAX_PAGE_BYTES = 64 * 1024 * 1024  # larger answers are refused as a bad page, not read into memory

AUTH_SCHEMA: dict[str, Any] = {
    "description": "how the source wants to be called: an API key in a header, a bearer token, or basic auth",
    "oneOf": [
        {"type": "object", "properties": {"type": {"const": "header"}, "name": {"type": "string", "minLength": 1}, "value": {}},
         "required": ["type", "name", "value"], "additionalProperties": False},
        {"type": "object", "properties": {"type": {"const": "bearer"}, "token": {}}, "required": ["type", "token"], "additionalProperties": False},
        {"type": "object", "properties": {"type": {"const": "basic"}, "username": {"type": "string"}, "password": {}},
         "required": ["type", "username", "password"], "additionalProperties": False},
    ],
}  # fmt: skip
AUTH_SECRETS = ("auth.value", "auth.token", "auth.password")


class SourceError(Exception):
    """A run that cannot go on (the source is down, refuses us, the config is wrong); the run
    fails with this message and the source is tried again later."""


class AuthFailed(SourceError):
    """The source refused our credentials (401/403)."""


class BadPage(Exception):
    """An answer that is not what the source promised: kept in the quarantine with its bytes."""

    def __init__(self, url: str, reason: str, raw: bytes) -> None:
        super().__init__(reason)
        self.url, self.reason, self.raw = url, reason, raw


def auth_headers(auth: dict[str, Any] | None) -> dict[str, str]:
    """Headers of a resolved `auth` config (its secrets already read)."""
    if not auth:
        return {}
    if auth["type"] == "header":
        return {auth["name"]: str(auth["value"])}
    if auth["type"] == "bearer":
        return {"Authorization": f"Bearer {auth['token']}"}
    pair = f"{auth['username']}:{auth['password']}".encode()
    return {"Authorization": f"Basic {base64.b64encode(pair).decode()}"}


class Http:
    """One source's HTTP client for one run."""

    def __init__(
        self, *, auth: dict[str, Any] | None = None, timeout_s: float = 30.0, retries: int = 3, backoff_s: float = 1.0,
        rate_per_s: float | None = None, stopping: Callable[[], bool] = lambda: False,
    ) -> None:  # fmt: skip
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout_s), follow_redirects=True, headers={"User-Agent": USER_AGENT, **auth_headers(auth)}
        )
        self.retries, self.backoff_s = retries, backoff_s
        self.gap_s = 1.0 / rate_per_s if rate_per_s else 0.0
        self.stopping = stopping
        self.requests = 0
        self._last = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """The answer to GET url (its own query kept, `params` added); retried on timeouts, connection errors, 429 and 5xx; AuthFailed on
        401/403; SourceError on other 4xx or when the retries are used up."""
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                response = self.client.get(url, params=_merged(url, params))
            except httpx.InvalidURL as exc:  # the config's URL: trying again does not help
                raise SourceError(f"{_short(url)} is not a URL that can be asked: {exc}") from None
            except httpx.TransportError as exc:
                problem, wait = f"{type(exc).__name__}: {exc or 'no answer'}", None
            else:
                if response.status_code in (401, 403):
                    raise AuthFailed(f"the source refused the credentials: HTTP {response.status_code} for {_short(url)}")
                if response.status_code < 400:
                    if len(response.content) > MAX_PAGE_BYTES:
                        raise BadPage(str(response.url), f"an answer of {len(response.content)} bytes is larger than {MAX_PAGE_BYTES}", response.content[:65536])
                    return response
                if response.status_code != 429 and response.status_code < 500:
                    raise SourceError(f"HTTP {response.status_code} for {_short(str(response.url))}: {_text(response)}")
                problem, wait = f"HTTP {response.status_code}", _retry_after(response)
            if attempt == self.retries or self.stopping():
                raise SourceError(f"{problem} for {_short(url)} (after {attempt + 1} tries)")
            delay = wait if wait is not None else self.backoff_s * 2**attempt
            log.info("source answered %s for %s; trying again in %.1f s", problem, _short(url), delay)
            time.sleep(min(delay, 300.0))
        raise AssertionError("unreachable")

    def json(self, url: str, params: dict[str, Any] | None = None) -> tuple[Any, bytes, str]:
        """(the JSON document, its raw bytes, the URL it came from); BadPage when it is not JSON."""
        response = self.get(url, params)
        try:
            return orjson.loads(response.content), response.content, str(response.url)
        except orjson.JSONDecodeError as exc:
            kind = response.headers.get("content-type", "no content type")
            raise BadPage(str(response.url), f"the answer is not JSON ({kind}): {exc}", response.content) from None

    def _wait_turn(self) -> None:
        with self._lock:
            self.requests += 1
            if self.gap_s:
                wait = self._last + self.gap_s - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self._last = time.monotonic()


def _merged(url: str, params: dict[str, Any] | None) -> Any:
    """The query of `url` with `params` added (httpx would replace the URL's query with them)."""
    if not params:
        return None
    return httpx.URL(url).copy_merge_params(params).params


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (email.utils.parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _short(url: str) -> str:
    return url if len(url) <= 200 else url[:197] + "…"


def _text(response: httpx.Response) -> str:
    return response.text[:300].replace("\n", " ")
