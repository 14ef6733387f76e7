"""The EV charging page of the web UI (`docs/analytics.md`, "EV charging"): `/charging`, occupancy
per area and per charge point, the areas ranked by where new charge points are most needed, and a
day's peak shaving (peak before and after, per slot). A shell whose script reads the JSON twins as
the visitor: `GET /api/v1/charging/occupancy`, `/placement` and `/peak-shaving`."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from stadsdata.web.shell import PageShell


def add_charging_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/charging", response_class=HTMLResponse)
    def charging_page(request: Request) -> Response:
        """Occupancy, placement advice and peak shaving, from the charging data the visitor may read."""
        return shell.render(request, "charging.html", "analyses")
