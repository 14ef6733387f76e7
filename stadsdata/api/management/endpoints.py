"""What every management endpoint needs: the caller, a transaction with an `Actor`, HAL list
pages and 201 answers with a Location."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import Request
from starlette.responses import JSONResponse

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import Caller
from stadsdata.api.sta.routes import base_url
from stadsdata.errors import BadRequest
from stadsdata.management.rights import Actor
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.store.errors import InvalidValue

T = TypeVar("T")


class Endpoints:
    def __init__(self, store: Store, settings: Settings, authenticator: Authenticator) -> None:
        self.store = store
        self.settings = settings
        self.authenticator = authenticator

    def site_url(self, request: Request) -> str:
        """The site's base URL (where /v1.1, /catalog, /api/v1 are), also inside the management
        app, whose own `root_path` is its mount point."""
        return base_url(request, self.settings).removesuffix(request.scope.get("root_path", "").rstrip("/"))

    def caller(self, request: Request) -> Caller:
        """The FastAPI dependency: who is calling (401 for wrong credentials)."""
        return self.authenticator.caller(request.headers, request.method)

    def run(self, who: Caller, work: Callable[[Actor], T], *, write: bool = False) -> T:
        try:
            with self.store.write() if write else self.store.read_only() as tx:
                return work(Actor(who, tx.access, datetime.now(UTC)))
        except InvalidValue as exc:  # a value the database cannot hold (e.g. NUL in a path parameter)
            raise BadRequest(f"a value of the request cannot be stored or compared: {exc.detail}") from None

    def listing(self, request: Request, name: str, found: tuple[list[dict[str, Any]], int | None]) -> JSONResponse:
        items, next_cursor = found
        root = base_url(request, self.settings)
        path = request.scope["path"].removeprefix(request.scope.get("root_path", "").rstrip("/"))
        links: dict[str, Any] = {"self": {"href": f"{root}{path}" + (f"?{request.url.query}" if request.url.query else "")}}
        headers = {}
        if next_cursor is not None:
            query = {k: v for k, v in request.query_params.items() if k != "cursor"} | {"cursor": str(next_cursor)}
            links["next"] = {"href": f"{root}{path}?" + "&".join(f"{k}={v}" for k, v in query.items())}
            headers["Link"] = f'<{links["next"]["href"]}>; rel="next"'
        return JSONResponse({"_embedded": {name: items}, "_links": links}, headers=headers)

    def created(self, request: Request, body: dict[str, Any], path: str) -> JSONResponse:
        return JSONResponse(body, status_code=201, headers={"Location": f"{base_url(request, self.settings)}/{path}"})
