"""The web UI in headless Chromium (Playwright driving Debian's `chromium`), against a real
`stadsdata serve --demo` with 3 days of history and its simulator running: the map shows the
demo sensors, clicking one on the map opens its chart, the language switch works, a dashboard
renders, a resident's withdrawn consent hides their sensor from the official who read it, and
an administrator watches, runs and pauses the demo city's sources.
The screenshots in docs/screenshots/ are taken here: with `STADSDATA_BASEMAP=none` the maps show the
demo city's own background (tests/browser/test_offline_map.py: the same when tiles do not load)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import demo_city, new_page, require_browser, sign_in
from tests.conftest import free_port

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    directory = tmp_path_factory.mktemp("demo")
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEMO_DAYS": "3", "STADSDATA_DEMO_INTERVAL_S": "1", "STADSDATA_BASEMAP": "none",
           "STADSDATA_MQTT_EMBEDDED": "true", "STADSDATA_MQTT_PORT": str(free_port()), "STADSDATA_SOURCES_RUN": "true"}  # fmt: skip
    with demo_city(directory, env) as server:
        wait_for_first_source_run(server["base"], ("beheerder", server["passwords"]["beheerder"]))
        yield server


def wait_for_first_source_run(base: str, admin: tuple[str, str]) -> None:
    """The demo source's first run (it mirrors 6 sensor kits): done before the map is counted."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sources = httpx.get(f"{base}/api/v1/sources", auth=admin).json()["_embedded"]["sources"]
        if sources and all(s["status"]["lastSuccessAt"] for s in sources):
            return
        time.sleep(0.5)
    raise AssertionError(f"the demo sources did not run: {sources}")




def test_the_map_shows_the_demo_sensors_and_a_click_opens_a_chart(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    visible = httpx.get(f"{base}/v1.1/Things?$count=true&$top=0").json()["@iot.count"]
    assert visible == 175  # 127 sites; of the demo sources 6 kits, 3 parking facilities, 40 trees, 1 Luchtmeetnet station; the 2 residents' sensors are not for the anonymous
    page = new_page(browser)
    page.goto(f"{base}/")
    page.wait_for_selector("body[data-map-ready]", state="attached", timeout=30_000)
    page.wait_for_selector("#map[data-background=city]", state="attached", timeout=10_000)  # basemap none: the city's own map
    assert page.locator("#status").inner_text() == "175 sensoren"
    assert int(page.eval_on_selector("body", "b => b.dataset.mapMarkers")) == visible
    assert page.locator(".sensor-cluster").count() > 0  # clustered
    page.select_option("#property", "PM10")
    assert page.locator("#status").inner_text() == "20 sensoren"
    assert page.locator("#legend li").count() == 6  # five bands and 'no reading'
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map.png"))
    # Click a sensor on the map: zoom until it stands alone, click its circle, follow the popup.
    point = page.evaluate("""() => new Promise((done) => {
        const { map, clusters, shown } = window.stadsdataMap;
        clusters.reveal(shown()[0], (marker) => {
            const p = map.latLngToContainerPoint(marker.getLatLng());
            const box = map.getContainer().getBoundingClientRect();
            done({ x: box.left + p.x, y: box.top + p.y });
        });
    })""")
    page.mouse.click(point["x"], point["y"])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert "PM10" in popup.inner_text()
    popup.get_by_role("link", name="Bekijk sensor").click()
    page.wait_for_url(re.compile(r".*/sensors/\d+$"))
    page.wait_for_selector("body[data-chart-ready=true]", state="attached", timeout=30_000)
    assert page.locator("#chart canvas").count() >= 1  # uPlot drew it
    assert int(page.eval_on_selector("body", "b => b.dataset.chartPoints")) > 100
    assert "Open" in page.locator("#meta").inner_text()  # the access level
    page.wait_for_selector("body[data-quality-ready=true]", state="attached", timeout=30_000)  # the week's data quality
    assert re.fullmatch(r"[\d.]+ metingen, (\d+ %|–) compleet\. .+", page.locator("#quality-summary").inner_text())
    shown = page.eval_on_selector_all("#quality-findings li", "items => items.map((li) => li.dataset.kind)")
    assert len(shown) <= 10 and set(shown) <= {"gap", "outlier", "flat_line", "out_of_range", "late"}
    page.get_by_role("button", name="Maand").click()
    page.wait_for_selector("body[data-chart-ready=true]", state="attached", timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "sensor.png"))
    assert page.errors == []


def test_the_language_switch(demo_server: dict[str, Any], browser: Any) -> None:
    page = new_page(browser)
    page.goto(f"{demo_server['base']}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sensoren in de stad"
    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("heading", level=1).inner_text() == "Sensors in the city"
    page.wait_for_selector("body[data-map-ready]", state="attached", timeout=30_000)
    assert page.locator("#status").inner_text() == "175 sensors"
    page.get_by_role("link", name="Dashboards").click()  # remembered on the next page
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboards"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Air quality").count() == 1
    assert page.errors == []


def test_a_dashboard_renders(demo_server: dict[str, Any], browser: Any) -> None:
    page = new_page(browser)
    page.goto(f"{demo_server['base']}/dashboards?lang=nl")
    page.get_by_role("link", name="Luchtkwaliteit").click()
    page.wait_for_selector("body[data-dashboard-ready=true]", state="attached", timeout=30_000)
    values = page.locator(".panel-kpi .kpi-value").all_inner_texts()
    assert len(values) == 3 and all(re.match(r"^\d+(,\d+)? µg/m³$", v) for v in values), values
    exceeding = page.locator(".panel-analysis .kpi-value").all_inner_texts()  # sensors above the EU and WHO values this year
    assert len(exceeding) == 2 and all(v.isdigit() for v in exceeding), exceeding
    assert page.locator(".panel-chart canvas").count() >= 1
    assert page.locator(".panel-map .map").get_attribute("data-markers") == "20"  # one circle per PM2.5 sensor
    assert page.locator(".card .error").count() == 0
    page.wait_for_selector(".panel-map .map[data-background=city]", state="attached", timeout=10_000)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert page.errors == []


def test_a_withdrawn_consent_hides_the_data_on_the_page(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    official = new_page(browser)
    sign_in(official, base, "analist", passwords["analist"])  # a department of the municipality
    things = official.evaluate("() => fetch('/v1.1/Things?$filter=properties/owner eq \\'bewoner\\'&$select=id,name').then(r => r.json())")
    by_name = {t["name"]: t["@iot.id"] for t in things["value"]}
    assert set(by_name) == {"Bewonerssensor Beukenhof"}  # Jansen gave the municipality consent; El Amrani did not
    sensor = f"{base}/sensors/{by_name['Bewonerssensor Beukenhof']}"
    official.goto(sensor)
    official.wait_for_selector("body[data-chart-ready=true]", state="attached", timeout=30_000)
    assert int(official.eval_on_selector("body", "b => b.dataset.chartPoints")) > 0
    assert "Beperkt" in official.locator("#meta").inner_text()

    resident = new_page(browser)
    sign_in(resident, base, "jansen", passwords["jansen"])
    resident.wait_for_selector("body[data-mydata-ready=true]", state="attached", timeout=15_000)
    row = resident.locator("#consents tbody tr").filter(has_text="luchtkwaliteitsonderzoek")
    assert "gegeven" in row.inner_text()
    audit = resident.locator("#audit tbody").inner_text()
    assert "user:analist" in audit and "consent" in audit  # the resident sees who read their data
    row.get_by_role("button", name="Intrekken").click()
    resident.wait_for_function("() => document.querySelector('#consents tbody').innerText.includes('ingetrokken')")

    official.reload()
    official.wait_for_selector("body[data-chart-ready=error]", state="attached", timeout=30_000)
    assert official.locator("#status").inner_text() == "Deze sensor bestaat niet, of u mag hem niet zien."
    assert official.locator("#chart canvas").count() == 0
    assert official.errors == [] and resident.errors == []


def test_an_admin_edits_a_dashboard_in_the_page(demo_server: dict[str, Any], browser: Any) -> None:
    import json

    base, passwords = demo_server["base"], demo_server["passwords"]
    visitor = new_page(browser)
    visitor.goto(f"{base}/dashboards/parkeren")
    assert visitor.locator("#editor").count() == 0  # only admins see the editor
    admin = new_page(browser)
    sign_in(admin, base, "beheerder", passwords["beheerder"])
    admin.goto(f"{base}/dashboards/parkeren")
    admin.wait_for_selector("body[data-dashboard-ready=true]", state="attached", timeout=30_000)
    admin.get_by_text("Bewerken").click()
    document = json.loads(admin.get_by_label("Dashboard als JSON").input_value())
    document["panels"][0]["statistic"] = "median"  # not a statistic: refused, naming the field
    admin.get_by_label("Dashboard als JSON").fill(json.dumps(document))
    admin.get_by_role("button", name="Opslaan").click()
    admin.wait_for_function("() => document.querySelector('#save-status').textContent.includes('panels.0.kpi.statistic')")
    document["panels"][0]["statistic"] = "max"
    document["title"]["nl"] = "Parkeren in Veenhaven"
    admin.get_by_label("Dashboard als JSON").fill(json.dumps(document))
    admin.get_by_role("button", name="Opslaan").click()
    admin.wait_for_function("() => document.querySelector('#save-status').textContent === 'Opgeslagen.'")
    assert admin.locator("#dashboard-title").inner_text() == "Parkeren in Veenhaven"
    stored = httpx.get(f"{base}/api/v1/dashboards/parkeren").json()
    assert stored["title"]["nl"] == "Parkeren in Veenhaven" and stored["panels"][0]["statistic"] == "max"
    assert admin.errors == []


def test_an_admin_watches_runs_and_pauses_the_demo_sources(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    visitor = new_page(browser)
    visitor.goto(f"{base}/sources")
    assert visitor.locator("#source-list").count() == 0  # administrators only
    assert visitor.get_by_role("link", name="Bronnen", exact=True).count() == 0
    admin = new_page(browser)
    sign_in(admin, base, "beheerder", passwords["beheerder"])
    admin.get_by_role("link", name="Bronnen", exact=True).click()
    admin.wait_for_selector("body[data-sources-ready=true]", state="attached", timeout=30_000)
    row = admin.locator("tr[data-source=samen-meten-veenhaven]")
    deadline = time.monotonic() + 60
    while "opgeslagen" not in row.locator("td.run").inner_text() and time.monotonic() < deadline:  # its first run
        time.sleep(1)
        admin.reload()
        admin.wait_for_selector("body[data-sources-ready=true]", state="attached")
    assert row.locator("td.run").inner_text().startswith("gelukt")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(SCREENSHOTS / "sources.png"), full_page=True)
    row.get_by_role("button", name="Nu ophalen").click()
    admin.wait_for_function("() => document.querySelector('#status').textContent.includes('zodra er plaats is')")
    row.get_by_role("button", name="Pauzeren").click()
    admin.wait_for_selector("tr[data-source=samen-meten-veenhaven][data-state=paused]", state="attached")
    assert httpx.get(f"{base}/api/v1/sources/samen-meten-veenhaven", auth=("beheerder", passwords["beheerder"])).json()["state"] == "paused"
    # A bad config is refused before anything is saved, naming the member.
    admin.get_by_label("Soort", exact=True).select_option("sensorthings")
    admin.get_by_label("Naam", exact=True).fill("kapot")
    admin.get_by_label("Configuratie", exact=False).fill('{"url": "ftp://nergens"}')
    admin.get_by_role("button", name="Verbinding testen en opslaan").click()
    admin.wait_for_function("() => document.querySelector('#status').textContent.startsWith('config.url')")
    # The sensor page of a mirrored kit names the source that brought it.
    kit = httpx.get(f"{base}/v1.1/Things?$filter=name eq 'SSK_VH01'&$select=id").json()["value"][0]["@iot.id"]
    admin.goto(f"{base}/sensors/{kit}")
    admin.wait_for_selector("#meta dt", timeout=30_000)
    assert "samen-meten-veenhaven (run " in admin.locator("#meta").inner_text()
    assert admin.errors == [] and visitor.errors == []


def test_the_public_space_page_lists_the_fields_to_mow_the_wells_and_the_failed_lights(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/analyses")
    page.get_by_role("link", name="Groen en openbare ruimte").click()
    page.wait_for_url(re.compile(r".*/public-space$"))
    page.wait_for_selector("body[data-space-ready=true]", state="attached", timeout=30_000)
    mowing = httpx.get(f"{base}/api/v1/public-space/mowing").json()  # what the anonymous visitor may read
    assert page.locator("#mowing tbody tr").count() == len(mowing["fields"]) == 10  # the demo's grass fields
    assert page.locator("#mowing tr[data-mow-now=true]").count() == mowing["mowNow"]
    assert page.locator("#wells tbody tr").count() == 8  # the demo's wells
    # the demo's two failed lamps (demo/signals.py street_light: seeds 605 and 618, masts 6 and 19), none burning by day
    failed = page.eval_on_selector_all("#lights tr[data-state=failed] th", "cells => cells.map((c) => c.textContent)")
    assert sorted(int(name.rsplit(" ", 1)[1]) for name in failed) == [6, 19]
    assert page.locator("#lights tr[data-state=burns_by_day]").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "public-space.png"), full_page=True)
    # the analysis' dashboard: its tiles are fields of the same answers
    page.goto(f"{base}/dashboards/groen")
    page.wait_for_selector("body[data-dashboard-ready=true]", state="attached", timeout=30_000)
    assert page.locator(".panel-analysis .kpi-value").all_inner_texts() == [str(mowing["mowNow"]), "2", "0"]
    assert page.locator(".panel-analysis a").first.get_attribute("href") == "/public-space"
    assert page.locator(".card .error").count() == 0
    assert page.errors == []
