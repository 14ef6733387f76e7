"""The waste collection page in headless Chromium against a real `stadsdata serve --demo`: the page
is listed under the analyses, plans the route on the demo city's streets as the visitor, and shows
the containers, the streets full garages block and the route on the map and the stops as an
ordered list — the same as the API answers the visitor. The screenshot docs/screenshots/waste.png
is taken here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import demo_city, new_page, require_browser

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
GARAGES, CONTAINERS = 6, 25  # the demo city's (stadsdata/demo/city.py)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    directory = tmp_path_factory.mktemp("waste")
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEMO_DAYS": "1", "STADSDATA_BASEMAP": "none",
           "STADSDATA_MQTT_EMBEDDED": "false", "STADSDATA_SOURCES_RUN": "false", "STADSDATA_WASTE_SOLVER_S": "0.5"}  # fmt: skip
    with demo_city(directory, env) as server:
        yield server


def test_the_waste_page_shows_the_route_around_the_full_garages(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/analyses")
    page.get_by_role("link", name="Afvalinzameling").click()
    page.wait_for_url(re.compile(r".*/waste$"))
    page.wait_for_selector("body[data-waste-ready=true]", state="attached", timeout=30_000)
    # Every container and every garage counts: a fill threshold of 0 % and garages full from 0 % occupied.
    page.get_by_label("Vuldrempel (%)").fill("0")
    page.get_by_label("Een garage is vol vanaf (% bezet)").fill("0")
    page.get_by_role("button", name="Plan de route").click()
    page.wait_for_selector("body[data-waste-ready=true]", state="attached", timeout=30_000)
    answer = httpx.post(f"{base}/api/v1/waste/routes", json={"fillThreshold": 0, "garageOccupancy": 0}, timeout=30).json()
    assert len(answer["stops"]) + len(answer["unreachable"]) == CONTAINERS and len(answer["stops"]) >= 20
    assert len(answer["blockedStreets"]) == GARAGES and answer["notes"] == []
    shown = page.eval_on_selector_all("#waste-stops li a", "links => links.map((a) => a.textContent)")
    assert sorted(shown) == sorted(s["name"] for s in answer["stops"])
    assert page.locator("#waste-blocked li").count() == GARAGES
    assert page.locator("#map .waste-stop-number").count() == len(answer["stops"])
    assert page.locator("#map path.waste-route").count() == 1 and page.locator("#map path.waste-blocked").count() == GARAGES
    assert "containers" in page.locator("#waste-summary").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "waste.png"), full_page=True)
    # A value out of range is refused by the form already (the API would answer 400 naming it).
    page.get_by_label("Containers per rit").fill("0")
    assert page.eval_on_selector("#waste-form", "form => form.checkValidity()") is False
    assert page.errors == []


def test_the_waste_dashboard_shows_the_route_in_numbers(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/dashboards/afval")
    page.wait_for_selector("body[data-dashboard-ready=true]", state="attached", timeout=30_000)
    answer = httpx.post(f"{base}/api/v1/waste/routes", json={"fillThreshold": 80}, timeout=30).json()  # as the anonymous visitor
    length = page.locator(".panel-analysis .kpi-value").all_inner_texts()
    assert length[0] == str(len(answer["stops"])) and length[2] == str(len(answer["blockedStreets"]))
    assert length[1].endswith(" m") and page.locator(".card .error").count() == 0
    assert page.errors == []
