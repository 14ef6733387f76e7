"""The management face: the management API under /api/v1 (NL API Design Rules), answering at
its own URL without a trailing slash too."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import JSONResponse

from stadsdata.api.management.app import API_VERSION, PREFIX, build_management_app
from stadsdata.platform import Platform


class ManagementFace:
    name = "management"

    def mount(self, app: FastAPI, platform: Platform) -> None:
        management = build_management_app(platform)

        @app.get(PREFIX, include_in_schema=False)
        def management_root() -> JSONResponse:  # the API's own URL, without a trailing slash (NL API Design Rules)
            return JSONResponse(management.state.root(), headers={"API-Version": API_VERSION})

        app.mount(PREFIX, management)
        platform.links |= {"management": PREFIX, "management-openapi": f"{PREFIX}/openapi.json"}


FACE = ManagementFace()
