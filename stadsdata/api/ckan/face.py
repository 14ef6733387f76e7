"""The CKAN face: the CKAN Action API (read-only) at /api/3/action and /api/action over the data
catalog and the observations of its datasets (`routes.py`, `registry.py`; docs/ckan.md)."""

from __future__ import annotations

from fastapi import FastAPI

from stadsdata.api.ckan.routes import build_router
from stadsdata.platform import Platform


class CkanFace:
    name = "ckan"

    def mount(self, app: FastAPI, platform: Platform) -> None:
        app.include_router(build_router(platform))
        platform.links["ckan"] = "/api/3/action"


FACE = CkanFace()
