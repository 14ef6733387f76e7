"""JSON-LD @context handling without the network (ETSI GS CIM 009 clauses 5.5.7, 6.3.5): the
core @context (Annex B) and a subset of the Smart Data Models contexts are bundled in
`contexts/`; a user @context — in a `Link` header or a body's `@context` — is accepted only when
each URL it names is one of these (or an inline object), otherwise LdContextNotAvailable.

Attribute and type names are kept as the client wrote them (their short, compacted form): this
slice does not expand them to URIs nor compact them under another context. Requests and
responses: `application/json` (the @context in a `Link` header) and `application/ld+json` (the
@context in the body); `application/geo+json` for reads."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from starlette.datastructures import Headers

from stadsdata.api.ngsild.errors import (
    BadRequestData,
    InvalidRequest,
    LdContextNotAvailable,
    NonexistentTenant,
)
from stadsdata.errors import ProblemError, UnsupportedMediaType

HERE = Path(__file__).parent / "contexts"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
JSON, LD_JSON, GEO_JSON = "application/json", "application/ld+json", "application/geo+json"
_CORE_FILE = "ngsi-ld-core-context-v1.9.jsonld"
_SDM_FILE = "smart-data-models-subset.jsonld"
_SDM_DOMAINS = (
    "Environment",
    "Weather",
    "Parking",
    "Transportation",
    "WasteManagement",
    "Streetlighting",
    "ParksAndGardens",
)
# The local cache: URL -> bundled file.
CACHE: dict[str, str] = {
    **{f"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context{v}.jsonld": _CORE_FILE
       for v in ("", "-v1.3", "-v1.4", "-v1.5", "-v1.6", "-v1.7", "-v1.8", "-v1.9")},
    "https://smartdatamodels.org/context.jsonld": _SDM_FILE,
    "https://raw.githubusercontent.com/smart-data-models/data-models/master/context.jsonld": _SDM_FILE,
    **{f"https://raw.githubusercontent.com/smart-data-models/dataModel.{d}/master/context.jsonld": _SDM_FILE for d in _SDM_DOMAINS},
}  # fmt: skip


class NotAcceptable(ProblemError):
    """No representation the Accept header takes (NGSI-LD has no error type of its own for it)."""

    status, title = 406, "Not Acceptable"


@cache
def bundled(url: str) -> dict[str, Any]:
    """A cached @context document by URL (KeyError: not in the cache)."""
    return orjson.loads((HERE / CACHE[url]).read_bytes())  # type: ignore[no-any-return]


def check_context(context: Any, field: str = "@context") -> Any:
    """A user @context as given, once every URL it names is known locally."""
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, str):
            if item not in CACHE:
                raise LdContextNotAvailable(
                    f"the @context {item!r} is not in this broker's local cache (no remote fetches)", field=field
                )
        elif not isinstance(item, dict):
            raise BadRequestData("an @context is a URL, an object or an array of these", field=field)
    return context


def link_context(headers: Headers) -> str | None:
    """The @context URL of a `Link` header with rel=<json-ld#context>, checked against the cache."""
    for link in headers.getlist("link"):
        for part in link.split(","):
            match = re.match(r"\s*<([^>]*)>(.*)", part)
            if match and CONTEXT_REL in match.group(2):
                return str(check_context(match.group(1), field="Link"))
    return None


def check_tenant(headers: Headers) -> None:
    """Multi-tenancy is not supported: only the default tenant exists."""
    tenant = headers.get("ngsild-tenant")
    if tenant:
        raise NonexistentTenant(
            f"tenant {tenant!r} does not exist: this broker serves only the default tenant", field="NGSILD-Tenant"
        )


def read_body(headers: Headers, raw: bytes) -> tuple[Any, Any]:
    """(the JSON body, its @context) of a write, with the rules of clause 6.3.5: JSON with an
    optional Link header, or JSON-LD with the @context in the body and no Link header."""
    check_tenant(headers)
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in (JSON, LD_JSON):
        raise UnsupportedMediaType(
            f"Content-Type must be {JSON} or {LD_JSON}, not {media or 'missing'!r}", field="Content-Type"
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"the body is not valid JSON: {exc}", field="body") from None
    linked = link_context(headers)
    context = None
    if media == LD_JSON:
        if linked is not None:
            raise BadRequestData(
                "a JSON-LD request carries its @context in the body, not in a Link header", field="Link"
            )
        items = body if isinstance(body, list) else [body]
        for index, item in enumerate(items):
            if not isinstance(item, dict) or "@context" not in item:
                raise BadRequestData(
                    "an application/ld+json body needs an @context",
                    field=f"[{index}]/@context" if isinstance(body, list) else "@context",
                )
            context = check_context(item["@context"])
    else:
        items = body if isinstance(body, list) else [body]
        if any(isinstance(item, dict) and "@context" in item for item in items):
            raise BadRequestData(
                "an application/json body has no @context: send it in a Link header or as application/ld+json",
                field="@context",
            )
        context = linked
    return body, context


def response_type(headers: Headers, *, geo: bool = True) -> str:
    """The representation the Accept header asks for (JSON when it does not say)."""
    accept = headers.get("accept", "*/*").lower()
    offered = [JSON, LD_JSON] + ([GEO_JSON] if geo else [])
    ranked = []
    for index, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        q = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        ranked.append((-q, index, media.strip()))
    for _, _, media in sorted(ranked):
        if media in offered:
            return media
        if media in ("*/*", "application/*"):
            return JSON
    raise NotAcceptable(f"this resource is offered as {', '.join(offered)}", field="Accept")
