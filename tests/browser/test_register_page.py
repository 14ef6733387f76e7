"""The sensor register's page in headless Chromium (Playwright driving Debian's `chromium`), against
a real `stadsdata serve --demo`: the map shows the demo city's approved entries (not the one still
waiting for review), a signed-in company registers a device through the form — a wrong date is
refused naming the field, then it is saved — and it appears to everyone only after the
municipality's administrator approved it on the same page. The screenshots in docs/screenshots/
(register.png, register-form.png) are taken here."""

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
PUBLIC_ENTRIES = 7  # demo/register.py: 3 air-quality boxes, 2 garages, the Markt camera, a resident's weather station


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    directory = tmp_path_factory.mktemp("register")
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEMO_DAYS": "1", "STADSDATA_BASEMAP": "none",
           "STADSDATA_MQTT_EMBEDDED": "false", "STADSDATA_SOURCES_RUN": "false"}  # fmt: skip
    with demo_city(directory, env) as server:
        yield server




def open_register(page: Any, base: str) -> None:
    if not page.url.endswith("/register"):
        page.goto(f"{base}/register")
    page.wait_for_selector("body[data-register-ready=true]", state="attached", timeout=30_000)


def test_the_map_shows_the_approved_entries(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    open_register(page, base)
    assert page.locator("#status").inner_text() == f"{PUBLIC_ENTRIES} apparaten"
    assert int(page.eval_on_selector("body", "b => b.dataset.registerMarkers")) == PUBLIC_ENTRIES
    assert page.locator("#map path.leaflet-interactive").count() == PUBLIC_ENTRIES  # six points and the camera's area
    assert "Vulgraadsensor" not in page.locator("#register-list").inner_text()  # submitted: not yet for everyone
    # The resident's weather station names no one; the camera says it processes personal data and why.
    assert "Weerstation in de tuin" in page.locator("#register-list").inner_text()
    page.get_by_role("button", name=re.compile("^Weerstation in de tuin")).click()
    detail = page.locator("#register-detail")
    assert "een bewoner" in detail.inner_text() and "Jansen" not in detail.inner_text()
    page.get_by_role("button", name=re.compile("^Telcamera Markt")).click()
    assert "AVG art. 6" in detail.inner_text() and "persoonsgegevens" in detail.inner_text()
    assert detail.get_by_role("link", name=re.compile("privacy")).count() == 1
    # Filters: by type and by free text.
    page.select_option("#register-type-filter", "air-quality")
    page.wait_for_function("document.getElementById('status').textContent === '3 apparaten'")
    page.select_option("#register-type-filter", "")
    page.fill("#register-q", "markt")
    page.wait_for_function("document.getElementById('status').textContent === '2 apparaten'")
    page.fill("#register-q", "")
    page.wait_for_function(f"document.getElementById('status').textContent === '{PUBLIC_ENTRIES} apparaten'")
    page.get_by_role("button", name=re.compile("^Telcamera Markt")).click()
    page.evaluate("document.querySelector('.register-page .panel').scrollTop = 0")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "register.png"))
    assert page.errors == []


def test_an_owner_registers_a_device_and_it_appears_after_review(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    owner = new_page(browser)
    sign_in(owner, base, "laadnet", passwords["laadnet"], "/register")
    open_register(owner, base)
    owner.get_by_role("button", name="Apparaat registreren").click()
    form = owner.locator("#register-form")
    form.get_by_label("Naam", exact=True).fill("Energiemeter laadplein Stationsweg")
    form.get_by_label("Soort apparaat").select_option("energy")
    form.get_by_label("Omschrijving", exact=True).fill("Meet de stroom naar het laadplein")
    form.get_by_label("Doel: waarvoor meet het apparaat?").fill("Het net niet overbelasten bij veel laders tegelijk")
    form.get_by_label("Energie", exact=True).check()
    owner.locator("#map").click(position={"x": 260, "y": 220})  # the place: a click on the map
    assert form.get_by_label("Lengtegraad").input_value() != ""
    form.get_by_label("Omschrijving van de plek").fill("in de kast naast het laadplein")
    form.get_by_label("Actief vanaf").fill("2027-01-01")
    form.get_by_label("Actief tot (wordt verwijderd op)").fill("2026-06-30")
    form.get_by_label("Naam van de sensor").fill("kWh-meter")
    form.get_by_label("Wat meet de sensor? (komma's ertussen)").fill("vermogen, energie")
    owner.get_by_role("button", name="Opslaan").click()
    # Refused, naming the field: the end date is before the start.
    error = owner.locator("#register-form-error")
    error.wait_for(state="visible")
    owner.wait_for_function("document.getElementById('register-form-error').textContent.includes('activeUntil')")
    assert owner.locator("#register-until").get_attribute("aria-invalid") == "true"
    assert "activeFrom" in owner.locator("#register-field-error").inner_text()  # the message beside the field too
    owner.screenshot(path=str(SCREENSHOTS / "register-form.png"))
    form.get_by_label("Actief tot (wordt verwijderd op)").fill("2031-12-31")
    owner.get_by_role("button", name="Opslaan").click()
    owner.wait_for_function("document.getElementById('status').textContent.includes('beoordeelt')")
    detail = owner.locator("#register-detail")
    assert "Energiemeter laadplein Stationsweg" in detail.inner_text() and "ingediend" in detail.inner_text()
    assert "LaadNet Veenhaven BV" in detail.inner_text()
    # Not yet for everyone.
    public = httpx.get(f"{base}/api/v1/register/devices.geojson").json()["features"]
    assert "Energiemeter laadplein Stationsweg" not in {f["properties"]["name"] for f in public}
    assert len(public) == PUBLIC_ENTRIES

    reviewer = new_page(browser)
    sign_in(reviewer, base, "beheerder", passwords["beheerder"], "/register")
    open_register(reviewer, base)
    reviewer.select_option("#register-status-filter", "submitted")
    reviewer.wait_for_function("document.getElementById('status').textContent === '2 apparaten'")  # this one and the waste company's
    reviewer.get_by_role("button", name=re.compile("^Energiemeter laadplein Stationsweg")).click()
    reviewer.get_by_label("Toelichting bij de beoordeling").fill("Akkoord")
    reviewer.get_by_role("button", name="Goedkeuren").click()
    reviewer.wait_for_function("document.getElementById('status').textContent === '1 apparaat'")

    visitor = new_page(browser)
    open_register(visitor, base)
    assert visitor.locator("#status").inner_text() == f"{PUBLIC_ENTRIES + 1} apparaten"
    assert "Energiemeter laadplein Stationsweg" in visitor.locator("#register-list").inner_text()
    assert owner.errors == [] and reviewer.errors == [] and visitor.errors == []
