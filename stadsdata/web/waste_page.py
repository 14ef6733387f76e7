"""The waste collection page of the web UI (`docs/analytics.md`, "Waste collection"): `/waste`, a
map with the containers at or above the fill threshold, the streets full garages block and the
proposed route, and the stops as an ordered list. A shell whose script asks the JSON twin as the
visitor: `POST /api/v1/waste/routes` — so the route is planned with the visitor's own rights."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from stadsdata.web.shell import PageShell


def add_waste_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/waste", response_class=HTMLResponse)
    def waste_page(request: Request) -> Response:
        """The waste truck's route around the full garages, from the data the visitor may read."""
        return shell.render(request, "waste.html", "analyses")
