"""Fetching a web API's pages: JSON or CSV (a gzip file unpacked), and the paging styles — none,
page numbers, offset/limit, a next link (a JSON path or the HTTP `Link: rel="next"` header) and
a cursor. Each page says where the next one starts (`resume`, kept in the source's cursor so that
a run that stops goes on there next time) or that it was the last."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import orjson

from stadsdata.sources.http import BadPage, Http
from stadsdata.sources.web_api.paths import Path, compile_path

MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # a gzip file larger than this unpacked is a bad page


@dataclass
class Page:
    """One fetched page: its document (JSON, or the CSV rows as objects), its records, its bytes,
    its URL; `resume` is where the next page starts (None: this was the last)."""

    url: str
    raw: bytes
    document: Any
    records: list[Any]
    resume: dict[str, Any] | None


class Pager:
    """The pages of one source's config, from a start state (`{}`: the first page)."""

    def __init__(self, config: dict[str, Any], records: Path | None) -> None:
        self.config = config
        self.paging: dict[str, Any] = config.get("paging") or {"style": "none"}
        self.style: str = self.paging["style"]
        self.csv = config.get("format") == "csv"
        self.records = records
        self.paths = {
            n: compile_path(self.paging[n], f"config.paging.{n}")
            for n in ("last_page", "total", "next", "cursor")
            if n in self.paging
        }

    # -- requests ---------------------------------------------------------------------------------
    def request(self, state: dict[str, Any], since: str | None) -> tuple[str, dict[str, Any] | None]:
        """(URL, query) of the page at `state`."""
        if self.style == "next" and state.get("url"):
            return state["url"], None  # a next link carries its own query
        params: dict[str, Any] = {k: _param(v) for k, v in (self.config.get("params") or {}).items()}
        since_config = self.config.get("since")
        if since_config and since is not None:
            params[since_config["param"]] = since
        if self.style == "page":
            params[self.paging.get("param", "page")] = state.get("page", self.paging.get("start", 1))
            if "size" in self.paging:
                params[self.paging.get("size_param", "size")] = self.paging["size"]
        elif self.style == "offset":
            params[self.paging.get("offset_param", "offset")] = state.get("offset", 0)
            params[self.paging.get("limit_param", "limit")] = self.paging.get("limit", 100)
        elif self.style == "cursor" and state.get("cursor") is not None:
            params[self.paging["param"]] = state["cursor"]
        return self.config["url"], params

    def fetch(self, http: Http, state: dict[str, Any], since: str | None) -> Page:
        """The page at `state`; BadPage when its answer is not the JSON or CSV promised."""
        url, params = self.request(state, since)
        response = http.get(url, params)
        where = str(response.url)
        body = unpacked(response.content, where)
        document = (
            read_csv(body, where, self.config.get("csv") or {}, response)
            if self.csv
            else read_json(body, where, response)
        )
        records = self._records(document)
        if records is None:
            raise BadPage(where, f"no records at {self.records.text if self.records else '$'} in the answer", body)
        return Page(where, body, document, records, self._next(state, document, records, response, where))

    def _records(self, document: Any) -> list[Any] | None:
        if self.csv:
            return list(document)
        if self.records is None:
            return document if isinstance(document, list) else [document]
        return self.records.elements(document)

    # -- the next page ------------------------------------------------------------------------------
    def _next(
        self, state: dict[str, Any], document: Any, records: list[Any], response: httpx.Response, where: str
    ) -> dict[str, Any] | None:
        if self.style == "page":
            number = state.get("page", self.paging.get("start", 1))
            last = self._value("last_page", document)
            if not records or (last is not None and number >= _int(last, where, "paging.last_page")):
                return None
            return {"page": number + 1}
        if self.style == "offset":
            offset = state.get("offset", 0) + len(records)
            total = self._value("total", document)
            if not records or (total is not None and offset >= _int(total, where, "paging.total")):
                return None
            return {"offset": offset}
        if self.style == "next":
            link = self._value("next", document) if "next" in self.paths else response.links.get("next", {}).get("url")
            return {"url": urljoin(where, str(link))} if link else None
        if self.style == "cursor":
            cursor = self._value("cursor", document)
            return {"cursor": cursor} if cursor not in (None, "") and cursor != state.get("cursor") else None
        return None

    def _value(self, name: str, document: Any) -> Any:
        path = self.paths.get(name)
        return path.first(document) if path is not None and not self.csv else None


def pages(pager: Pager, http: Http, start: dict[str, Any], since: str | None, max_pages: int) -> Iterator[Page]:
    """At most `max_pages` pages from `start`; stops after the last page."""
    state: dict[str, Any] | None = start
    for _ in range(max_pages):
        if state is None:
            return
        page = pager.fetch(http, state, since)
        yield page
        state = page.resume


# -- documents -----------------------------------------------------------------------------------------
def unpacked(content: bytes, where: str) -> bytes:
    """The bytes of an answer, a gzip file unpacked (NDW's open data are .json.gz files)."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as packed:
            body = packed.read(MAX_UNPACKED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise BadPage(where, f"a gzip file that cannot be unpacked: {exc}", content[:65536]) from None
    if len(body) > MAX_UNPACKED_BYTES:
        raise BadPage(where, f"a gzip file of more than {MAX_UNPACKED_BYTES} bytes unpacked", content[:65536])
    return body


def read_json(body: bytes, where: str, response: httpx.Response) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        kind = response.headers.get("content-type", "no content type")
        raise BadPage(where, f"the answer is not JSON ({kind}): {exc}", body) from None


class CsvRow(dict[str, str]):
    """A CSV row as {column: text}, with its bytes as sent (the header line and the row's lines)
    and, for a row that does not fit the header, what is wrong with it."""

    raw: bytes = b""
    problem: str | None = None


def read_csv(body: bytes, where: str, options: dict[str, Any], response: httpx.Response) -> list[CsvRow]:
    """The rows of a CSV answer; BadPage for an HTML page, a wrong encoding or a broken quote."""
    kind = response.headers.get("content-type", "")
    if "html" in kind or body.lstrip()[:1] == b"<":
        raise BadPage(where, f"the answer is not CSV ({kind or 'no content type'})", body)
    encoding = options.get("encoding", "utf-8")
    try:
        text = body.decode("utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise BadPage(where, f"the answer is not CSV in {encoding}: {exc}", body) from None
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in text.splitlines(keepends=True):
            consumed.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=options.get("delimiter", ","), quotechar=options.get("quotechar", '"'))
    try:
        header = next(reader, [])
        head = "".join(consumed).encode()
        consumed.clear()
        rows = []
        for values in reader:
            raw = head + "".join(consumed).encode()
            consumed.clear()
            if values:
                rows.append(_row(header, values, raw, reader.line_num))
    except csv.Error as exc:
        raise BadPage(where, f"the answer is not CSV: {exc}", body) from None
    return rows


def _row(header: list[str], values: list[str], raw: bytes, line: int) -> CsvRow:
    row = CsvRow(zip(header, values, strict=False))
    row.raw = raw
    if len(values) != len(header):
        row.problem = f"line {line} has {len(values)} values, the header {len(header)} columns"
    return row


def _param(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


def _int(value: Any, where: str, member: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadPage(where, f"{member}: {value!r} is not a number", b"") from None
