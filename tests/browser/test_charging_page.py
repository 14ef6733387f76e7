"""The EV charging page in headless Chromium against a real `stadsdata serve --demo`: the page is
listed under the analyses and shows occupancy per district and per charge point, the districts
ranked for new charge points and yesterday's peak shaving — the same as the API answers the
visitor. The charge point operator (account `laadnet`) sees the energy per session and so the
sessions of the day; the anonymous visitor does not. The screenshot docs/screenshots/charging.png
is taken here."""

from __future__ import annotations

import re
import time
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
    directory = tmp_path_factory.mktemp("charging")
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEMO_DAYS": "2", "STADSDATA_BASEMAP": "none",
           "STADSDATA_MQTT_EMBEDDED": "false", "STADSDATA_SOURCES_RUN": "false", "STADSDATA_DEMO_INTERVAL_S": "3600"}  # fmt: skip
    with demo_city(directory, env) as server:
        yield server


def settled(base: str, auth: tuple[str, str]) -> None:
    """Wait until the demo CPO has pushed its history (its thread starts with the server): two answers
    a second apart alike, with the city's 20 charge points and the CPO's 12 EVSEs."""
    last = None
    for _ in range(120):
        answer = httpx.get(f"{base}/api/v1/charging/occupancy", params={"to": "2100-01-01T00:00:00Z", "from": "2099-12-31T00:00:00Z"},
                           auth=auth, timeout=60).json()  # fmt: skip
        now = httpx.get(f"{base}/api/v1/charging/peak-shaving", auth=auth, timeout=60).json()
        if len(answer["chargePoints"]) == 32 and now == last:
            return
        last = now
        time.sleep(1)
    raise AssertionError("the demo CPO did not finish its first push")


def test_the_charging_page_shows_occupancy_ranking_and_peak_shaving(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    settled(base, ("laadnet", passwords["laadnet"]))
    page = new_page(browser)
    sign_in(page, base, "laadnet", passwords["laadnet"], "/analyses")
    page.get_by_role("link", name="Laden van elektrische auto's").click()
    page.wait_for_url(re.compile(r".*/charging$"))
    page.wait_for_selector("body[data-charging-ready=true]", state="attached", timeout=60_000)
    auth = ("laadnet", passwords["laadnet"])
    asked = page.eval_on_selector("body", "body => body.dataset.chargingRange")  # the page's from and to
    ranking = httpx.get(f"{base}/api/v1/charging/placement?{asked}", auth=auth, timeout=60).json()["ranking"]
    occupancy = httpx.get(f"{base}/api/v1/charging/occupancy?{asked}", auth=auth, timeout=60).json()
    peak = httpx.get(f"{base}/api/v1/charging/peak-shaving", auth=auth, timeout=60).json()
    assert len(ranking) >= 3 and len(occupancy["chargePoints"]) >= 20  # the demo city's districts and charge points
    shown = page.eval_on_selector_all(
        "#charging-ranking tbody tr td:nth-child(2)", "cells => cells.map((c) => c.textContent)"
    )
    assert shown == [r["area"] for r in ranking]
    assert page.locator("#charging-points tbody tr").count() == len(occupancy["chargePoints"])
    assert page.locator("#charging-areas tbody tr").count() == len(occupancy["areas"])
    assert peak["sessions"] and peak["peakAfterKw"] <= peak["peakBeforeKw"]
    summary = page.locator("#peak-summary").inner_text()
    assert f"{len(peak['sessions'])} laadsessies" in summary and "kW" in summary
    assert page.locator("#peak-chart path.before").count() == 1 and page.locator("#peak-chart path.after").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "charging.png"), full_page=True)
    assert page.errors == []


def test_the_anonymous_visitor_sees_no_sessions(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser, locale="en-GB")
    page.goto(f"{base}/charging?lang=en")
    page.wait_for_selector("body[data-charging-ready=true]", state="attached", timeout=60_000)
    assert httpx.get(f"{base}/api/v1/charging/peak-shaving", timeout=60).json()["sessions"] == []
    assert "no charging sessions" in page.locator("#peak-summary").inner_text().lower() or \
        "geen laadsessies" in page.locator("#peak-summary").inner_text().lower()  # fmt: skip
    assert page.locator("#charging-ranking tbody tr").count() >= 3
    assert page.errors == []


def test_the_charging_dashboard_shows_the_analysis_in_numbers(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    settled(base, ("laadnet", passwords["laadnet"]))
    page = new_page(browser)
    sign_in(page, base, "laadnet", passwords["laadnet"], "/dashboards/laden-analyse")
    page.wait_for_selector("body[data-dashboard-ready=true]", state="attached", timeout=60_000)
    auth = ("laadnet", passwords["laadnet"])
    placement = httpx.get(f"{base}/api/v1/charging/placement", auth=auth, timeout=60).json()
    peak = httpx.get(f"{base}/api/v1/charging/peak-shaving", auth=auth, timeout=60).json()
    shown = page.locator(".panel-analysis .kpi-value").all_inner_texts()
    assert shown[0] == str(placement["freeChargePointsNow"])
    assert shown[1].endswith(" kW") and shown[2].endswith(" kW") and page.locator(".card .error").count() == 0
    before, after = (float(v.removesuffix(" kW").replace(".", "").replace(",", ".")) for v in shown[1:3])
    # the tiles show whole kW
    assert before == pytest.approx(peak["peakBeforeKw"], abs=0.51)
    assert after == pytest.approx(peak["peakAfterKw"], abs=0.51)
    assert page.errors == []
