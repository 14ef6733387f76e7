"""The alerts page of the web UI (`docs/analytics.md`, "Alerts"): `/alerts`, for a signed-in visitor
the alerts of their rules, newest first, filtered by state, with their delivery per channel, to
acknowledge and resolve; their alert rules, to switch on or off and delete; and a form to create a
rule of any kind. A shell whose script works as the visitor through `GET|POST|PUT|DELETE
/api/v1/alert-rules` and `GET /api/v1/alerts`, `POST /api/v1/alerts/{id}/acknowledge|resolve`."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from stadsdata.web.shell import PageShell


def add_alerts_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/alerts", response_class=HTMLResponse)
    def alerts_page(request: Request) -> Response:
        """The visitor's alerts and alert rules (signed in; otherwise the page asks to sign in)."""
        return shell.render(request, "alerts.html", "analyses")
