"""The pages of the web UI. Each is a shell rendered here (texts, navigation, who is signed in:
`shell.py`); its data is fetched by the page's script from the public APIs — SensorThings `/v1.1`
and `/api/v1` — as the visitor (the browser's session cookie), so a page never shows a record the
API would refuse, and every page names the API calls it is built from (its JSON twin).

Pages: `/` map, `/sensors/{thing id}`, `/dashboards`, `/dashboards/{slug}`, `/login`,
`/logout` (POST) (`sign_in.py`), `/my-data`, `/sources` (administrators), `/catalog`,
`/catalog/{name}`, `/processing-register` (`catalog_pages.py`), `/register` (`register_page.py`), `/analyses`
(`analyses_page.py`) and the analyses' pages, e.g. `/public-space` (`public_space_page.py`), `/waste` (`waste_page.py`), `/air-quality` (`air_quality_page.py`), `/charging` (`charging_page.py`), `/alerts` (`alerts_page.py`). Signing in opens a session
(`access/web_sessions.py`). A server that runs the demo city also serves its background map,
`/demo/background.geojson` (`city_background.py`)."""

# No `from __future__ import annotations`: FastAPI reads the annotations.
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from stadsdata.access.authenticate import Authenticator
from stadsdata.access.policy import Caller
from stadsdata.demo.basemap import background_geojson
from stadsdata.errors import NotFound
from stadsdata.management import dashboards
from stadsdata.management.rights import Actor
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.web import city_background
from stadsdata.web.air_quality_page import add_air_quality_page
from stadsdata.web.alerts_page import add_alerts_page
from stadsdata.web.analyses_page import add_analyses_page
from stadsdata.web.catalog_pages import add_catalog_pages
from stadsdata.web.charging_page import add_charging_page
from stadsdata.web.public_space_page import add_public_space_page
from stadsdata.web.register_page import add_register_page
from stadsdata.web.shell import PageShell
from stadsdata.web.sign_in import add_sign_in_pages
from stadsdata.web.waste_page import add_waste_page

# The SensorThings query of the sensor page: the page preloads it while its scripts load, and its
# script reads it from the page's configuration (one string, so the preload is used).
SENSOR_QUERY = (
    "/v1.1/Things({id})?$expand=Locations($select=location,name),"
    "Datastreams($expand=ObservedProperty($select=name,definition),Sensor($select=name),"
    "Observations($top=1;$orderby=phenomenonTime desc;$select=result,phenomenonTime))"
)
STATIC_DIR = Path(__file__).parent / "static"


def build_pages(store: Store, settings: Settings, authenticator: Authenticator, api_index: Callable[[], dict[str, Any]]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    background = city_background.CityBackground(store, settings)
    shell = PageShell(settings, authenticator, background)
    add_sensor_page(router, shell)
    add_dashboard_pages(router, shell, store)
    add_sign_in_pages(router, shell, settings, authenticator)
    add_my_data_page(router, shell)
    add_sources_page(router, shell)
    add_catalog_pages(router, shell)  # /catalog, /catalog/{name}, /processing-register
    add_register_page(router, shell)  # /register, the sensor register (`register_page.py`)
    add_analyses_page(router, shell)  # /analyses, the list of the analysis pages (`analyses_page.py`)
    add_public_space_page(router, shell)  # /public-space: mowing, groundwater, street lights
    add_waste_page(router, shell)  # /waste: the waste truck's route around full garages
    add_air_quality_page(router, shell)  # /air-quality: exceedances of the air-quality limit values
    add_charging_page(router, shell)  # /charging: occupancy, placement advice, peak shaving
    add_alerts_page(router, shell)  # /alerts: the visitor's alerts and alert rules (signed in)
    add_city_background(router, background)
    add_map_page(router, shell, api_index)
    return router


def add_sensor_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/sensors/{thing_id}", response_class=HTMLResponse)
    def sensor_page(request: Request, thing_id: int) -> Response:
        query = SENSOR_QUERY.format(id=thing_id)
        return shell.render(request, "sensor.html", "map", thing_id=thing_id, thing_query=query,
                            config={"thingId": thing_id, "thingQuery": query})  # fmt: skip


def add_dashboard_pages(router: APIRouter, shell: PageShell, store: Store) -> None:
    @router.get("/dashboards", response_class=HTMLResponse)
    def dashboards_page(request: Request) -> Response:
        who = shell.visitor(request)
        with store.read_only() as tx:
            found, _ = dashboards.list_dashboards(Actor(who.caller or Caller(), tx.access, _now()), limit=200, cursor=None)
        return shell.render(request, "dashboards.html", "dashboards", who=who, dashboards=found)

    @router.get("/dashboards/{slug}", response_class=HTMLResponse)
    def dashboard_page(request: Request, slug: str) -> Response:
        who = shell.visitor(request)
        try:
            with store.read_only() as tx:
                document = dashboards.get_dashboard(Actor(who.caller or Caller(), tx.access, _now()), slug)
        except NotFound:
            return shell.render(request, "dashboards.html", "dashboards", who=who, dashboards=[], status=404)
        title = document["title"].get(shell.language(request)) or document["title"]["nl"]
        return shell.render(request, "dashboard.html", "dashboards", who=who, slug=slug, title=title, config={"dashboard": document})


def add_my_data_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/my-data", response_class=HTMLResponse)
    def my_data_page(request: Request) -> Response:
        return shell.render(request, "my_data.html", "mydata")


def add_sources_page(router: APIRouter, shell: PageShell) -> None:
    @router.get("/sources", response_class=HTMLResponse)
    def sources_page(request: Request) -> Response:
        """The sources the platform fetches from (administrators; the data comes from /api/v1/sources)."""
        return shell.render(request, "sources.html", "sources")


def add_city_background(router: APIRouter, background: city_background.CityBackground) -> None:
    @router.get(city_background.PATH)
    def demo_city_background() -> Response:
        """The demo city's background map (GeoJSON), for the maps when their tiles do not load."""
        if not background.available():
            raise NotFound("this server does not run the demo city; only the demo city has a background map")
        return Response(background_geojson(), media_type="application/geo+json", headers={"Cache-Control": "public, max-age=3600"})


def add_map_page(router: APIRouter, shell: PageShell, api_index: Callable[[], dict[str, Any]]) -> None:
    @router.get("/")
    def index(request: Request) -> Response:
        """The map for a browser; for any other client the JSON index of the APIs."""
        if "text/html" in request.headers.get("accept", ""):
            return shell.render(request, "map.html", "map")
        return JSONResponse(api_index())


def _now() -> datetime:
    return datetime.now(UTC)
