"""The DCAT face: the data catalog as DCAT-AP-NL 3.0 RDF for harvesters (docs/dcat.md)."""

from __future__ import annotations

from fastapi import FastAPI

from stadsdata.api.dcat.routes import build_routers
from stadsdata.platform import Platform


class DcatFace:
    name = "dcat"

    def mount(self, app: FastAPI, platform: Platform) -> None:
        for router in build_routers(platform):
            app.include_router(router)
        platform.links["dcat"] = "/catalog.ttl"


FACE = DcatFace()
