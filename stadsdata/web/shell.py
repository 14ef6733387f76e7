"""The shell every page of the web UI is rendered in: its texts in the visitor's language, the
navigation, who is signed in, and the configuration its script reads (the basemap, the demo
city's background, the page's own settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import Caller
from stadsdata.access.web_sessions import COOKIE as SESSION_COOKIE
from stadsdata.access.web_sessions import token_from_cookie_header
from stadsdata.errors import Unauthorized
from stadsdata.settings import Settings
from stadsdata.web.basemaps import basemap
from stadsdata.web.city_background import CityBackground
from stadsdata.web.i18n import COOKIE as LANG_COOKIE
from stadsdata.web.i18n import Translator, pick_language

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class Visitor:
    """Who is looking at a page: the signed-in user of a valid session, or nobody."""

    def __init__(self, caller: Caller | None, name: str | None, stale_cookie: bool) -> None:
        self.caller = caller
        self.name = name
        self.admin = bool(caller and caller.is_admin)
        self.stale_cookie = stale_cookie  # a session cookie that no longer opens a session: cleared


class PageShell:
    """Renders a page's template in the shell: `render(request, template, page, …)`."""

    def __init__(self, settings: Settings, authenticator: Authenticator, background: CityBackground) -> None:
        self.settings = settings
        self.authenticator = authenticator
        self.background = background
        self.tiles = basemap(settings)

    def visitor(self, request: Request) -> Visitor:
        token = token_from_cookie_header(request.headers.get("cookie"))
        if token is None:
            return Visitor(None, None, False)
        try:
            caller = self.authenticator.session_caller(token)
        except Unauthorized:
            return Visitor(None, None, True)
        return Visitor(caller, (caller.subject or "").removeprefix("user:"), False)

    def language(self, request: Request) -> str:
        return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), self.settings.default_language)

    def render(self, request: Request, template: str, page: str, *, status: int = 200, **context: Any) -> Response:
        """`template` as `page` of the navigation; `who` (a Visitor, else read from the request)
        and `config` (merged into the script's configuration) are taken out of `context`, the
        rest goes to the template."""
        lang = self.language(request)
        t = Translator(lang)
        who = context.pop("who", None) or self.visitor(request)
        root = request.scope.get("root_path", "").rstrip("/")
        user = {"name": who.name, "admin": who.admin} if who.caller else None
        config = {"lang": lang, "texts": t.texts, "root": root, "basemap": self.tiles, "cityBackground": self.background.page_config(lang),
                  "user": user, **context.pop("config", {})}  # fmt: skip
        response = TEMPLATES.TemplateResponse(
            request, template, {"t": t, "lang": lang, "root": root, "page": page, "user": user, "config": config, **context},
            status_code=status,
        )  # fmt: skip
        if request.query_params.get("lang") == lang:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86_400, samesite="lax", httponly=True)
        if who.stale_cookie:
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response
