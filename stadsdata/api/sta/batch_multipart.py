"""The OData 4.0 multipart batch format (OData 4.0 Part 1 §11.7.3-§11.7.4, RFC 2046).

A batch is ``multipart/mixed`` whose parts are either ``application/http`` (one embedded HTTP
request: request line, headers, blank line, body) or a change set: a nested
``multipart/mixed`` of ``application/http`` parts that runs atomically.

Not plain MIME, so parsed here line by line rather than with `email`: CRLF and bare LF line
endings are both accepted (the line break before a delimiter belongs to the delimiter),
trailing whitespace after a delimiter is ignored, preamble and epilogue are ignored, and a
missing closing delimiter is an error. Inside a part, the request line may omit the HTTP
version (as in the OData examples). A body is cut to its ``Content-Length`` when given,
otherwise trailing line breaks are dropped; an empty body is None. ``Content-ID`` is taken
from the part headers, else from the embedded request's headers; it is optional but must be
unique. The change set's boundary is used as the requests' `atomicity_group`.

Responses use CRLF, a fresh random boundary, ``Content-Transfer-Encoding: binary``, the
request's ``Content-ID`` when it had one, and a computed ``Content-Length``.
"""

from __future__ import annotations

import re
import uuid
from http import HTTPStatus

from stadsdata.api.sta.batch import (
    METHODS,
    BatchItem,
    BatchUnit,
    SubRequest,
    SubResponse,
    UnitResult,
    parse_media_type,
)
from stadsdata.errors import BadRequest

CRLF = b"\r\n"
HTTP_PART = "application/http"
_TRANSFER_ENCODINGS = frozenset({"binary", "8bit", "7bit"})
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VERSION_RE = re.compile(r"HTTP/\d(\.\d)?")
_LENGTH_RE = re.compile(r"[0-9]{1,18}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_HEADER_NAMES = {
    "odata-version": "OData-Version",
    "odata-entityid": "OData-EntityId",
    "etag": "ETag",
}


# --- parsing -------------------------------------------------------------------------------


def parse(data: bytes, boundary: str | None, max_requests: int) -> list[BatchUnit]:
    """Parse a multipart batch body into units (one per request part or change set)."""
    if not boundary:
        raise BadRequest("a multipart/mixed batch needs a boundary parameter", field="boundary")
    return _Parser(max_requests).parse(data, boundary)


def _check_boundary(boundary: str, where: str) -> bytes:
    """RFC 2046: 1-70 printable ASCII characters, not ending in a space."""
    if not 0 < len(boundary) <= 70 or boundary.endswith(" ") or not all(32 <= ord(c) < 127 for c in boundary):
        raise BadRequest(f"invalid multipart boundary {boundary[:80]!r}", field=where)
    return boundary.encode("ascii")


def split_multipart(data: bytes, boundary: str, where: str) -> list[bytes]:
    """The body parts between ``--boundary`` lines, up to the closing ``--boundary--``."""
    delimiter = b"--" + _check_boundary(boundary, where)
    close = delimiter + b"--"
    parts: list[bytes] = []
    current: list[bytes] | None = None
    for line in data.split(b"\n"):
        stripped = line.rstrip(b" \t\r")
        if stripped == delimiter or stripped == close:
            if current is not None:
                joined = b"\n".join(current)
                parts.append(joined[:-1] if joined.endswith(b"\r") else joined)
            if stripped == close:
                return parts
            current = []
        elif current is not None:
            current.append(line)
    raise BadRequest(f"multipart body lacks the closing delimiter --{boundary}--", field=where)


def split_head(raw: bytes) -> tuple[list[bytes], bytes]:
    """Split at the first empty line: (header lines without line breaks, rest)."""
    lines: list[bytes] = []
    pos = 0
    while pos < len(raw):
        newline = raw.find(b"\n", pos)
        end = len(raw) if newline == -1 else newline + 1
        line = raw[pos:end].removesuffix(b"\n").removesuffix(b"\r")
        pos = end
        if not line:
            return lines, raw[pos:]
        lines.append(line)
    return lines, b""


def parse_headers(lines: list[bytes], where: str) -> dict[str, str]:
    """``Name: value`` lines (with folding) into a dict with lower-case names."""
    headers: dict[str, str] = {}
    last: str | None = None
    for line in lines:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("header line is not valid UTF-8", field=where) from None
        if _CONTROL_RE.search(text):
            raise BadRequest("header line contains control characters", field=where)
        if text[:1] in (" ", "\t") and last is not None:
            headers[last] = f"{headers[last]} {text.strip()}".strip()
            continue
        name, colon, value = text.partition(":")
        if not colon or not _TOKEN_RE.fullmatch(name):
            raise BadRequest(f"malformed header line {text[:80]!r}", field=where)
        key, value = name.lower(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
        last = key
    return headers


def parse_http_request(content: bytes, where: str) -> tuple[str, str, dict[str, str], bytes | None]:
    """An embedded request: (upper-case method, URL, headers, body or None)."""
    head, rest = split_head(content.lstrip(b"\r\n"))
    if not head:
        raise BadRequest("the part has no request line", field=where)
    try:
        line = head[0].decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request line is not valid UTF-8", field=where) from None
    words = line.split()
    if len(words) not in (2, 3) or (len(words) == 3 and not _VERSION_RE.fullmatch(words[2])):
        raise BadRequest(f"malformed request line {line[:80]!r}", field=where)
    method = words[0].upper()
    if method not in METHODS:
        raise BadRequest(f"unsupported method {words[0][:20]!r}", field=where)
    headers = parse_headers(head[1:], where)
    return method, words[1], headers, _cut_body(rest, headers.get("content-length"), where)


def _cut_body(rest: bytes, length: str | None, where: str) -> bytes | None:
    if length is None:
        return rest.rstrip(b"\r\n") or None
    if not _LENGTH_RE.fullmatch(length):
        raise BadRequest(f"invalid Content-Length {length[:20]!r}", field=where)
    size = int(length)
    if size > len(rest):
        raise BadRequest("the body is shorter than its Content-Length", field=where)
    return rest[:size] or None


def _part_type(headers: dict[str, str], where: str) -> tuple[str, dict[str, str]]:
    ctype = headers.get("content-type")
    if ctype is None:
        raise BadRequest("the part has no Content-Type", field=where)
    return parse_media_type(ctype)


class _Parser:
    """Walks the parts, counting requests and checking Content-ID uniqueness."""

    def __init__(self, max_requests: int) -> None:
        self.max_requests = max_requests
        self.count = 0
        self.ids: set[str] = set()

    def parse(self, data: bytes, boundary: str) -> list[BatchUnit]:
        units: list[BatchUnit] = []
        for index, raw in enumerate(split_multipart(data, boundary, "boundary")):
            where = f"part[{index}]"
            head, content = split_head(raw)
            headers = parse_headers(head, where)
            mime, params = _part_type(headers, where)
            if mime == HTTP_PART:
                units.append(BatchUnit([self._item(headers, content, None, where)]))
            elif mime == "multipart/mixed":
                units.append(self._changeset(params.get("boundary"), content, where))
            else:
                raise BadRequest(
                    f"a batch part must be {HTTP_PART} or multipart/mixed, not {mime[:60]!r}",
                    field=where,
                )
        return units

    def _changeset(self, boundary: str | None, content: bytes, where: str) -> BatchUnit:
        if not boundary:
            raise BadRequest("the change set has no boundary parameter", field=where)
        items = []
        for index, raw in enumerate(split_multipart(content, boundary, where)):
            sub = f"{where}.part[{index}]"
            head, body = split_head(raw)
            headers = parse_headers(head, sub)
            if _part_type(headers, sub)[0] != HTTP_PART:
                raise BadRequest(f"a change set may only contain {HTTP_PART} parts", field=sub)
            item = self._item(headers, body, boundary, sub)
            if item.request.method == "GET":
                raise BadRequest("GET requests are not allowed in a change set", field=sub)
            items.append(item)
        return BatchUnit(items, atomic=True)

    def _item(self, part_headers: dict[str, str], content: bytes, group: str | None, where: str) -> BatchItem:
        self.count += 1
        if self.count > self.max_requests:
            raise BadRequest(f"at most {self.max_requests} requests are allowed", field=where)
        encoding = part_headers.get("content-transfer-encoding", "binary").lower()
        if encoding not in _TRANSFER_ENCODINGS:
            raise BadRequest(f"unsupported Content-Transfer-Encoding {encoding[:20]!r}", field=where)
        method, url, headers, body = parse_http_request(content, where)
        content_id = part_headers.get("content-id") or headers.get("content-id") or None
        if content_id is not None:
            if content_id in self.ids:
                raise BadRequest(f"duplicate Content-ID {content_id[:40]!r}", field=where)
            self.ids.add(content_id)
        return BatchItem(SubRequest(content_id, method, url, headers, body, group))


# --- rendering -----------------------------------------------------------------------------


def render(results: list[UnitResult]) -> tuple[str, bytes]:
    """Serialize unit results as a multipart/mixed batch response: (content type, body)."""
    parts = [_unit_part(result) for result in results]
    boundary = _fresh_boundary("batchresponse", parts)
    return f"multipart/mixed; boundary={boundary}", _multipart(parts, boundary)


def _unit_part(result: UnitResult) -> bytes:
    unit = result.unit
    if not unit.atomic:
        return _http_part(result.responses[0], unit.items[0].request.id)
    if result.failure is not None:  # one error response for the whole change set
        return _http_part(result.failure, None)
    inner = [_http_part(r, item.request.id) for item, r in zip(unit.items, result.responses)]
    boundary = _fresh_boundary("changesetresponse", inner)
    head = f"Content-Type: multipart/mixed; boundary={boundary}".encode()
    return head + CRLF + CRLF + _multipart(inner, boundary).removesuffix(CRLF)


def _http_part(response: SubResponse, content_id: str | None) -> bytes:
    head = [b"Content-Type: " + HTTP_PART.encode(), b"Content-Transfer-Encoding: binary"]
    if content_id is not None:
        head.append(b"Content-ID: " + content_id.encode())
    lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}".encode()]
    for name, value in response.headers.items():
        if name.lower() != "content-length":
            lines.append(f"{_header_name(name)}: {_one_line(value)}".encode())
    body = response.body or b""
    if body:
        lines.append(f"Content-Length: {len(body)}".encode())
    return CRLF.join(head) + CRLF + CRLF + CRLF.join(lines) + CRLF + CRLF + body


def _multipart(parts: list[bytes], boundary: str) -> bytes:
    delimiter = b"--" + boundary.encode()
    out = bytearray()
    for part in parts:
        out += delimiter + CRLF + part + CRLF
    out += delimiter + b"--" + CRLF
    return bytes(out)


def _fresh_boundary(prefix: str, parts: list[bytes]) -> str:
    while True:
        boundary = f"{prefix}_{uuid.uuid4()}"
        marker = boundary.encode()
        if not any(marker in part for part in parts):
            return boundary


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _header_name(name: str) -> str:
    lower = name.lower()
    if lower in _HEADER_NAMES:
        return _HEADER_NAMES[lower]
    return "-".join(word[:1].upper() + word[1:] for word in lower.split("-"))


def _one_line(value: object) -> str:
    return str(value).replace("\r", " ").replace("\n", " ")
