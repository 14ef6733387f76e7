"""The NGSI-LD face (docs/ngsi-ld.md): the platform's Things as Smart Data Models entities
at /ngsi-ld/v1, over the same store and access rules as SensorThings."""

from __future__ import annotations

from fastapi import FastAPI

from stadsdata.api.ngsild.routes import PREFIX, build_router
from stadsdata.api.ngsild.subscriptions.notifier import lifespan_for
from stadsdata.platform import Platform


class NgsiLdFace:
    name = "ngsi-ld"

    def mount(self, app: FastAPI, platform: Platform) -> None:
        app.include_router(build_router(platform))
        platform.links["ngsi-ld"] = PREFIX
        platform.lifespans.append(lifespan_for(
            platform.store, platform.core.access, allow_private=platform.settings.notify_private_networks
        ))  # subscriptions' notifier


FACE = NgsiLdFace()
