"""The catalog as DCAT: one page of it (a dcat:Catalog with the page's datasets and their data
services) with Hydra paging as CKAN's DCAT extension (ckanext-dcat) writes it — the page a
hydra:PagedCollection with totalItems, itemsPerPage and first/last/next/previous page — and also
as a hydra:PartialCollectionView of the catalog, as Hydra now names it. A dataset alone is the
same description without the catalog around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from stadsdata.api.dcat import terms
from stadsdata.api.dcat.agents import agent, catalog_publisher, contact_point
from stadsdata.api.dcat.datasets import DatasetWriter, when
from stadsdata.api.dcat.vocab import HYDRA, PREFIXES
from stadsdata.catalog.entries import CatalogEntry, Party
from stadsdata.catalog.vocabularies import language


def new_graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


@dataclass(frozen=True)
class CatalogFacts:
    """What the catalog as a whole says, from all the entries the caller is shown (not one page):
    its publisher, how many datasets it lists and when any last changed."""

    publisher: Party | None
    total: int
    modified: datetime | None

    @classmethod
    def of(cls, entries: Sequence[CatalogEntry]) -> CatalogFacts:
        return cls(catalog_publisher(entries), len(entries), max((e.modified for e in entries), default=None))


@dataclass(frozen=True)
class Paging:
    """Page `page` (from 1) of `size` datasets; `url(n)` is the address of page n in this format."""

    page: int
    size: int
    total: int
    url_template: str  # with '{page}'

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))

    def url(self, page: int) -> str:
        return self.url_template.format(page=page)


def dataset_graph(base: str, entry: CatalogEntry) -> Graph:
    """One dataset with its distributions and data services."""
    graph = new_graph()
    DatasetWriter(graph, base).write(entry)
    return graph


def catalog_graph(base: str, page_entries: Sequence[CatalogEntry], facts: CatalogFacts, paging: Paging) -> Graph:
    """One page of the catalog: the catalog, the page's datasets and services, the Hydra paging."""
    base = base.rstrip("/")
    graph = new_graph()
    catalog = URIRef(f"{base}/catalog")
    _catalog(graph, base, catalog, facts)
    writer = DatasetWriter(graph, base)
    for entry in page_entries:
        dataset, services = writer.write(entry)
        graph.add((catalog, DCAT.dataset, dataset))
        for service in services:
            graph.add((catalog, DCAT.service, service))
    _paging(graph, catalog, paging)
    return graph


def _catalog(graph: Graph, base: str, catalog: URIRef, facts: CatalogFacts) -> None:
    graph.add((catalog, RDF.type, DCAT.Catalog))
    who = facts.publisher.name if facts.publisher is not None else "stadsdata"
    graph.add((catalog, DCTERMS.title, Literal(f"Datacatalogus van {who}", lang="nl")))
    graph.add((catalog, DCTERMS.title, Literal(f"Data catalogue of {who}", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(
        f"De datasets van het dataplatform van {who}: sensor- en systeemgegevens van de stad, met hun distributies "
        "(downloads en de SensorThings API). Openbare, beperkt toegankelijke en niet-openbare datasets worden alle beschreven; "
        "de gegevens zelf krijgt alleen wie ze mag lezen.", lang="nl")))  # fmt: skip
    graph.add((catalog, DCTERMS.description, Literal(
        f"The datasets of {who}'s data platform: the city's sensor and system data, with their distributions (downloads and "
        "the SensorThings API). Public, restricted and non-public datasets are all described; the data itself only goes to "
        "who may read it.", lang="en")))  # fmt: skip
    publisher = agent(graph, base, facts.publisher)
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, DCTERMS.creator, publisher))
    graph.add((catalog, DCAT.contactPoint, contact_point(graph, None, facts.publisher, f"{base}/")))
    graph.add((catalog, FOAF.homepage, terms.document(graph, f"{base}/")))
    graph.add((catalog, DCAT.themeTaxonomy, terms.data_theme_scheme(graph)))
    for code in ("nl", "en"):
        graph.add((catalog, DCTERMS.language, terms.language(graph, language(code))))  # type: ignore[arg-type]
    if facts.modified is not None:
        graph.add((catalog, DCTERMS.modified, when(facts.modified)))


def _paging(graph: Graph, catalog: URIRef, paging: Paging) -> None:
    view = URIRef(paging.url(paging.page))
    graph.add((view, RDF.type, HYDRA.PagedCollection))
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((catalog, HYDRA.view, view))
    graph.add((view, HYDRA.totalItems, Literal(paging.total, datatype=XSD.integer)))
    graph.add((view, HYDRA.itemsPerPage, Literal(paging.size, datatype=XSD.integer)))
    pages = {"first": 1, "last": paging.last}
    if paging.page > 1:
        pages["previous"] = paging.page - 1
    if paging.page < paging.last:
        pages["next"] = paging.page + 1
    for name, number in pages.items():
        url = paging.url(number)
        graph.add((view, HYDRA[name], URIRef(url)))  # Hydra's links
        graph.add((view, HYDRA[f"{name}Page"], Literal(url)))  # ckanext-dcat's (hydra:PagedCollection)
