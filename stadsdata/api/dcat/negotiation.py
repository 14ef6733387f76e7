"""Which RDF serialisation a request asks for: by the path's suffix (.ttl, .jsonld, .rdf) or by
its Accept header (q-values weighed; an RDF type named there wins over HTML only when it is
preferred at least as much). `NegotiatedRoute` answers only requests that ask for RDF and lets
the others fall through to the next route of the same path (the web UI's HTML page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope


@dataclass(frozen=True)
class RdfFormat:
    suffix: str
    media_type: str
    rdflib_format: str


TURTLE = RdfFormat("ttl", "text/turtle", "turtle")
JSON_LD = RdfFormat("jsonld", "application/ld+json", "json-ld")
RDF_XML = RdfFormat("rdf", "application/rdf+xml", "xml")
FORMATS = {f.suffix: f for f in (TURTLE, JSON_LD, RDF_XML)}
BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS.values()}
HTML = ("text/html", "application/xhtml+xml")


def accepted(accept: str | None) -> dict[str, float]:
    """The media types an Accept header names, with their q-values."""
    out: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value)))
                except ValueError:
                    q = 0.0
        out[media.lower()] = max(q, out.get(media.lower(), 0.0))
    return out


def negotiate(accept: str | None, default: RdfFormat | None = None) -> RdfFormat | None:
    """The RDF format to answer with: the RDF type the header prefers most, if it is preferred at
    least as much as HTML; else, when HTML is not asked for, `default`; else None (not RDF)."""
    weights = accepted(accept)
    html = max((weights.get(m, 0.0) for m in HTML), default=0.0)
    named = [(q, -i, BY_MEDIA_TYPE[m]) for i, (m, q) in enumerate(weights.items()) if m in BY_MEDIA_TYPE and q > 0]
    if named:
        q, _, best = max(named, key=lambda item: (item[0], item[1]))
        if q >= html:
            return best
        return None
    return default if html == 0 else None


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def negotiated_route(default: RdfFormat | None) -> type[APIRoute]:
    """A route class that matches only requests `negotiate` answers with RDF (`default` for an
    Accept that names neither RDF nor HTML); the request format is left in scope["dcat.format"]."""

    class NegotiatedRoute(APIRoute):
        def matches(self, scope: Scope) -> tuple[Match, Scope]:
            match, child = super().matches(scope)
            if match == Match.NONE or scope.get("type") != "http":
                return match, child
            chosen = negotiate(header(scope, b"accept"), default)
            if chosen is None:
                return Match.NONE, {}
            return match, {**child, "dcat.format": chosen}

    return NegotiatedRoute


def chosen_format(request: Any) -> RdfFormat:
    return request.scope.get("dcat.format") or TURTLE  # type: ignore[no-any-return]

