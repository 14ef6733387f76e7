"""One catalog entry as a dcat:Dataset with what DCAT-AP-NL 3.0 asks of it: identifier, titles
and descriptions in Dutch (and English when the metadata has them), publisher, creator, one
contact point, themes (at least one EU data theme), keywords, access rights, languages, the
standards it follows, its pages, dates, its distributions and the data services they are
accessed through. Coverage in time and space only when the catalog filled it in (the caller may
read the data); nothing else of the data is described — no stream, no count.

Defaults where the metadata is silent (docs/dcat.md): theme REGI; publisher and creator the owner
(the platform without one); contact point the owner's name and email; conformsTo the SensorThings
data model every dataset here follows; landing page the dataset's page in the web UI
(/catalog/{name})."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, GEO, RDF, XSD

from stadsdata.api.dcat import terms
from stadsdata.api.dcat.agents import agent, contact_point
from stadsdata.api.dcat.services import Services
from stadsdata.api.dcat.vocab import DCATAP, FORMAT_STANDARDS, GDPR, SENSORTHINGS
from stadsdata.catalog.distributions import Distribution, distributions
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.catalog.vocabularies import ACCESS_RIGHTS, EU_THEMES, FREQUENCIES, Term, language, theme

DEFAULT_THEME = "REGI"  # Regions and cities: what a city's data platform holds when nothing more is said


def described(entry: CatalogEntry) -> CatalogEntry:
    """The entry as a description uses it: without its streams (no description names them) and
    with its times to the minute — data that changes every few seconds then has the same
    description for a minute, rendered once for every caller shown it (`render.py`)."""
    temporal = None if entry.temporal is None else (to_minute(entry.temporal[0]), to_minute(entry.temporal[1]))
    return replace(entry, streams=(), created=to_minute(entry.created), modified=to_minute(entry.modified), temporal=temporal)


def to_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def dataset_uri(base: str, entry: CatalogEntry) -> URIRef:
    return URIRef(f"{base}/datasets/{quote(entry.name, safe='')}")


def when(moment: datetime) -> Literal:
    return Literal(to_minute(moment).isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def themes_of(entry: CatalogEntry) -> list[Term]:
    """The entry's themes, with at least one EU data theme (DCAT-AP-NL requires one)."""
    found = [t for code in entry.themes if (t := theme(code)) is not None]
    return found if any(t in EU_THEMES.values() for t in found) else [EU_THEMES[DEFAULT_THEME], *found]


def languages_of(entry: CatalogEntry) -> list[Term]:
    return [t for code in entry.metadata.get("language") or ["nl"] if (t := language(code)) is not None]


class DatasetWriter:
    """Writes entries into `graph` as datasets of the catalog at `base` (the external base URL)."""

    def __init__(self, graph: Graph, base: str) -> None:
        self.graph, self.base = graph, base.rstrip("/")

    def write(self, entry: CatalogEntry) -> tuple[URIRef, list[URIRef]]:
        """The dataset's node and those of its data services."""
        g, node = self.graph, dataset_uri(self.base, entry)
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCTERMS.identifier, Literal(str(node))))
        self._texts(node, entry)
        publisher = agent(g, self.base, entry.publisher or entry.owner)
        g.add((node, DCTERMS.publisher, publisher))
        g.add((node, DCTERMS.creator, agent(g, self.base, entry.owner) if entry.owner else publisher))
        contact = contact_point(g, entry.metadata.get("contactPoint"), entry.owner or entry.publisher, self._page(entry))
        g.add((node, DCAT.contactPoint, contact))
        self._classification(node, entry)
        self._coverage(node, entry)
        self._pages(node, entry)
        g.add((node, DCTERMS.issued, when(entry.created)))
        g.add((node, DCTERMS.modified, when(entry.modified)))
        services = Services(g, self.base, entry, node, publisher, contact)
        for distribution in distributions(entry, self.base):
            g.add((node, DCAT.distribution, self._distribution(node, entry, distribution, services)))
        return node, services.written

    def _texts(self, node: URIRef, entry: CatalogEntry) -> None:
        g, metadata = self.graph, entry.metadata
        g.add((node, DCTERMS.title, Literal(entry.title, lang="nl")))
        g.add((node, DCTERMS.description, Literal(entry.description or entry.title, lang="nl")))
        if metadata.get("titleEn"):
            g.add((node, DCTERMS.title, Literal(metadata["titleEn"], lang="en")))
        if metadata.get("descriptionEn"):
            g.add((node, DCTERMS.description, Literal(metadata["descriptionEn"], lang="en")))
        tag = (metadata.get("language") or ["nl"])[0]
        for keyword in entry.keywords:
            g.add((node, DCAT.keyword, Literal(keyword, lang=tag)))

    def _classification(self, node: URIRef, entry: CatalogEntry) -> None:
        """Themes, access rights, frequency, languages, standards and applicable legislation."""
        g, metadata = self.graph, entry.metadata
        for term in themes_of(entry):
            g.add((node, DCAT.theme, terms.theme(g, term)))
        g.add((node, DCTERMS.accessRights, terms.rights(g, ACCESS_RIGHTS[entry.access_level])))
        frequency = FREQUENCIES.get(metadata.get("accrualPeriodicity") or "")
        if frequency is not None:
            g.add((node, DCTERMS.accrualPeriodicity, terms.frequency(g, frequency)))
        for term in languages_of(entry):
            g.add((node, DCTERMS.language, terms.language(g, term)))
        for standard in metadata.get("conformsTo") or [SENSORTHINGS]:
            g.add((node, DCTERMS.conformsTo, terms.standard(g, standard)))
        if entry.personal_data:
            g.add((node, DCATAP.applicableLegislation, terms.legal_resource(g, GDPR, "General Data Protection Regulation")))

    def _coverage(self, node: URIRef, entry: CatalogEntry) -> None:
        """When and where the data is from: present only when the catalog filled it in."""
        g = self.graph
        if entry.temporal is not None:
            period = BNode()
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            g.add((period, DCAT.startDate, when(entry.temporal[0])))
            g.add((period, DCAT.endDate, when(entry.temporal[1])))
            g.add((node, DCTERMS.temporal, period))
        if entry.bbox is not None:
            west, south, east, north = entry.bbox
            polygon = f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"
            location = BNode()
            g.add((location, RDF.type, DCTERMS.Location))
            g.add((location, DCAT.bbox, Literal(polygon, datatype=GEO.wktLiteral)))
            g.add((node, DCTERMS.spatial, location))

    def _page(self, entry: CatalogEntry) -> str:
        """The dataset's page in the web UI."""
        return f"{self.base}/catalog/{quote(entry.name, safe='')}"

    def _pages(self, node: URIRef, entry: CatalogEntry) -> None:
        """The landing page (the metadata's, else the dataset's page in the web UI) and the
        documentation (the catalog entry of the management API: its distributions and, for who
        may read the data, its streams with their units)."""
        landing = entry.metadata.get("landingPage") or self._page(entry)
        self.graph.add((node, DCAT.landingPage, terms.document(self.graph, landing)))
        documentation = f"{self.base}/api/v1/catalog/{quote(entry.name, safe='')}"
        self.graph.add((node, FOAF.page, terms.document(self.graph, documentation)))

    def _distribution(self, node: URIRef, entry: CatalogEntry, distribution: Distribution, services: Services) -> URIRef:
        g = self.graph
        out = URIRef(f"{node}#{distribution.key}")
        g.add((out, RDF.type, DCAT.Distribution))
        g.add((out, DCTERMS.title, Literal(f"{entry.title} ({distribution.format})", lang="nl")))
        g.add((out, DCAT.accessURL, terms.resource(g, distribution.url)))
        if distribution.kind == "download":
            g.add((out, DCAT.downloadURL, terms.resource(g, distribution.url)))
        g.add((out, DCAT.accessService, services.for_distribution(distribution)))
        g.add((out, DCTERMS.license, terms.licence(g, distribution.license)))
        file_type = terms.file_type(g, distribution.format)
        if file_type is not None:
            g.add((out, DCTERMS.format, file_type))
        g.add((out, DCAT.mediaType, terms.media_type(g, distribution.media_type)))
        standard = FORMAT_STANDARDS.get(distribution.format)
        if standard is not None:
            g.add((out, DCTERMS.conformsTo, terms.standard(g, standard)))
        for term in languages_of(entry):
            g.add((out, DCTERMS.language, terms.language(g, term)))
        attribution = entry.metadata.get("attribution")
        if attribution:
            statement = BNode()
            g.add((statement, RDF.type, DCTERMS.RightsStatement))
            g.add((statement, DCTERMS.description, Literal(f"Naamsvermelding: {attribution}", lang="nl")))
            g.add((out, DCTERMS.rights, statement))
        return out

