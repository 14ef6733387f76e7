"""The RDF vocabulary the DCAT face writes: namespaces, and the fixed terms its descriptions point
at (EU file types, IANA media types, the standards the distributions and services follow, ADMS
publisher types, the GDPR as applicable legislation)."""

from __future__ import annotations

from typing import NamedTuple

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, GEO, RDF, RDFS, SKOS, XSD

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
LOCN = Namespace("http://www.w3.org/ns/locn#")

PREFIXES = {
    "dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "vcard": VCARD, "skos": SKOS, "xsd": XSD, "rdf": RDF, "rdfs": RDFS,
    "hydra": HYDRA, "dcatap": DCATAP, "eli": ELI, "adms": ADMS, "locn": LOCN, "gsp": GEO,
}  # fmt: skip


class Standard(NamedTuple):
    uri: str
    title: str


EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA = "https://www.iana.org/assignments/media-types/"
EU_DATA_THEMES = "http://publications.europa.eu/resource/authority/data-theme"

# Per distribution format (`catalog.distributions`): its EU file type and the standard it follows.
FILE_TYPES = {"CSV": "CSV", "GeoJSON": "GEOJSON", "Parquet": "PARQUET", "SensorThings API": "JSON"}
SENSORTHINGS = Standard("http://www.opengis.net/doc/is/sensorthings/1.1", "OGC SensorThings API Part 1: Sensing, version 1.1")
FORMAT_STANDARDS = {
    "CSV": Standard("https://www.rfc-editor.org/rfc/rfc4180", "RFC 4180: Common Format and MIME Type for CSV Files"),
    "GeoJSON": Standard("https://www.rfc-editor.org/rfc/rfc7946", "RFC 7946: The GeoJSON Format"),
    "Parquet": Standard("https://parquet.apache.org/docs/file-format/", "Apache Parquet file format"),
    "SensorThings API": SENSORTHINGS,
}
OPENAPI = Standard("https://spec.openapis.org/oas/v3.1.0", "OpenAPI Specification 3.1.0")
STA_DOCUMENTATION = "https://docs.ogc.org/is/18-088/18-088.html"
GDPR = "http://data.europa.eu/eli/reg/2016/679/oj"

# ADMS publisher types (http://purl.org/adms/publishertype/…) by party kind, and for organisations
# by the kind of government their TOOI identifier names.
PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
PUBLISHER_TYPES = {
    "company": ("Company", "Company"),
    "resident": ("PrivateIndividual(s)", "Private Individual(s)"),
    "/gemeente/": ("LocalAuthority", "Local Authority"),
    "/provincie/": ("RegionalAuthority", "Regional Authority"),
    "/waterschap/": ("RegionalAuthority", "Regional Authority"),
    "/ministerie/": ("NationalAuthority", "National Authority"),
}
