"""The web UI as a face: the pages (map, dashboards, data, sharing) and their static files. Its
data comes from the other faces' JSON; the root document (`GET /` with `Accept: application/json`)
lists the links every face registered."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from stadsdata import __version__
from stadsdata.platform import Platform
from stadsdata.web.pages import STATIC_DIR, build_pages


class WebFace:
    name = "web"

    def mount(self, app: FastAPI, platform: Platform) -> None:
        def api_index() -> dict[str, Any]:
            return {"name": "stadsdata", "version": __version__, "links": {**platform.links, "web": "/"}}

        app.include_router(build_pages(platform.store, platform.settings, platform.authenticator, api_index))
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


FACE = WebFace()
