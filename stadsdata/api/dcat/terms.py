"""The controlled terms a DCAT description points at, each written with the class and labels the
DCAT-AP(-NL) shapes ask of it: the EU authority tables publish no class assertions that a
validator sees, so the description states them (as DCAT-AP-NL's own examples do) — a theme is a
skos:Concept with a prefLabel, an access right a dct:RightsStatement, a licence a
dct:LicenseDocument, a language a dct:LinguisticSystem, a frequency a dct:Frequency, a format a
dct:MediaTypeOrExtent, a media type a dct:MediaType, a standard a dct:Standard."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

from stadsdata.api.dcat.vocab import ELI, EU_DATA_THEMES, EU_FILE_TYPE, FILE_TYPES, IANA, Standard
from stadsdata.catalog.vocabularies import EU_THEMES, Term


def labelled(graph: Graph, term: Term, kind: URIRef, label: URIRef = SKOS.prefLabel) -> URIRef:
    """The term's URI, typed `kind` and labelled in Dutch and English."""
    node = URIRef(term.uri)
    graph.add((node, RDF.type, kind))
    graph.add((node, label, Literal(term.nl, lang="nl")))
    graph.add((node, label, Literal(term.en, lang="en")))
    return node


def theme(graph: Graph, term: Term) -> URIRef:
    """A theme: a skos:Concept, of the EU data theme scheme when it is one of those."""
    node = labelled(graph, term, SKOS.Concept)
    if term in EU_THEMES.values():
        graph.add((node, SKOS.inScheme, data_theme_scheme(graph)))
    return node


def data_theme_scheme(graph: Graph) -> URIRef:
    node = URIRef(EU_DATA_THEMES)
    graph.add((node, RDF.type, SKOS.ConceptScheme))
    graph.add((node, DCTERMS.title, Literal("Data theme", lang="en")))
    return node


def rights(graph: Graph, term: Term) -> URIRef:
    return labelled(graph, term, DCTERMS.RightsStatement)


def licence(graph: Graph, term: Term) -> URIRef:
    return labelled(graph, term, DCTERMS.LicenseDocument, RDFS.label)


def frequency(graph: Graph, term: Term) -> URIRef:
    return labelled(graph, term, DCTERMS.Frequency)


def language(graph: Graph, term: Term) -> URIRef:
    return labelled(graph, term, DCTERMS.LinguisticSystem)


def standard(graph: Graph, value: Standard | str) -> URIRef:
    """A standard (a known one with its title, or a URI from the metadata's conformsTo)."""
    uri, title = (value.uri, value.title) if isinstance(value, Standard) else (value, None)
    node = URIRef(uri)
    graph.add((node, RDF.type, DCTERMS.Standard))
    if title:
        graph.add((node, DCTERMS.title, Literal(title, lang="en")))
    return node


def file_type(graph: Graph, format_name: str) -> URIRef | None:
    """The EU file type of a distribution format ('CSV' -> …/file-type/CSV)."""
    code = FILE_TYPES.get(format_name)
    if code is None:
        return None
    node = URIRef(EU_FILE_TYPE + code)
    graph.add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
    return node


def media_type(graph: Graph, media: str) -> URIRef:
    """An IANA media type ('text/csv' -> https://www.iana.org/assignments/media-types/text/csv)."""
    node = URIRef(IANA + media)
    graph.add((node, RDF.type, DCTERMS.MediaType))
    return node


def document(graph: Graph, url: str) -> URIRef:
    node = URIRef(url)
    graph.add((node, RDF.type, FOAF.Document))
    return node


def resource(graph: Graph, url: str) -> URIRef:
    """A URL that DCAT-AP asks to be an rdfs:Resource (an endpoint, an endpoint description)."""
    node = URIRef(url)
    graph.add((node, RDF.type, RDFS.Resource))
    return node


def legal_resource(graph: Graph, uri: str, title: str) -> URIRef:
    node = URIRef(uri)
    graph.add((node, RDF.type, ELI.LegalResource))
    graph.add((node, DCTERMS.title, Literal(title, lang="en")))
    return node
