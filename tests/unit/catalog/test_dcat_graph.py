"""The DCAT face's graph builder (`stadsdata/api/dcat/`) on catalog entries made here: every
description validates against the DCAT-AP-NL 3.0 SHACL shapes (../shared/standards/dcat-ap-nl-3.0,
each file on its own), defaults fill what the metadata leaves out, coverage is described only
when the catalog filled it in, the Hydra paging, content negotiation and the rendering cache."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns

from stadsdata.api.dcat import vocab
from stadsdata.api.dcat.datasets import described
from stadsdata.api.dcat.negotiation import JSON_LD, RDF_XML, TURTLE, negotiate
from stadsdata.api.dcat.pages import CatalogFacts, Paging, catalog_graph, dataset_graph
from stadsdata.api.dcat.render import Renderer, fingerprint, serialise
from stadsdata.catalog.entries import CatalogEntry, Party, StreamSummary

# rdflib namespaces by `ns.`: pytest probes a test module's names, and rdflib's closed namespaces warn at that


def _standards() -> Path:
    """The DCAT-AP-NL 3.0 shapes: `STADSDATA_DCAT_SHAPES`, else the team's `shared/standards` folder
    beside the checkout or beside one of the folders above it (they are Geonovum's, not ours to
    copy into the repository)."""
    if os.environ.get("STADSDATA_DCAT_SHAPES"):
        return Path(os.environ["STADSDATA_DCAT_SHAPES"])
    here = Path(__file__).resolve()
    for folder in here.parents[3:]:
        candidate = folder / "shared" / "standards" / "dcat-ap-nl-3.0"
        if candidate.is_dir():
            return candidate
    return here.parents[4] / "shared" / "standards" / "dcat-ap-nl-3.0"


STANDARDS = _standards()
MANDATORY = ("dcat-ap-SHACL.ttl", "dcat-ap-nl-SHACL.ttl", "dcat-ap-nl-SHACL-klassebereik.ttl",
             "dcat-ap-nl-SHACL-klassebereik-codelijsten.ttl")  # fmt: skip
RECOMMENDED = "dcat-ap-nl-SHACL-aanbevolen.ttl"
BASE = "https://data.veenhaven.example"
T0, T1 = datetime(2026, 5, 1, 10, tzinfo=UTC), datetime(2026, 5, 3, 12, tzinfo=UTC)
CITY = Party(1, "Gemeente Veenhaven", "organisation", "https://identifier.overheid.nl/tooi/id/gemeente/gm9999", "data@veenhaven.example")
GARAGE = Party(2, "Garagebedrijf", "company", None, None)


@cache
def shapes(name: str) -> Graph:
    if not STANDARDS.is_dir():
        pytest.skip(f"the DCAT-AP-NL shapes are not at {STANDARDS} (set STADSDATA_DCAT_SHAPES)")
    return Graph().parse(STANDARDS / name)


def results(graph: Graph, shape_file: str) -> list[str]:
    """The validation results of `graph` against one shape file: 'severity focus path: message'."""
    _, report, _ = validate(graph, shacl_graph=shapes(shape_file))
    out = []
    for result in report.subjects(ns.RDF.type, ns.SH.ValidationResult):
        severity = str(report.value(result, ns.SH.resultSeverity)).rsplit("#", 1)[-1]
        out.append(f"{severity} {report.value(result, ns.SH.focusNode)} {report.value(result, ns.SH.resultPath)}: "
                   f"{report.value(result, ns.SH.resultMessage)}")  # fmt: skip
    return sorted(out)


def violations(graph: Graph) -> dict[str, list[str]]:
    """Per mandatory shape file, its violations (each file validated on its own)."""
    return {name: [r for r in results(graph, name) if r.startswith("Violation")] for name in MANDATORY}


def assert_conforms(graph: Graph) -> None:
    assert violations(graph) == {name: [] for name in MANDATORY}
    recommended = results(graph, RECOMMENDED)  # only the SensorThings API's distribution has no download URL
    assert all(r.startswith("Warning") and "#sensorthings " in r and "downloadURL" in r for r in recommended), recommended


def entry(**changes: Any) -> CatalogEntry:
    base = CatalogEntry(
        id=1, name="lucht", title="Luchtkwaliteit", description="Fijnstof en NO2 van het burgermeetnet", access_level="public",
        owner=CITY, publisher=CITY, created=T0, modified=T1, metadata={}, unlisted=False, readable=False, managed=False,
        personal_data=False,
    )  # fmt: skip
    return replace(base, **changes)


RICH = entry(
    metadata={"titleEn": "Air quality", "descriptionEn": "Particulate matter", "themes": ["ENVI", "nl:lucht"],
              "keywords": ["fijnstof", "PM10"], "contactPoint": {"name": "Team Lucht", "email": "lucht@veenhaven.example",
              "url": "https://veenhaven.example/lucht"}, "license": "CC-BY-4.0", "accrualPeriodicity": "HOURLY",
              "conformsTo": ["https://example.org/luchtmeetnet-spec"], "landingPage": "https://veenhaven.example/lucht",
              "attribution": "Gemeente Veenhaven", "language": ["nl", "en"]},
    readable=True, temporal=(T0, T1), bbox=(6.05, 52.48, 6.12, 52.53),
    streams=(StreamSummary("Datastream", 7, "pm10 Stationsplein", "", ("PM10",), ("µg/m³",), "Luchtkast", 3, T0, T1, None),),
)  # fmt: skip
RESIDENT = entry(id=4, name="woning", title="Woning", description="", access_level="non-public", personal_data=True,
                 owner=Party(0, "resident", "resident"), publisher=Party(0, "resident", "resident"))  # fmt: skip
RESTRICTED = entry(id=2, name="parkeren", title="Parkeren", access_level="restricted", owner=GARAGE, publisher=GARAGE)
ORPHAN = entry(id=3, name="los", title="Los", owner=None, publisher=None)


def page(entries: list[CatalogEntry], number: int = 1, size: int = 100) -> Graph:
    paging = Paging(number, size, len(entries), f"{BASE}/catalog.ttl?page={{page}}")
    shown = entries[(number - 1) * size : number * size]
    return catalog_graph(BASE, shown, CatalogFacts.of(entries), paging)


def ds(name: str) -> URIRef:
    return URIRef(f"{BASE}/datasets/{name}")


def test_the_catalog_and_every_dataset_conform_to_each_shape_file() -> None:
    entries = [RICH, RESTRICTED, ORPHAN, RESIDENT]
    assert_conforms(page(entries))
    for each in entries:
        assert_conforms(dataset_graph(BASE, each))


def test_validation_is_not_vacuous() -> None:
    graph = dataset_graph(BASE, RICH)
    graph.remove((ds("lucht"), ns.DCAT.theme, None))
    graph.remove((ds("lucht"), ns.DCAT.contactPoint, None))
    found = violations(graph)
    assert any("dcat#theme" in r for r in found["dcat-ap-nl-SHACL.ttl"])
    assert any("dcat#contactPoint" in r for r in found["dcat-ap-nl-SHACL.ttl"])


def test_the_metadata_is_described() -> None:
    g = dataset_graph(BASE, RICH)
    node = ds("lucht")
    assert set(g.objects(node, ns.DCTERMS.title)) == {Literal("Luchtkwaliteit", lang="nl"), Literal("Air quality", lang="en")}
    assert g.value(node, ns.DCTERMS.identifier) == Literal(str(node))
    assert {str(t) for t in g.objects(node, ns.DCAT.theme)} == {
        "http://publications.europa.eu/resource/authority/data-theme/ENVI",
        "https://identifier.overheid.nl/tooi/def/thes/top/c_28ddcea5",
    }
    assert all((t, ns.RDF.type, ns.SKOS.Concept) in g and g.value(t, ns.SKOS.prefLabel) for t in g.objects(node, ns.DCAT.theme))
    contact = g.value(node, ns.DCAT.contactPoint)
    assert g.value(contact, vocab.VCARD.fn) == Literal("Team Lucht")
    assert g.value(contact, vocab.VCARD.hasEmail) == URIRef("mailto:lucht@veenhaven.example")
    assert g.value(node, ns.DCTERMS.publisher) == URIRef(CITY.uri)
    assert str(g.value(node, ns.DCTERMS.accrualPeriodicity)).endswith("/frequency/HOURLY")
    assert str(g.value(node, ns.DCTERMS.conformsTo)) == "https://example.org/luchtmeetnet-spec"
    assert str(g.value(node, ns.DCAT.landingPage)) == "https://veenhaven.example/lucht"
    licences = {str(o) for d in g.objects(node, ns.DCAT.distribution) for o in g.objects(d, ns.DCTERMS.license)}
    assert licences == {"http://creativecommons.org/licenses/by/4.0/deed.nl"}
    period = g.value(node, ns.DCTERMS.temporal)
    assert str(g.value(period, ns.DCAT.startDate)).startswith("2026-05-01T10:00:00")
    bbox = g.value(g.value(node, ns.DCTERMS.spatial), ns.DCAT.bbox)
    assert str(bbox) == "POLYGON((6.05 52.48,6.12 52.48,6.12 52.53,6.05 52.53,6.05 52.48))"
    assert "pm10 Stationsplein" not in g.serialize(format="turtle")  # no stream is ever named


def test_defaults_fill_what_the_metadata_leaves_out() -> None:
    g = dataset_graph(BASE, entry())
    node = ds("lucht")
    assert [str(t) for t in g.objects(node, ns.DCAT.theme)] == ["http://publications.europa.eu/resource/authority/data-theme/REGI"]
    assert g.value(node, ns.DCTERMS.creator) == URIRef(CITY.uri)
    assert g.value(g.value(node, ns.DCAT.contactPoint), vocab.VCARD.hasEmail) == URIRef("mailto:data@veenhaven.example")
    assert str(g.value(node, ns.DCTERMS.conformsTo)) == "http://www.opengis.net/doc/is/sensorthings/1.1"
    assert str(g.value(node, ns.DCTERMS.language)).endswith("/language/NLD")
    licences = {str(o) for d in g.objects(node, ns.DCAT.distribution) for o in g.objects(d, ns.DCTERMS.license)}
    assert licences == {"http://creativecommons.org/publicdomain/zero/1.0/deed.nl"}
    # only a Dutch theme: an EU theme is added, as DCAT-AP-NL requires one
    g = dataset_graph(BASE, entry(metadata={"themes": ["nl:verkeer"]}))
    assert len(set(g.objects(node, ns.DCAT.theme))) == 2
    # a company without an address: the contact point is the dataset's page in the web UI; not open: niet_open
    g = dataset_graph(BASE, RESTRICTED)
    contact = g.value(ds("parkeren"), ns.DCAT.contactPoint)
    assert g.value(contact, vocab.VCARD.hasURL) == URIRef(f"{BASE}/catalog/parkeren")
    assert g.value(contact, vocab.VCARD.hasEmail) is None
    assert g.value(ds("parkeren"), ns.DCAT.landingPage) == URIRef(f"{BASE}/catalog/parkeren")
    assert g.value(ds("parkeren"), ns.DCTERMS.publisher) == URIRef(f"{BASE}/api/v1/parties/2")
    licences = {str(o) for d in g.objects(ds("parkeren"), ns.DCAT.distribution) for o in g.objects(d, ns.DCTERMS.license)}
    assert licences == {"https://definities.geostandaarden.nl/dcat-ap-nl/id/waardelijst/licenties/niet_open"}
    # no owner: the platform publishes it
    g = dataset_graph(BASE, ORPHAN)
    assert g.value(g.value(ds("los"), ns.DCTERMS.publisher), ns.FOAF.name) == Literal("stadsdata")


def test_a_resident_is_an_anonymous_agent_and_personal_data_names_the_gdpr() -> None:
    g = dataset_graph(BASE, RESIDENT)
    publisher = g.value(ds("woning"), ns.DCTERMS.publisher)
    assert not isinstance(publisher, URIRef) and g.value(publisher, ns.FOAF.name) == Literal("resident")
    assert "/parties/0" not in g.serialize(format="turtle")
    legislation = URIRef("http://data.europa.eu/r5r/applicableLegislation")
    assert str(g.value(ds("woning"), legislation)) == "http://data.europa.eu/eli/reg/2016/679/oj"


def test_coverage_is_described_only_when_the_catalog_filled_it_in() -> None:
    g = dataset_graph(BASE, RESTRICTED)
    assert g.value(ds("parkeren"), ns.DCTERMS.temporal) is None and g.value(ds("parkeren"), ns.DCTERMS.spatial) is None


def test_the_catalog_is_published_by_the_municipality_and_paged_with_hydra() -> None:
    entries = [replace(RICH, id=i, name=f"d{i}") for i in range(1, 6)] + [RESTRICTED]
    g = page(entries, number=2, size=2)
    catalog = URIRef(f"{BASE}/catalog")
    assert g.value(catalog, ns.DCTERMS.publisher) == URIRef(CITY.uri)
    assert set(g.objects(catalog, ns.DCAT.dataset)) == {ds("d3"), ds("d4")}
    view = URIRef(f"{BASE}/catalog.ttl?page=2")
    assert (view, ns.RDF.type, vocab.HYDRA.PagedCollection) in g and (view, ns.RDF.type, vocab.HYDRA.PartialCollectionView) in g
    assert g.value(view, vocab.HYDRA.totalItems).toPython() == 6 and g.value(view, vocab.HYDRA.itemsPerPage).toPython() == 2
    links = {name: str(g.value(view, vocab.HYDRA[name])) for name in ("first", "previous", "next", "last")}
    assert links == {name: f"{BASE}/catalog.ttl?page={n}" for name, n in (("first", 1), ("previous", 1), ("next", 3), ("last", 3))}
    assert str(g.value(view, vocab.HYDRA.nextPage)) == f"{BASE}/catalog.ttl?page=3"  # as ckanext-dcat writes it
    assert g.value(URIRef(f"{BASE}/catalog.ttl?page=3"), vocab.HYDRA.next) is None
    last = page(entries, number=3, size=2)
    assert last.value(URIRef(f"{BASE}/catalog.ttl?page=3"), vocab.HYDRA.next) is None


def test_every_serialisation_reads_back_as_the_same_graph() -> None:
    graph = page([RICH, RESIDENT])
    for fmt in (TURTLE, JSON_LD, RDF_XML):
        again = Graph().parse(data=serialise(graph, fmt), format=fmt.rdflib_format)
        assert len(again) == len(graph), fmt


@pytest.mark.parametrize(("accept", "default", "expected"), [
    ("text/turtle", None, TURTLE), ("application/ld+json", None, JSON_LD), ("application/rdf+xml", None, RDF_XML),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", TURTLE, None),  # a browser
    ("text/html;q=0.5, application/ld+json", None, JSON_LD), ("text/html, text/turtle;q=0.9", TURTLE, None),
    ("application/ld+json;q=0.4, text/turtle;q=0.8", None, TURTLE), ("text/turtle;q=0", None, None),
    ("*/*", TURTLE, TURTLE), ("*/*", None, None), (None, TURTLE, TURTLE), (None, None, None), ("application/json", None, None),
])  # fmt: skip
def test_content_negotiation(accept: str | None, default: Any, expected: Any) -> None:
    assert negotiate(accept, default) == expected


def test_a_description_changes_with_the_minute_not_with_every_observation() -> None:
    later = replace(RICH, modified=RICH.modified.replace(second=41), temporal=(T0, T1.replace(second=59)), streams=())
    assert fingerprint(later) == fingerprint(RICH)
    assert fingerprint(replace(RICH, modified=RICH.modified.replace(minute=1))) != fingerprint(RICH)
    assert described(RICH).streams == ()


def test_a_document_is_built_once_per_content() -> None:
    renderer, built = Renderer(size=2), []

    def build() -> Graph:
        built.append(1)
        return dataset_graph(BASE, RICH)

    first = renderer.render(("dataset", "x"), TURTLE, build)
    assert renderer.render(("dataset", "x"), TURTLE, build) is first and len(built) == 1
    assert renderer.render(("dataset", "x"), JSON_LD, build).etag != first.etag and len(built) == 2
    renderer.render(("dataset", "y"), TURTLE, build)
    renderer.render(("dataset", "x"), TURTLE, build)  # evicted (size 2): built again
    assert len(built) == 4
    small = Renderer(max_bytes=len(first.body) + 10)  # room for one document
    small.render(("dataset", "x"), TURTLE, build)
    small.render(("dataset", "y"), TURTLE, build)
    small.render(("dataset", "x"), TURTLE, build)
    assert len(built) == 7
