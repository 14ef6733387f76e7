"""What a face is given: the parts of one running platform (settings, store, core, authenticator,
ingest pipeline, source kinds), and what faces leave for each other and for the app (links in
the root document, replays of quarantined messages, work to start and stop with the server).

A face is an object with a `name` and `mount(app, platform)`: it adds its routes to the app and
registers what it offers here. The app mounts the enabled faces in order (`stadsdata/faces.py`),
so a later face finds what an earlier one registered (the management face replays the
SensorThings face's MQTT messages)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import FastAPI
from starlette.types import ASGIApp, Scope

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import Caller
from stadsdata.catalog.areas import Area
from stadsdata.catalog.catalog import Catalog
from stadsdata.ingest.pipeline import Ingestor, Message, Outcome
from stadsdata.service.core import Core
from stadsdata.settings import Settings
from stadsdata.sources.registry import SourceKinds
from stadsdata.sources.runner import SourceParts
from stadsdata.store.base import Store

Replay = Callable[[Message, Caller, int], Outcome]  # (message, the replaying admin, quarantine row) -> outcome
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass
class Platform:
    settings: Settings
    store: Store
    core: Core
    authenticator: Authenticator
    ingestor: Ingestor
    source_kinds: SourceKinds
    service_root: str  # the server's external base URL
    links: dict[str, str] = field(default_factory=dict)  # the root document's links, by name
    replays: dict[str, Replay] = field(default_factory=dict)  # by the `source` of quarantined messages
    lifespans: list[Lifespan] = field(default_factory=list)  # started in order, stopped in reverse
    # Paths a face answers itself, before the app's routing: a prefix ('/v1.1': that path and all
    # below it) -> a plain ASGI app, called behind the guards (`app.py`). For hot paths only.
    direct: dict[str, ASGIApp] = field(default_factory=dict)
    areas: Callable[[], list[Area]] = list  # the catalog's named areas (`catalog/areas.py`)

    @property
    def catalog(self) -> Catalog:
        """The data catalog, as each caller is shown it (`catalog/`)."""
        return Catalog(self.store, self.core.access, self.areas)

    @property
    def source_parts(self) -> SourceParts:
        """What running the configured sources needs (`sources/scheduler.py`)."""
        return SourceParts(self.store, self.core.entities, self.ingestor, self.source_kinds)

    def replay(self, message: Message, caller: Caller, quarantined: int) -> Outcome | None:
        """Replay a quarantined message through the face or source that took it (None: none does)."""
        replay = self.replays.get(message.source) or self.replays.get(message.source.split(":", 1)[0] + ":")
        return None if replay is None else replay(message, caller, quarantined)


class Face(Protocol):
    """A way in: HTTP routes (and what else it serves) over the core."""

    name: str

    def mount(self, app: FastAPI, platform: Platform) -> None: ...



def route_path(scope: Scope) -> str:
    """A request's path below the app's mount point (`root_path`): what `Platform.direct`'s
    prefixes are matched against."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
