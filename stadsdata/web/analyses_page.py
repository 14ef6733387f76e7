"""The analyses of the web UI: `/analyses` lists the pages of the analyses (`docs/analytics.md`),
one entry each in `ANALYSES` — the navigation has one item for all of them."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from stadsdata.web.shell import PageShell

# (path, title key, summary key) of each analysis page, in the order the list shows them.
ANALYSES: list[tuple[str, str, str]] = [
    ("/public-space", "space.title", "space.summary"),
    ("/waste", "waste.title", "waste.summary"),
    ("/air-quality", "air.title", "air.summary"),
    ("/charging", "charging.title", "charging.summary"),
    ("/alerts", "alerts.title", "alerts.summary"),
]


def add_analyses_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/analyses", response_class=HTMLResponse)
    def analyses_page(request: Request) -> Response:
        """The list of the analysis pages."""
        return shell.render(request, "analyses.html", "analyses", analyses=ANALYSES)
