"""The data services through which a dataset's distributions are accessed, each a dcat:DataService
serving that dataset: the SensorThings API (`/v1.1`, OGC 18-088) and the download API of the
management API (`/api/v1/datasets/{id}/download`, OpenAPI at `/api/v1/openapi.json`). Written per
dataset, because a service's access rights and licence are those of the data it serves there."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from stadsdata.api.dcat import terms
from stadsdata.api.dcat.vocab import OPENAPI, SENSORTHINGS, STA_DOCUMENTATION, Standard
from stadsdata.catalog.distributions import Distribution, license_of
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.catalog.vocabularies import ACCESS_RIGHTS, language

Texts = tuple[str, str, str, str]  # title nl, title en, description nl, description en
STA_TEXTS: Texts = (
    "SensorThings API", "SensorThings API",
    "De metingen van deze dataset via de OGC SensorThings API 1.1 (Things, Datastreams, Observations), voor wie ze mag lezen.",
    "This dataset's observations through the OGC SensorThings API 1.1 (Things, Datastreams, Observations), for who may read them.",
)  # fmt: skip
DOWNLOAD_TEXTS: Texts = (
    "Download-API", "Download API",
    "Downloads van de metingen van deze dataset (CSV, GeoJSON, Parquet), te kiezen op tijd, gebied en reeks, voor wie ze mag lezen.",
    "Downloads of this dataset's observations (CSV, GeoJSON, Parquet), selected by time, area and stream, for who may read them.",
)  # fmt: skip


class Services:
    """The data services of one dataset, written into `graph` when a distribution first needs one."""

    def __init__(self, graph: Graph, base: str, entry: CatalogEntry, dataset: URIRef, publisher: URIRef | BNode, contact: BNode) -> None:
        self.graph, self.base, self.entry, self.dataset = graph, base, entry, dataset
        self.publisher, self.contact = publisher, contact
        self.written: list[URIRef] = []

    def for_distribution(self, distribution: Distribution) -> URIRef:
        if distribution.kind == "service":
            return self._service("sensorthings-api", STA_TEXTS, distribution.url, distribution.url, SENSORTHINGS,
                                 ["SensorThings API", "OGC", "IoT"], STA_DOCUMENTATION)  # fmt: skip
        return self._service("download-api", DOWNLOAD_TEXTS, f"{self.base}/api/v1", f"{self.base}/api/v1/openapi.json", OPENAPI,
                             ["download", "CSV", "GeoJSON", "Parquet"], None)  # fmt: skip

    def _service(self, key: str, texts: Texts, endpoint: str, description: str, standard: Standard, keywords: list[str],
                 documentation: str | None) -> URIRef:  # fmt: skip
        g, node = self.graph, URIRef(f"{self.dataset}#{key}")
        if node in self.written:
            return node
        self.written.append(node)
        g.add((node, RDF.type, DCAT.DataService))
        g.add((node, DCTERMS.identifier, Literal(str(node))))
        title_nl, title_en, description_nl, description_en = texts
        g.add((node, DCTERMS.title, Literal(f"{title_nl}: {self.entry.title}", lang="nl")))
        g.add((node, DCTERMS.title, Literal(f"{title_en}: {self.entry.metadata.get('titleEn') or self.entry.title}", lang="en")))
        g.add((node, DCTERMS.description, Literal(description_nl, lang="nl")))
        g.add((node, DCTERMS.description, Literal(description_en, lang="en")))
        g.add((node, DCAT.endpointURL, terms.resource(g, endpoint)))
        g.add((node, DCAT.endpointDescription, terms.resource(g, description)))
        g.add((node, DCTERMS.conformsTo, terms.standard(g, standard)))
        g.add((node, DCAT.servesDataset, self.dataset))
        g.add((node, DCTERMS.accessRights, terms.rights(g, ACCESS_RIGHTS[self.entry.access_level])))
        g.add((node, DCTERMS.license, terms.licence(g, license_of(self.entry))))
        g.add((node, DCTERMS.publisher, self.publisher))
        g.add((node, DCTERMS.creator, self.publisher))
        g.add((node, DCAT.contactPoint, self.contact))
        for theme in g.objects(self.dataset, DCAT.theme):
            g.add((node, DCAT.theme, theme))
        for keyword in keywords:
            g.add((node, DCAT.keyword, Literal(keyword)))
        for code in self.entry.metadata.get("language") or ["nl"]:
            term = language(code)
            if term is not None:
                g.add((node, DCTERMS.language, terms.language(g, term)))
        if documentation:
            g.add((node, FOAF.page, terms.document(g, documentation)))
        return node
