"""The maps without a network, in headless Chromium: a server on a database the demo city was
seeded into, with a tile URL of its own whose requests the browser test answers — or refuses, as a
laptop without internet would. Refused tiles: the map drops its tile layer and draws the demo
city's own background (districts, water, streets, names) under the sensors; tiles that load: no
city background. Nothing is fetched from anywhere but the server and the tile host."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stadsdata.demo.basemap import ATTRIBUTION, background_geojson
from stadsdata.web.city_background import PATH
from tests.browser.conftest import CHROMIUM, new_page, require_browser
from tests.conftest import running_server

pytestmark = pytest.mark.browser

TILE_HOST = "https://tiles.stadsdata.test"  # .test: a name that never resolves
TILES = f"{TILE_HOST}/{{z}}/{{x}}/{{y}}.png"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    database = str(tmp_path_factory.mktemp("offline") / "demo.db")
    seeded = subprocess.run([sys.executable, "-m", "stadsdata.cli", "demo", "--database", database, "--days", "1"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    env = {"STADSDATA_BASEMAP": TILES, "STADSDATA_MQTT_EMBEDDED": "false"}
    with running_server(database, env=env) as base:  # without --demo: the seeded city is enough
        yield base


@pytest.fixture(scope="module")
def chromium(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def tile_png() -> bytes:
    """A 256 × 256 PNG of one colour: what a tile server would send."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xaa\xd3\xdf" * 256 for _ in range(256))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def offline_page(chromium: Any, requests: list[str]) -> Any:
    """A page whose tile requests fail as without a network; every URL it asks for is kept."""
    page = new_page(chromium)
    page.route(f"{TILE_HOST}/**", lambda route: route.abort("internetdisconnected"))
    page.on("request", lambda request: requests.append(request.url))
    return page


def elsewhere(requests: list[str], base: str) -> list[str]:
    return [url for url in requests if not url.startswith((base, TILE_HOST, "data:"))]


def test_without_tiles_the_map_draws_the_demo_city(server: str, chromium: Any) -> None:
    expected = httpx.get(f"{server}{PATH}").json()
    assert httpx.get(f"{server}{PATH}").content == background_geojson()  # the same in every process
    count = {kind: sum(f["properties"]["kind"] == kind for f in expected["features"]) for kind in ("district", "water", "park")}
    sensors = len(httpx.get(f"{server}/api/v1/latest-values").json()["features"])
    requests: list[str] = []
    page = offline_page(chromium, requests)
    page.goto(f"{server}/")
    page.wait_for_selector("#map[data-background=city]", state="attached", timeout=15_000)
    page.wait_for_selector("body[data-map-ready]", state="attached", timeout=30_000)
    pane = page.locator("#map .leaflet-city-pane")
    for kind, n in count.items():
        assert n > 0 and pane.locator(f"path.city-{kind}").count() == n, kind
    assert pane.locator("path.city-street").count() > 0
    assert page.locator("#map .leaflet-tile-pane img").count() == 0  # the broken tile layer is gone
    assert page.locator("#map .city-label.district").count() == count["district"]  # names at this zoom
    assert ATTRIBUTION["nl"] in page.locator("#map .leaflet-control-attribution").inner_text()
    assert int(page.eval_on_selector("body", "b => b.dataset.mapMarkers")) == sensors  # the sensors on top
    assert any(url.startswith(TILE_HOST) for url in requests)  # it did try the tiles first
    assert elsewhere(requests, server) == []
    assert page.errors == []


def test_with_tiles_that_load_the_city_background_stays_away(server: str, chromium: Any) -> None:
    png = tile_png()
    requests: list[str] = []
    page = new_page(chromium)
    page.route(f"{TILE_HOST}/**", lambda route: route.fulfill(status=200, content_type="image/png", body=png))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/")
    page.wait_for_selector("body[data-map-ready]", state="attached", timeout=30_000)
    page.wait_for_selector("#map .leaflet-tile-loaded", state="attached", timeout=15_000)
    assert page.eval_on_selector("#map", "m => m.dataset.background") == "tiles"
    assert page.locator("#map .leaflet-city-pane path").count() == 0
    assert not any(PATH in url for url in requests)  # not even fetched
    assert elsewhere(requests, server) == []
    assert page.errors == []


def test_a_dashboards_map_without_tiles_draws_the_demo_city(server: str, chromium: Any) -> None:
    requests: list[str] = []
    page = offline_page(chromium, requests)
    page.goto(f"{server}/dashboards/luchtkwaliteit")
    page.wait_for_selector("body[data-dashboard-ready=true]", state="attached", timeout=30_000)
    panel = page.locator(".panel-map .map")
    panel.and_(page.locator("[data-background=city]")).wait_for(state="attached", timeout=15_000)
    assert panel.locator(".leaflet-city-pane path.city-water").count() > 0
    assert int(panel.get_attribute("data-markers") or 0) > 0
    assert sum(PATH in url for url in requests) == 1  # one request, however many maps
    assert elsewhere(requests, server) == []
    assert page.errors == []
