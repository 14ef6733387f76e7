"""The catalog's pages of the web UI (`docs/web-ui.md`, Catalog): `/catalog` (search with facets
and a map of the results' coverage), `/catalog/{name}` (one dataset: its metadata, how to get the
data or ask for it, its streams, its record of processing) and `/processing-register` (GDPR
art. 30); `/datasets/{name}`, the dataset's URI, leads a browser to its page. Like every page, each is a shell whose script reads the JSON twin as the visitor:
`/api/v1/catalog`, `/api/v1/catalog/{name}`, `/api/v1/processing-register`. The shells carry
the vocabularies' labels (themes, licences, frequencies) for the facets and the edit form."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stadsdata.catalog.vocabularies import DEFAULT_LICENSE, FREQUENCIES, LICENSES, Term, themes
from stadsdata.web.shell import PageShell

MAX_NAME = 200  # as /api/v1/catalog/{key} reads it


def _labels(terms: dict[str, Term]) -> dict[str, dict[str, str]]:
    return {code: {"nl": term.nl, "en": term.en, "uri": term.uri} for code, term in terms.items()}


def vocabularies() -> dict[str, Any]:
    """The codes and labels the pages show and the edit form offers."""
    return {"themes": _labels(themes()), "licenses": _labels(LICENSES), "defaultLicenses": DEFAULT_LICENSE, "frequencies": _labels(FREQUENCIES)}


def add_catalog_pages(router: APIRouter, shell: PageShell) -> None:
    @router.get("/catalog", response_class=HTMLResponse)
    def catalog_page(request: Request) -> Response:
        """Every dataset the visitor is shown: search, facets, the coverage of the results on a map."""
        return shell.render(request, "catalog.html", "catalog", config={"vocabularies": vocabularies()})

    @router.get("/catalog/{name}", response_class=HTMLResponse)
    def dataset_page(request: Request, name: str) -> Response:
        """One catalog entry (by dataset name or id) with its distributions, streams and record of processing."""
        name = name[:MAX_NAME]
        query = f"/api/v1/catalog/{quote(name, safe='')}"
        return shell.render(request, "dataset.html", "catalog", name=name, entry_query=query,
                            config={"name": name, "entryQuery": query, "vocabularies": vocabularies()})  # fmt: skip

    @router.get("/datasets/{name}", response_class=RedirectResponse, status_code=303)
    def dataset_uri(name: str) -> Response:
        """A dataset's URI as DCAT publishes it (`{base}/datasets/{name}`), followed by a browser: its
        page (RDF clients asking for Turtle, JSON-LD or RDF/XML get the DCAT face's answer instead)."""
        return RedirectResponse(f"/catalog/{quote(name[:MAX_NAME], safe='')}", status_code=303)

    @router.get("/processing-register", response_class=HTMLResponse)
    def processing_page(request: Request) -> Response:
        """The processing register (GDPR art. 30) of the datasets the visitor is shown."""
        return shell.render(request, "processing_register.html", "catalog")
