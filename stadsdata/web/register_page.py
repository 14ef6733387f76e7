"""The sensor register's page of the web UI (`docs/register.md`): `/register`, a map and a list of
the registered devices the visitor is shown, with filters, each entry's details, and for signed-in
visitors a form to register or change a device (administrators also review). Like every page it
is a shell whose script reads the JSON twin as the visitor: `/api/v1/register/devices.geojson`,
and writes through `/api/v1/register/devices`. The shell carries the value lists' labels (device
types, themes, review states) for the filters and the form."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from stadsdata.catalog.register.vocabulary import STATUSES, TYPES
from stadsdata.catalog.vocabularies import EU_THEMES
from stadsdata.web.shell import PageShell

DATA = "/api/v1/register/devices.geojson"


def register_vocabularies() -> dict[str, Any]:
    """The codes and labels the page's filters and form offer."""
    return {
        "types": {code: {"nl": t.nl, "en": t.en} for code, t in TYPES.items()},
        "themes": {code: {"nl": t.nl, "en": t.en} for code, t in EU_THEMES.items()},
        "statuses": {code: {"nl": nl, "en": en} for code, (nl, en) in STATUSES.items()},
    }


def add_register_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/register", response_class=HTMLResponse)
    def register_page(request: Request) -> Response:
        """The register of sensors in public space: map, list, details; register and review."""
        who = shell.visitor(request)
        party = who.caller.party_id if who.caller else None
        return shell.render(request, "register.html", "register", who=who,
                            config={"registerData": DATA, "registerVocabularies": register_vocabularies(), "partyId": party})  # fmt: skip
