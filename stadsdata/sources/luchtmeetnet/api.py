"""How the Luchtmeetnet open API is asked: its root, its pages (the `pagination` object in the
body, never headers), its time windows (at most 7 days between `start` and `end`, both always
sent: without them the API redirects to defaults of its own) and its request budget (100
requests in 5 minutes: `[pull] defaults` in the manifest)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from stadsdata.sources.http import BadPage
from stadsdata.sources.run import Run

DEFAULT_URL = "https://api.luchtmeetnet.nl/open_api"
WINDOW = timedelta(days=7)  # the longest span between start and end the API answers
MAX_PAGES = 1000  # a guard against a server whose `pagination` never ends


class BrokenOff(Exception):
    """A listing could not be read to its end (the bad page is quarantined)."""


def root(config: dict[str, Any]) -> str:
    """The API's root URL from a source's config, without a trailing slash."""
    return str(config.get("url") or DEFAULT_URL).rstrip("/")



def stamp(time: datetime) -> str:
    """A time as the API takes it in `start`/`end`: UTC, seconds, 'Z'."""
    return time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def windows(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[start, end] in consecutive spans of at most `WINDOW` (each next one starts where the last
    ended: a measurement at the boundary comes twice and is found stored the second time)."""
    while start < end:
        stop = min(start + WINDOW, end)
        yield start, stop
        start = stop


def pages(run: Run, url: str, params: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """Each page's `data` array and the URL it came from, page 1 to the body's
    `pagination.last_page` (its `next_page` is clamped, never null, so it cannot end the loop).
    A page that is not JSON or has no `data` array is quarantined and `BrokenOff` raised."""
    page = 1
    for _ in range(MAX_PAGES):
        if run.stopping:
            return
        try:
            document, raw, where = run.http.json(url, {**params, "page": page})
        except BadPage as exc:
            run.bad_page(exc)
            raise BrokenOff(exc.reason) from None
        data = document.get("data") if isinstance(document, dict) else None
        if not isinstance(data, list):
            run.quarantine(raw, "a page without a 'data' array", where=where, field="data")
            raise BrokenOff("a page without a 'data' array")
        yield data, where
        following = next_page(document.get("pagination"), page)
        if following is None:
            return
        page = following


def next_page(pagination: Any, asked: int) -> int | None:
    """The page after `asked` by the answer's `pagination`, or None on the last page (or when the
    answer has none, or the server does not move on)."""
    if not isinstance(pagination, dict):
        return None
    current, last = pagination.get("current_page", asked), pagination.get("last_page", asked)
    if not isinstance(current, int) or not isinstance(last, int) or current >= last or current < asked:
        return None
    return current + 1
