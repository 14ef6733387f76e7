"""The green and public space page of the web UI (`docs/analytics.md`): `/public-space`, the
mow-when-needed list, the groundwater wells against thresholds and the street lights that failed or
burn by day. A shell whose script reads the JSON twins as the visitor:
`/api/v1/public-space/mowing`, `/groundwater` and `/street-lights`."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from stadsdata.web.shell import PageShell


def add_public_space_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/public-space", response_class=HTMLResponse)
    def public_space_page(request: Request) -> Response:
        """Mowing, groundwater and street lights, from the sensors in public space the visitor may read."""
        return shell.render(request, "public_space.html", "analyses")
