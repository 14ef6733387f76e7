"""The air-quality page in headless Chromium against a real `stadsdata serve --demo`: it is listed
under the analyses, shows per sensor and per area what the API answers the visitor (every NO2, PM10
and PM2.5 stream they may read, indicative ones marked, means with too little data marked), a
resident sees their own restricted sensor only once signed in, and the dashboard tile counts the
sensors above the limit values. The screenshot docs/screenshots/air-quality.png is taken here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import demo_city, new_page, require_browser, sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    directory = tmp_path_factory.mktemp("air")
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEMO_DAYS": "2", "STADSDATA_BASEMAP": "none",
           "STADSDATA_MQTT_EMBEDDED": "false", "STADSDATA_SOURCES_RUN": "false"}  # fmt: skip
    with demo_city(directory, env) as server:
        yield server


def shown_streams(page: Any) -> list[str]:
    return page.eval_on_selector_all("#air-sensors tbody tr[data-datastream]", "rows => rows.map((r) => r.dataset.datastream)")


def test_the_page_shows_the_report_the_visitor_may_read(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/analyses")
    page.get_by_role("link", name="Luchtkwaliteit").click()
    page.wait_for_url(re.compile(r".*/air-quality$"))
    page.wait_for_selector("body[data-air-ready=true]", state="attached", timeout=60_000)
    answer = httpx.get(f"{base}/api/v1/air-quality/exceedances?standard=eu-2008", timeout=60).json()  # as the anonymous visitor
    assert answer["sensors"], answer
    assert sorted(shown_streams(page), key=int) == sorted((str(s["datastreamId"]) for s in answer["sensors"]), key=int)
    cells = page.locator("#air-sensors td[data-period]")  # a cell per sensor and limit
    assert cells.count() == sum(len(s["limits"]) for s in answer["sensors"])
    indicative = sum(s["measurementClass"] == "indicative" for s in answer["sensors"])
    assert page.locator("#air-sensors [data-class=indicative]").count() == indicative > 0  # the citizen network
    # Two days of data in a year: no annual mean is valid, and the page says so rather than a verdict.
    assert all(not s["annualMean"]["valid"] for s in answer["sensors"])
    assert page.locator("#air-sensors td[data-period=year][data-verdict=unknown] [data-invalid=true]").count() == len(answer["sensors"])
    # marked: every annual mean (invalid), and each hourly or daily count with means above the value but not valid
    marked = len(answer["sensors"]) + sum(x["invalidAbove"] > 0 for s in answer["sensors"] for x in s["limits"] if x["period"] != "year")
    assert page.locator("#air-sensors [data-invalid=true]").count() == marked
    assert page.locator("#air-areas tbody tr[data-area]").count() == len(answer["areas"])
    # The 2030 values: NO2 has a daily limit too, so more rows.
    page.select_option("#air-standard", "eu-2030")
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_selector("body[data-air-ready=true]", state="attached", timeout=60_000)
    later = httpx.get(f"{base}/api/v1/air-quality/exceedances?standard=eu-2030", timeout=60).json()
    assert cells.count() == sum(len(s["limits"]) for s in later["sensors"]) > sum(len(s["limits"]) for s in answer["sensors"])
    # NO2 only (a shorter page for the screenshot): one table of sensors, one of areas.
    page.select_option("#air-pollutant", "NO2")
    page.get_by_role("button", name="Toepassen").click()
    page.wait_for_selector("body[data-air-ready=true]", state="attached", timeout=60_000)
    assert page.eval_on_selector_all("#air-sensors section", "parts => parts.map((p) => p.dataset.pollutant)") == ["NO2"]
    page.screenshot(path=str(SCREENSHOTS / "air-quality.png"), full_page=True)
    assert page.errors == []


def test_a_resident_sees_their_own_sensor_once_signed_in(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/air-quality")
    page.wait_for_selector("body[data-air-ready=true]", state="attached", timeout=60_000)
    anonymous = set(shown_streams(page))
    sign_in(page, base, "jansen", demo_server["passwords"]["jansen"], then="/air-quality")
    page.wait_for_selector("body[data-air-ready=true]", state="attached", timeout=60_000)
    assert anonymous < set(shown_streams(page))  # the resident's own restricted air sensor is added
    assert page.errors == []


def test_the_dashboard_tile_counts_the_sensors_above_the_limits(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/dashboards/luchtkwaliteit")
    page.wait_for_selector("body[data-dashboard-ready=true]", state="attached", timeout=60_000)
    eu = httpx.get(f"{base}/api/v1/air-quality/exceedances?standard=eu-2008", timeout=60).json()["summary"]["exceeding"]
    who = httpx.get(f"{base}/api/v1/air-quality/exceedances?standard=who-2021", timeout=60).json()["summary"]["exceeding"]
    assert page.locator(".panel-analysis .kpi-value").all_inner_texts() == [str(eu), str(who)]
    assert page.errors == []
