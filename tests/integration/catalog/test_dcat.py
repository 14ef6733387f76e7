"""The DCAT face on both backends (`stadsdata/api/dcat/`, docs/dcat.md): the catalog's pages and
every dataset's description validate against the DCAT-AP-NL 3.0 shapes for every kind of caller;
Hydra paging; content negotiation; restricted and non-public datasets listed without what comes
from their data; unlisted ones not listed; and no name of a stream a caller may not read in any
RDF document it gets.

The city is that of the access tests (tests/integration/access/test_dataset_access.py)."""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib import namespace as ns

from stadsdata.api.dcat import vocab
from tests.integration.access.test_dataset_access import MULTI, STREAMS, city  # noqa: F401 - a fixture
from tests.integration.catalog.test_catalog import LISTED_TO_ALL, READABLE
from tests.unit.catalog.test_dcat_graph import assert_conforms

FORMATS = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"), "rdf": ("application/rdf+xml", "xml")}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CALLERS = ["anonymous", "afvalbedrijf", "gemeente", "bewoner", "admin"]


def rdf(client: Any, path: str, headers: dict[str, str], suffix: str = "ttl") -> Graph:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    media, parser = FORMATS[suffix]
    assert response.headers["content-type"].startswith(media)
    return Graph().parse(data=response.content, format=parser)


def datasets(graph: Graph) -> set[str]:
    return {str(d).rsplit("/", 1)[-1] for d in graph.subjects(ns.RDF.type, ns.DCAT.Dataset)}


def node(graph: Graph, name: str) -> URIRef:
    return next(d for d in graph.subjects(ns.RDF.type, ns.DCAT.Dataset) if str(d).endswith(f"/datasets/{name}"))


@pytest.mark.parametrize("caller", CALLERS)
def test_the_catalog_and_every_dataset_validate_for_every_caller(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    catalog = rdf(client, "/catalog.ttl", headers[caller])
    assert datasets(catalog) == LISTED_TO_ALL | READABLE[caller]
    assert_conforms(catalog)
    for name in datasets(catalog):
        for suffix in FORMATS:
            graph = rdf(client, f"/datasets/{name}.{suffix}", headers[caller], suffix)
            assert datasets(graph) == {name}
            assert_conforms(graph)


def test_hydra_paging(city: Any) -> None:  # noqa: F811
    client, headers = city
    seen: list[set[str]] = []
    for number in (1, 2, 3):
        graph = rdf(client, f"/catalog.ttl?page={number}&page_size=1", headers["anonymous"])
        seen.append(datasets(graph))
        view = next(graph.subjects(ns.RDF.type, vocab.HYDRA.PagedCollection))
        assert str(view).endswith(f"/catalog.ttl?page={number}&page_size=1")
        assert graph.value(view, vocab.HYDRA.totalItems).toPython() == 3
        assert graph.value(view, vocab.HYDRA.itemsPerPage).toPython() == 1
        assert str(graph.value(view, vocab.HYDRA.last)).endswith("page=3&page_size=1")
        assert (graph.value(view, vocab.HYDRA.next) is None) == (number == 3)
        assert (graph.value(view, vocab.HYDRA.previous) is None) == (number == 1)
    assert [len(s) for s in seen] == [1, 1, 1] and set().union(*seen) == LISTED_TO_ALL
    json_ld = client.get("/catalog.jsonld?page=2&page_size=2", headers=headers["anonymous"])
    assert "catalog.jsonld?page=1&page_size=2" in json_ld.text
    for query, status in (("page=0", 400), ("page=abc", 400), ("page_size=0", 400), ("page_size=1001", 400), ("page=2", 404)):
        response = client.get(f"/catalog.ttl?{query}")
        assert response.status_code == status, (query, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json().get("field") == query.split("=")[0], response.json()


def test_content_negotiation(city: Any) -> None:  # noqa: F811
    client, _ = city
    for suffix, (media, _) in FORMATS.items():
        for path in ("/catalog", "/datasets/lucht"):
            response = client.get(path, headers={"Accept": f"text/html;q=0.5, {media}"})
            assert response.status_code == 200 and response.headers["content-type"].startswith(media), (path, suffix)
            assert "Accept" in response.headers["vary"]
    assert client.get("/catalog", headers={"Accept": "*/*"}).headers["content-type"].startswith("text/turtle")
    by_id = client.get("/api/v1/catalog/lucht").json()["id"]
    assert datasets(rdf(client, f"/datasets/{by_id}.ttl", {})) == {"lucht"}  # by id as by name
    # HTML (a browser) and no Accept at all fall through to the next route of the path: not RDF
    for accept in (BROWSER, None):
        response = client.get("/datasets/lucht", headers={"Accept": accept} if accept else {}, follow_redirects=False)
        assert not response.headers.get("content-type", "").startswith(("text/turtle", "application/ld+json", "application/rdf+xml"))
        assert response.status_code == 303 and response.headers["location"] == "/catalog/lucht"  # the web UI: the dataset's page
    assert not client.get("/catalog", headers={"Accept": BROWSER}).headers.get("content-type", "").startswith("text/turtle")
    # unknown datasets: a problem
    for path, accept in (("/datasets/nope.ttl", "*/*"), ("/datasets/nope", "text/turtle"), ("/datasets/nope.jsonld", "*/*")):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")


def test_a_document_is_revalidated_by_its_etag(city: Any) -> None:  # noqa: F811
    client, headers = city
    first = client.get("/catalog.ttl", headers=headers["anonymous"])
    again = client.get("/catalog.ttl", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    head = client.head("/catalog.ttl", headers=headers["anonymous"])
    assert head.status_code == 200 and head.headers["etag"] == first.headers["etag"]
    admin = client.get("/catalog.ttl", headers={**headers["admin"], "If-None-Match": first.headers["etag"]})
    assert admin.status_code == 200 and admin.headers["etag"] != first.headers["etag"]  # shown more: another document


def test_restricted_and_non_public_datasets_are_listed_without_what_comes_from_their_data(city: Any) -> None:  # noqa: F811
    client, headers = city
    anonymous = rdf(client, "/catalog.ttl", headers["anonymous"])
    for name, rights in (("parkeren", "RESTRICTED"), ("intern", "NON_PUBLIC"), ("lucht", "PUBLIC")):
        dataset = node(anonymous, name)
        assert str(anonymous.value(dataset, ns.DCTERMS.accessRights)).endswith(f"/access-right/{rights}")
        described = anonymous.value(dataset, ns.DCTERMS.temporal) is not None, anonymous.value(dataset, ns.DCTERMS.spatial) is not None
        assert described == ((True, True) if name == "lucht" else (False, False)), name
        assert len(set(anonymous.objects(dataset, ns.DCAT.distribution))) == 4
    granted = rdf(client, "/datasets/parkeren.ttl", headers["afvalbedrijf"])
    assert granted.value(node(granted, "parkeren"), ns.DCTERMS.temporal) is not None
    assert granted.value(node(granted, "parkeren"), ns.DCTERMS.spatial) is not None


def test_unlisted_datasets_are_not_listed(city: Any) -> None:  # noqa: F811
    client, headers = city
    admin = headers["admin"]
    intern = client.get("/api/v1/catalog/intern", headers=admin).json()["id"]
    assert client.patch(f"/api/v1/datasets/{intern}", json={"unlisted": True}, headers=admin).status_code == 200
    for caller in ("anonymous", "buurman", "afvalbedrijf"):
        assert "intern" not in datasets(rdf(client, "/catalog.ttl", headers[caller]))
        assert client.get("/datasets/intern.ttl", headers=headers[caller]).status_code == 404
        assert client.get(f"/datasets/{intern}.ttl", headers=headers[caller]).status_code == 404
    assert "intern" in datasets(rdf(client, "/catalog.ttl", headers["gemeente"]))


@pytest.mark.parametrize("caller", ["anonymous", "buurman", "afvalbedrijf", "gemeente"])
def test_no_hidden_stream_is_named_in_any_rdf_document(caller: str, city: Any) -> None:  # noqa: F811
    client, headers = city
    readable = READABLE.get(caller, {"lucht"})
    hidden = {name for name, (_, dataset) in STREAMS.items() if dataset is not None and dataset not in readable}
    hidden |= {f"{name} property" for name in hidden}
    if MULTI[2] not in readable:
        hidden |= {MULTI[0], "binnen temperatuur", "binnen vocht"}
    documents = [client.get(f"/catalog.{suffix}", headers=headers[caller]).text for suffix in FORMATS]
    names = datasets(rdf(client, "/catalog.ttl", headers[caller]))
    documents += [client.get(f"/datasets/{n}.{s}", headers=headers[caller]).text for n in names for s in FORMATS]
    assert hidden and all(response for response in documents)
    for document in documents:
        assert not [name for name in hidden if name in document], caller


def test_the_root_document_links_the_catalog(city: Any) -> None:  # noqa: F811
    client, _ = city
    assert client.get("/", headers={"Accept": "application/json"}).json()["links"]["dcat"] == "/catalog.ttl"
