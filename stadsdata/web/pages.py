"""The pages of the web UI. Each is a shell rendered here (texts, navigation, who is signed in);
its data is fetched by the page's script from the public APIs — SensorThings `/v1.1` and
`/api/v1` — as the visitor (the browser's session cookie), so a page never shows a record the
API would refuse, and every page names the API calls it is built from (its JSON twin).

Pages: `/` map, `/sensors/{thing id}`, `/dashboards`, `/dashboards/{slug}`, `/login`,
`/logout` (POST), `/my-data`. Signing in opens a session (`access/web_sessions.py`). A server
that runs the demo city also serves its background map, `/demo/background.geojson`
(`city_background.py`)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import Caller
from stadsdata.access.web_sessions import COOKIE as SESSION_COOKIE
from stadsdata.access.web_sessions import SESSION_HOURS, token_from_cookie_header
from stadsdata.demo.basemap import background_geojson
from stadsdata.errors import NotFound, Unauthorized
from stadsdata.management import dashboards
from stadsdata.management.rights import Actor
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.web import city_background
from stadsdata.web.basemaps import basemap
from stadsdata.web.i18n import COOKIE as LANG_COOKIE
from stadsdata.web.i18n import Translator, pick_language

# The SensorThings query of the sensor page: the page preloads it while its scripts load, and its
# script reads it from the page's configuration (one string, so the preload is used).
SENSOR_QUERY = (
    "/v1.1/Things({id})?$expand=Locations($select=location,name),"
    "Datastreams($expand=ObservedProperty($select=name,definition),Sensor($select=name),"
    "Observations($top=1;$orderby=phenomenonTime desc;$select=result,phenomenonTime))"
)
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
STATIC_DIR = Path(__file__).parent / "static"


class Visitor:
    """Who is looking at a page: the signed-in user of a valid session, or nobody."""

    def __init__(self, caller: Caller | None, name: str | None, stale_cookie: bool) -> None:
        self.caller = caller
        self.name = name
        self.admin = bool(caller and caller.is_admin)
        self.stale_cookie = stale_cookie  # a session cookie that no longer opens a session: cleared


def build_pages(store: Store, settings: Settings, authenticator: Authenticator, api_index: Callable[[], dict[str, Any]]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    tiles = basemap(settings)
    background = city_background.CityBackground(store, settings)

    def visitor(request: Request) -> Visitor:
        token = token_from_cookie_header(request.headers.get("cookie"))
        if token is None:
            return Visitor(None, None, False)
        try:
            caller = authenticator.session_caller(token)
        except Unauthorized:
            return Visitor(None, None, True)
        return Visitor(caller, (caller.subject or "").removeprefix("user:"), False)

    def language(request: Request) -> str:
        return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), settings.default_language)

    def render(request: Request, template: str, page: str, *, status: int = 200, **context: Any) -> Response:
        lang = language(request)
        t = Translator(lang)
        who = context.pop("who", None) or visitor(request)
        root = request.scope.get("root_path", "").rstrip("/")
        user = {"name": who.name, "admin": who.admin} if who.caller else None
        config = {"lang": lang, "texts": t.texts, "root": root, "basemap": tiles, "cityBackground": background.page_config(lang),
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

    @router.get("/sensors/{thing_id}", response_class=HTMLResponse)
    def sensor_page(request: Request, thing_id: int) -> Response:
        query = SENSOR_QUERY.format(id=thing_id)
        return render(request, "sensor.html", "map", thing_id=thing_id, thing_query=query, config={"thingId": thing_id, "thingQuery": query})

    @router.get("/dashboards", response_class=HTMLResponse)
    def dashboards_page(request: Request) -> Response:
        who = visitor(request)
        with store.read_only() as tx:
            found, _ = dashboards.list_dashboards(Actor(who.caller or Caller(), tx.access, _now()), limit=200, cursor=None)
        return render(request, "dashboards.html", "dashboards", who=who, dashboards=found)

    @router.get("/dashboards/{slug}", response_class=HTMLResponse)
    def dashboard_page(request: Request, slug: str) -> Response:
        who = visitor(request)
        try:
            with store.read_only() as tx:
                document = dashboards.get_dashboard(Actor(who.caller or Caller(), tx.access, _now()), slug)
        except NotFound:
            return render(request, "dashboards.html", "dashboards", who=who, dashboards=[], status=404)
        title = document["title"].get(language(request)) or document["title"]["nl"]
        return render(request, "dashboard.html", "dashboards", who=who, slug=slug, title=title, config={"dashboard": document})

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/my-data", expired: bool = False) -> Response:
        return render(request, "login.html", "login", next=_local(next), error="login.expired" if expired else None)

    @router.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
        target = _local(form.get("next", "/my-data"))
        try:
            _, token = authenticator.sign_in(form.get("username", ""), form.get("password", ""))
        except Unauthorized:
            return render(request, "login.html", "login", status=401, next=target, error="login.failed")
        root = request.scope.get("root_path", "").rstrip("/")
        response = RedirectResponse(f"{root}{target}", status_code=303)
        secure = (settings.public_base_url or "").startswith("https://")
        response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax", secure=secure, path="/")
        return response

    @router.post("/logout")
    def logout(request: Request) -> Response:
        token = token_from_cookie_header(request.headers.get("cookie"))
        if token is not None:
            authenticator.sign_out(token)
        response = RedirectResponse(f"{request.scope.get('root_path', '').rstrip('/')}/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/my-data", response_class=HTMLResponse)
    def my_data_page(request: Request) -> Response:
        return render(request, "my_data.html", "mydata")

    @router.get(city_background.PATH)
    def demo_city_background() -> Response:
        """The demo city's background map (GeoJSON), for the maps when their tiles do not load."""
        if not background.available():
            raise NotFound("this server does not run the demo city; only the demo city has a background map")
        return Response(background_geojson(), media_type="application/geo+json", headers={"Cache-Control": "public, max-age=3600"})

    @router.get("/")
    def index(request: Request) -> Response:
        """The map for a browser; for any other client the JSON index of the APIs."""
        if "text/html" in request.headers.get("accept", ""):
            return render(request, "map.html", "map")
        return JSONResponse(api_index())

    return router


def _local(target: str) -> str:
    """Only paths of this site after signing in (no open redirect to another host)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/my-data"
    return target


def _now() -> datetime:
    return datetime.now(UTC)
