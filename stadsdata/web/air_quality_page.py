"""The air-quality page of the web UI (`docs/analytics.md`, "Air quality"): `/air-quality`, per
sensor and per area the exceedances of a standard's limit values against the number allowed, the
data coverage, invalid means marked, and citizen sensors marked indicative. A shell whose script
reads the JSON twin as the visitor: `GET /api/v1/air-quality/exceedances`."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from stadsdata.web.shell import PageShell


def add_air_quality_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/air-quality", response_class=HTMLResponse)
    def air_quality_page(request: Request) -> Response:
        """Exceedances of the air-quality limit values, from the sensors the visitor may read."""
        return shell.render(request, "air_quality.html", "analyses")
