"""The demo city's sources (`serve --demo`): each source kind that offers a demo upstream (a fake of
its upstream service with live data in the real format, `SourceKind.demo`) gets it served on a
free port on loopback, in a thread of this process, and a source that reads it — added on the
first start, its URL brought up to date on later ones (the port changes). The sources then run
on their schedules like any other, so a newcomer sees sources working on the Sources page."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from datetime import UTC, datetime
from typing import Any

import uvicorn

from stadsdata.management import sources
from stadsdata.management.rights import Actor, administrator
from stadsdata.sources.registry import SourceKinds
from stadsdata.store.base import Store

log = logging.getLogger(__name__)


class Upstream:
    """One fake upstream service on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.socket])), daemon=True, name="demo-upstream")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)
        self.socket.close()


def start_demo_sources(store: Store, kinds: SourceKinds) -> list[Upstream]:
    """Serve every kind's demo upstream and make sure its source reads it; the upstreams served."""
    started = []
    for kind in kinds.values():
        if kind.demo is None:
            continue
        app = kind.demo.app()
        url = None
        if app is not None:
            upstream = Upstream(app)
            upstream.start()
            started.append(upstream)
            url = upstream.url
        body = kind.demo.source(url)
        with store.write() as tx:
            if body.get("dataset") and not tx.access.rows("datasets", {"name": body["dataset"]}, limit=1):
                body["dataset"] = None  # not the demo city's database
            actor = Actor(administrator("demo"), tx.access, datetime.now(UTC))
            if tx.access.rows("sources", {"name": body["name"]}, limit=1):
                sources.update_source(actor, kinds, body["name"], {"config": body["config"]})
            else:
                _, source = sources.checked(kinds, body)
                sources.create_source(actor, source, dataset=body.get("dataset"))
        log.info("demo: source %s reads %s%s", body["name"], kind.name, f" at {url}" if url else "")
    return started
