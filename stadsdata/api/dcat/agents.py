"""Who publishes, created and answers questions about what the catalog describes: a party as a
foaf:Agent (its own URI — a TOOI identifier where it has one — else the platform's URI of the
party), a contact point as a vCard, and the one publisher of the catalog as a whole."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS

from stadsdata.api.dcat.vocab import PUBLISHER_TYPE, PUBLISHER_TYPES, VCARD
from stadsdata.catalog.entries import CatalogEntry, Party

PLATFORM_NAME = "stadsdata"


def party_uri(base: str, party: Party) -> URIRef:
    return URIRef(party.uri or f"{base}/api/v1/parties/{party.id}")


def agent(graph: Graph, base: str, party: Party | None) -> URIRef | BNode:
    """The party as a foaf:Agent; None: the platform itself. A resident the catalog does not name
    to this caller (`Party(0, 'resident', …)`) is a blank node: no identifier tells residents apart."""
    if party is None:
        node: URIRef | BNode = URIRef(f"{base}/catalog#platform")
        graph.add((node, RDF.type, FOAF.Agent))
        graph.add((node, FOAF.name, Literal(PLATFORM_NAME)))
        return node
    node = BNode() if party.id == 0 and party.kind == "resident" else party_uri(base, party)
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, RDF.type, FOAF.Person if party.kind == "resident" else FOAF.Organization))
    graph.add((node, FOAF.name, Literal(party.name)))
    kind = publisher_type(party)
    if kind is not None:
        code, label = kind
        concept = URIRef(PUBLISHER_TYPE + code)
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
        graph.add((node, DCTERMS.type, concept))
    return node


def publisher_type(party: Party) -> tuple[str, str] | None:
    """The ADMS publisher type: by kind for companies and residents, else by the government its
    TOOI identifier names (a municipality: LocalAuthority); None when neither says."""
    if party.kind in PUBLISHER_TYPES:
        return PUBLISHER_TYPES[party.kind]
    uri = party.uri or ""
    return next((kind for part, kind in PUBLISHER_TYPES.items() if part.startswith("/") and part in uri), None)


def contact_point(graph: Graph, given: Mapping[str, Any] | None, party: Party | None, fallback_url: str) -> BNode:
    """A vcard:Organization: the metadata's contact point, else the party's name and email. It
    always has a way to reach someone: without an email or URL, `fallback_url` (the catalog's page)."""
    node = BNode()
    graph.add((node, RDF.type, VCARD.Kind))
    graph.add((node, RDF.type, VCARD.Organization))
    given = given or {}
    name = given.get("name") or (party.name if party is not None else PLATFORM_NAME)
    graph.add((node, VCARD.fn, Literal(name)))
    email = given.get("email") or (party.email if party is not None else None)
    if email:
        graph.add((node, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    url = given.get("url")
    if url or not email:
        graph.add((node, VCARD.hasURL, URIRef(url or fallback_url)))
    return node


def catalog_publisher(entries: Iterable[CatalogEntry]) -> Party | None:
    """The publisher of the catalog as a whole: of the parties that own or publish what it lists,
    a municipality (by its TOOI identifier), else an organisation, else any (not a resident); the
    one with the lowest id. None when there is none: the platform publishes it."""
    parties: dict[int, Party] = {}
    for entry in entries:
        for party in (entry.publisher, entry.owner):
            if party is not None and party.kind != "resident" and party.id != 0:
                parties.setdefault(party.id, party)
    municipal = [p for p in parties.values() if "/gemeente/" in (p.uri or "")]
    pool = municipal or [p for p in parties.values() if p.kind == "organisation"] or list(parties.values())
    return min(pool, key=lambda p: p.id) if pool else None
