"""The OCPI face: an OCPI 2.2.1 receiver for charge point operators at /ocpi (versions, the
credentials handshake, the receiver interfaces of Locations, Sessions, CDRs and Tariffs), the
admin routes that register CPOs (/api/v1/ocpi/parties), and the replay of the pushes it
quarantined (`ocpi:<party>`). docs/ocpi.md describes it."""

from __future__ import annotations

from fastapi import FastAPI

from stadsdata.api.ocpi.admin import build_admin_router, include_before_mounts
from stadsdata.api.ocpi.handshake import Identity
from stadsdata.api.ocpi.routes import build_router, replayer
from stadsdata.platform import Platform


class OcpiFace:
    """`identity` is who the platform is in its credentials (role EMSP, NL/SDA by default; a
    setting would be the place for it, see docs/ocpi.md)."""

    name = "ocpi"

    def __init__(self, identity: Identity | None = None) -> None:
        self.identity = identity or Identity()

    def mount(self, app: FastAPI, platform: Platform) -> None:
        app.include_router(build_router(platform, self.identity))
        include_before_mounts(app, build_admin_router(platform))
        platform.links["ocpi"] = "/ocpi/versions"
        platform.replays["ocpi:"] = replayer(platform)


FACE = OcpiFace()
