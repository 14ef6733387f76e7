"""The data catalog in the web UI (`/catalog`, `/catalog/{name}`, `/processing-register`) in
headless Chromium, against a real `stadsdata serve --demo` (1 day of history; its sources not
running and without the OCPI face, so that the set of datasets stays put while the tests look at
it): a search by word narrows the results, a facet filters them and updates the counts, the map
shows the results' coverage, a dataset page shows its metadata, distributions, streams and
coverage, a restricted dataset shows an anonymous visitor whom to ask and no streams (and a
signed-in resident asks for access under the owner's Offer), the streams' data quality of the
last 7 days, the English version, and the processing register. Writes docs/screenshots/catalog.png and dataset.png (with
`STADSDATA_BASEMAP=none`: the demo city's own background map)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.browser.conftest import demo_city, new_page, require_browser, sign_in
from tests.conftest import free_port

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PUBLIC = {"parkeren", "luchtkwaliteit", "openbare-ruimte", "laadpalen", "verkeer"}  # the demo city's open datasets
LISTED = PUBLIC | {"laadsessies"}  # and the charging company's restricted one; the residents' are listed to no one else


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    directory = tmp_path_factory.mktemp("catalog-demo")
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEMO_DAYS": "1", "STADSDATA_BASEMAP": "none", "STADSDATA_SOURCES_RUN": "false",
           "STADSDATA_FACES": "sensorthings,management,dcat,ckan,web", "STADSDATA_MQTT_PORT": str(free_port())}  # fmt: skip
    with demo_city(directory, env) as server:
        yield server




def catalog_ready(page: Any) -> None:
    page.wait_for_selector("body[data-catalog-ready=true]", state="attached", timeout=30_000)


def dataset_ready(page: Any) -> None:
    page.wait_for_selector("body[data-dataset-ready=true]", state="attached", timeout=30_000)


def results(page: Any) -> set[str]:
    return set(page.eval_on_selector_all("#results li.result", "items => items.map(i => i.dataset.name)"))


def facet_counts(page: Any, facet: str) -> dict[str, int]:
    return page.eval_on_selector_all(
        f'fieldset[data-facet="{facet}"] input', "boxes => Object.fromEntries(boxes.map(b => [b.dataset.value, Number(b.closest('label').querySelector('.count').dataset.count)]))"
    )  # fmt: skip


def api(base: str, path: str, **options: Any) -> Any:
    response = httpx.get(f"{base}{path}", **options)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_search_by_word_narrows_the_results(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/catalog")
    catalog_ready(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Datacatalogus"
    assert results(page) == LISTED
    assert page.locator("#status").inner_text() == "6 datasets"
    page.get_by_label("Zoeken in de catalogus").fill("parkeer")  # the beginning of a word
    page.get_by_role("button", name="Zoeken", exact=True).click()
    page.wait_for_function("() => document.body.dataset.catalogReady === 'true' && document.body.dataset.catalogCount === '1'")
    assert results(page) == {"parkeren"}
    assert page.locator("#status").inner_text() == "1 dataset"
    assert parse_qs(urlsplit(page.url).query)["q"] == ["parkeer"]  # the search is in the address, to share
    twin = page.locator("#api-link").get_attribute("href")
    assert "q=parkeer" in twin and {e["name"] for e in api(base, twin)["_embedded"]["datasets"]} == {"parkeren"}  # the page's JSON twin
    page.get_by_label("Zoeken in de catalogus").fill("gibberishword")
    page.get_by_label("Zoeken in de catalogus").press("Enter")
    page.wait_for_function("() => document.body.dataset.catalogReady === 'true' && document.body.dataset.catalogCount === '0'")
    assert results(page) == set() and page.locator("#status").inner_text() == "Geen datasets gevonden."
    page.reload()  # the address keeps the search
    catalog_ready(page)
    assert page.get_by_label("Zoeken in de catalogus").input_value() == "gibberishword"
    assert page.errors == []


def test_a_facet_filters_and_updates_the_counts(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/catalog")
    catalog_ready(page)
    before = api(base, "/api/v1/catalog")["facets"]
    assert facet_counts(page, "theme") == before["theme"] and facet_counts(page, "accessLevel") == {"public": 5, "restricted": 1}
    page.locator('fieldset[data-facet="theme"]').get_by_label("Energie").check()
    page.wait_for_function("() => document.body.dataset.catalogReady === 'true' && document.body.dataset.catalogCount === '2'")
    assert results(page) == {"laadsessies", "laadpalen"}
    after = api(base, "/api/v1/catalog?theme=ENER")["facets"]
    assert facet_counts(page, "theme") == after["theme"] == {"ENER": 2, "TRAN": 2}  # the counts of what matches now
    assert facet_counts(page, "accessLevel") == {"public": 1, "restricted": 1}
    assert facet_counts(page, "publisher") == {"LaadNet Veenhaven BV": 2}
    assert page.locator('fieldset[data-facet="theme"] input[data-value="ENER"]').is_checked()
    # A second facet narrows further (AND across facets); a value of the same facet widens (OR).
    page.locator('fieldset[data-facet="accessLevel"]').get_by_label("Beperkt").check()
    page.wait_for_function("() => document.body.dataset.catalogReady === 'true' && document.body.dataset.catalogCount === '1'")
    assert results(page) == {"laadsessies"}
    assert parse_qs(urlsplit(page.url).query) == {"theme": ["ENER"], "accessLevel": ["restricted"]}
    page.get_by_role("button", name="Alle filters wissen").click()
    page.wait_for_function("() => document.body.dataset.catalogReady === 'true' && document.body.dataset.catalogCount === '6'")
    assert results(page) == LISTED and facet_counts(page, "theme") == before["theme"]
    assert page.errors == []


def test_the_map_shows_the_coverage_of_the_results(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/catalog")
    catalog_ready(page)
    covered = {e["name"]: e["bbox"] for e in api(base, "/api/v1/catalog")["_embedded"]["datasets"] if e["bbox"]}
    assert set(covered) == PUBLIC  # the restricted dataset's area is data: not shown to an anonymous visitor
    box = page.locator("#catalog-map")
    assert box.get_attribute("data-boxes") == "5"
    drawn = page.evaluate("() => Object.fromEntries([...window.stadsdataCatalog.layers].map(([name, layer]) => { const b = layer.getBounds(); return [name, [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]]; }))")
    assert set(drawn) == PUBLIC
    for name, bbox in covered.items():
        assert drawn[name] == pytest.approx(bbox, abs=1e-6), name
    assert page.locator("#coverage-note").inner_text() == "5 van de 6 resultaten op deze pagina hebben een gebied dat u mag zien."
    page.wait_for_selector("#catalog-map[data-background=city]", state="attached", timeout=10_000)  # basemap none: the city's own map
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "catalog.png"), full_page=True)
    # A result and its area go together: pointing at one marks the other.
    page.locator('#results li[data-name="verkeer"]').hover()
    assert page.evaluate("() => window.stadsdataCatalog.layers.get('verkeer').options.color") == "#b35900"
    # Only the datasets within the map's view: the view becomes the search's bbox.
    page.get_by_label("Alleen datasets in het kaartbeeld").check()
    page.wait_for_function("() => new URLSearchParams(location.search).has('bbox') && document.body.dataset.catalogReady === 'true'")
    assert results(page) == PUBLIC
    page.evaluate("() => window.stadsdataCatalog.map.setView([10, 10], 12)")  # far away from Veenhaven
    page.wait_for_function("() => document.body.dataset.catalogReady === 'true' && document.body.dataset.catalogCount === '0'")
    assert box.get_attribute("data-boxes") == "0"
    assert page.errors == []


def test_a_dataset_page_shows_metadata_distributions_streams_and_coverage(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/catalog")
    catalog_ready(page)
    page.get_by_role("link", name="Luchtkwaliteit (burgermeetnet)").click()
    page.wait_for_url(f"{base}/catalog/luchtkwaliteit")
    dataset_ready(page)
    entry = api(base, "/api/v1/catalog/luchtkwaliteit")
    assert page.get_by_role("heading", level=1).inner_text() == "Luchtkwaliteit (burgermeetnet)"
    page.wait_for_selector("#dataset-map[data-background=city]", state="attached", timeout=10_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.screenshot(path=str(SCREENSHOTS / "dataset.png"))
    about = page.locator("#about").inner_text()
    for text in ("luchtkwaliteit", "Gemeente Veenhaven", "Air quality (citizen network)", "Milieu, Gezondheid", "CC0 1.0 (publiek domein)",
                 "elke tien minuten", "data@veenhaven.example", "http://www.opengis.net/doc/is/sensorthings/1.1"):  # fmt: skip
        assert text in about, text
    assert page.locator("#about a", has_text="fijnstof").get_attribute("href").endswith("/catalog?keyword=fijnstof")
    assert "iedereen mag deze data lezen" in page.locator("#access-explained").inner_text()
    assert page.locator("#ask").is_hidden()  # open data: nobody needs to ask
    rows = page.locator("#distributions tbody tr")
    assert rows.all_inner_texts() and [r.split("\t")[0] for r in rows.all_inner_texts()] == ["CSV", "GeoJSON", "Parquet", "SensorThings API"]
    assert [d["format"] for d in entry["distributions"]] == ["CSV", "GeoJSON", "Parquet", "SensorThings API"]
    # The download form builds the download's address from the choices.
    page.get_by_label("Formaat", exact=True).select_option("geojson")
    first = entry["streams"][0]
    page.locator(f'#download-streams input[data-stream="{first["id"]}"]').check()
    query = parse_qs(urlsplit(page.locator("#download-link").get_attribute("href")).query)
    assert query["format"] == ["geojson"] and query["datastreams"] == [str(first["id"])] and {"from", "to"} <= set(query)
    assert page.locator("#download-link").get_attribute("href").startswith(f"/api/v1/datasets/{entry['id']}/download?")
    # The streams (the first 25, the rest on request), each linked to its sensor page.
    assert page.locator("#streams tbody tr").count() == 25
    page.get_by_role("button", name=f"Alle {entry['streamCount']} meetreeksen tonen").click()
    assert page.locator("#streams tbody tr").count() == entry["streamCount"] == len(entry["streams"])
    # Its area on a small map, with its measuring points; the DCAT documents and the JSON twin.
    assert page.locator("#dataset-map").get_attribute("data-boxes") == "1"
    assert int(page.locator("#dataset-map").get_attribute("data-points")) > 0
    assert page.get_by_role("link", name="Turtle").get_attribute("href") == f"/datasets/{entry['id']}.ttl"
    assert page.get_by_role("link", name="JSON-LD").get_attribute("href") == f"/datasets/{entry['id']}.jsonld"
    assert page.get_by_role("link", name="RDF/XML").get_attribute("href") == f"/datasets/{entry['id']}.rdf"
    assert page.locator("#api-entry").get_attribute("href") == "/api/v1/catalog/luchtkwaliteit"
    assert page.locator("#edit-section").is_hidden()  # only who manages the dataset edits it
    stream = page.locator("#streams tbody tr a").first
    stream_id = stream.evaluate("a => a.closest('tr').dataset.stream")
    stream.click()
    page.wait_for_url(re.compile(rf".*/sensors/\d+\?datastream={stream_id}$"))
    page.wait_for_selector("body[data-chart-ready=true]", state="attached", timeout=30_000)
    assert page.locator("#datastream").input_value() == stream_id  # the sensor page opens on that stream
    assert page.errors == []


def test_the_streams_show_their_data_quality_of_the_last_week(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    page = new_page(browser)
    page.goto(f"{base}/catalog/luchtkwaliteit")
    dataset_ready(page)
    entry = api(base, "/api/v1/catalog/luchtkwaliteit")
    assert entry["streamCount"] > 50  # the first 50 streams' quality in the table; the note says where the rest is
    assert page.locator("#quality-more").inner_text() == (
        "De datakwaliteit staat hier bij de eerste 50 meetreeksen; die van de andere op de pagina van elke sensor.")
    assert page.locator("#streams thead th").last.inner_text() == "Datakwaliteit (7 dagen)"
    # Lazily: a row out of view asks for nothing yet.
    rows = page.locator("#streams tbody tr")
    assert rows.nth(24).locator("td.quality").get_attribute("data-quality") == "waiting"
    first = rows.first.get_attribute("data-stream")
    other = rows.nth(1).get_attribute("data-stream")
    # A reading below zero (out of range for every unit of this dataset) in the first stream.
    body = {"Datastream": {"@iot.id": int(first)}, "result": -1000,
            "phenomenonTime": (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")}  # fmt: skip
    assert httpx.post(f"{base}/v1.1/Observations", json=body, auth=("beheerder", passwords["beheerder"]), timeout=30).status_code == 201
    report = api(base, f"/api/v1/datastreams/{first}/quality")
    assert report["counts"]["out_of_range"] >= 1
    # A stream the visitor may not read (its report answers 404) shows no figure.
    page.route(f"**/api/v1/datastreams/{other}/quality", lambda route: route.fulfill(status=404, content_type="application/problem+json",
                                                                                    body='{"status": 404, "title": "Not Found"}'))  # fmt: skip
    page.reload()
    dataset_ready(page)
    page.get_by_role("button", name=f"Alle {entry['streamCount']} meetreeksen tonen").click()
    for row in [*range(0, 50, 5), 49]:  # rows are asked for as they come into view: scrolled through, like a reader
        page.locator("#streams tbody tr").nth(row).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('#streams td.quality')].slice(0, 50)"
                           ".every(c => c.dataset.quality === 'true' || c.dataset.quality === 'none')", timeout=60_000)  # fmt: skip
    states = page.eval_on_selector_all("#streams td.quality", "cells => cells.map(c => c.dataset.quality)")
    assert states[:50].count("true") == 49 and states[1] == "none" and set(states[50:]) == {"none"}  # beyond 50: on the sensor page
    assert page.locator(f'#streams tr[data-stream="{other}"] td.quality').inner_text() == ""
    cell = page.locator(f'#streams tr[data-stream="{first}"] td.quality')
    text = cell.inner_text()
    assert f"{round(report['completeness'] * 100)} % compleet" in text
    assert f"Onmogelijke waarde: {report['counts']['out_of_range']}" in text
    shown = cell.locator(".finding").evaluate_all("spans => Object.fromEntries(spans.map(s => [s.dataset.kind, Number(s.dataset.count)]))")
    assert shown == {kind: n for kind, n in report["counts"].items() if n}  # the same figures as the report
    # The figure leads to the stream's sensor page, at its quality section.
    cell.get_by_role("link").click()
    page.wait_for_url(re.compile(rf".*/sensors/\d+\?datastream={first}#quality$"))
    page.wait_for_selector("body[data-quality-ready=true]", state="attached", timeout=30_000)
    assert "Onmogelijke waarde" in page.locator("#quality-summary").inner_text()
    assert page.errors == []


def test_a_restricted_dataset_shows_whom_to_ask_and_no_streams_to_an_anonymous_visitor(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    page = new_page(browser)
    page.goto(f"{base}/catalog/laadsessies")
    dataset_ready(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Laadsessies (energie per sessie)"
    assert page.locator("#badges .badge[data-level=restricted]").inner_text().endswith("Beperkt")
    assert page.locator("#access-denied").is_visible()
    ask = page.locator("#ask")
    assert ask.get_by_role("heading", name="Toegang vragen").is_visible()
    assert ask.get_by_role("link", name="data@laadnet.example").get_attribute("href").startswith("mailto:data@laadnet.example")
    assert ask.get_by_role("link", name=re.compile("Log in om toegang te vragen")).get_attribute("href") == "/login?next=/catalog/laadsessies"
    assert page.locator("#streams").is_hidden() and page.locator("#streams-none").inner_text() == "De meetreeksen ziet alleen wie de data mag lezen."
    assert page.locator("#download-form").is_hidden() and page.locator("#dataset-map").is_hidden()
    hidden = api(base, "/api/v1/catalog/laadsessies", auth=("laadnet", passwords["laadnet"]))["streams"]  # what its owner sees
    assert hidden and not any(s["name"] in page.locator("main").inner_text() for s in hidden)  # none named to the visitor
    processing = page.locator("#processing").inner_text()
    assert "Afrekenen van laadsessies" in processing and "overeenkomst (art. 6 lid 1b)" in processing
    assert page.errors == []
    # Signed in, a party asks under the owner's Offer for a purpose the Offer allows.
    resident = new_page(browser)
    sign_in(resident, base, "jansen", passwords["jansen"], "/catalog/laadsessies")
    dataset_ready(resident)
    form = resident.locator("#ask-form")
    form.wait_for(state="visible")
    assert resident.get_by_label("Waarvoor wilt u de data gebruiken?").input_value() == "route planning"  # the Offer's one purpose
    resident.get_by_label("Bericht aan de eigenaar (optioneel)").fill("Voor een laadkaart van de wijk")
    resident.get_by_role("button", name="Toegang vragen").click()
    resident.wait_for_function("() => document.querySelector('#ask-status').textContent.includes('verstuurd')")
    asked = api(base, "/api/v1/access-requests", auth=("jansen", passwords["jansen"]))["_embedded"]["accessRequests"]
    assert [(r["status"], r["purpose"], r["message"]) for r in asked] == [("pending", "route planning", "Voor een laadkaart van de wijk")]
    assert resident.errors == []


def test_the_english_version(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/catalog?lang=en")
    catalog_ready(page)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Data catalog"
    assert page.locator("#status").inner_text() == "6 datasets"
    assert page.get_by_role("link", name="Car park occupancy").count() == 1  # the English title
    assert page.locator('fieldset[data-facet="theme"] legend').inner_text() == "Theme"
    page.locator('fieldset[data-facet="theme"]').get_by_label("Transport").check()
    page.wait_for_function("() => document.body.dataset.catalogReady === 'true' && document.body.dataset.catalogCount === '4'")
    assert page.get_by_role("link", name="NL", exact=True).get_attribute("href") == "?theme=TRAN&lang=nl"  # the switch keeps the search
    assert page.get_by_role("link", name="Air quality (citizen network)").count() == 0  # not about transport
    page.goto(f"{base}/catalog/luchtkwaliteit")  # the language is remembered
    dataset_ready(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Air quality (citizen network)"
    about = page.locator("#about").inner_text()
    assert "CC0 1.0 (public domain)" in about and "every ten minutes" in about and "Environment, Health" in about
    dutch = page.locator("#about dd span[lang=nl]").first
    assert dutch.inner_text() == "Luchtkwaliteit (burgermeetnet)"  # the Dutch title, marked as Dutch
    assert "anyone may read and download this data" in page.locator("#access-explained").inner_text()
    assert "Data quality (7 days)" in page.locator("#streams thead").inner_text()
    page.goto(f"{base}/catalog/laadsessies")
    dataset_ready(page)
    assert "You may not read this dataset's data" in page.locator("#access-explained").inner_text()
    assert page.locator("#streams-none").inner_text() == "Only who may read the data sees its streams."
    assert "contract (art. 6(1)(b))" in page.locator("#processing").inner_text()
    assert page.errors == []


def test_the_processing_register_page_names_no_resident(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    page = new_page(browser)
    page.goto(f"{base}/processing-register?lang=nl")
    page.wait_for_selector("body[data-processing-ready=true]", state="attached", timeout=30_000)
    rows = page.locator("#register tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-dataset") == "laadsessies"
    text = rows.first.inner_text()
    for part in ("Afrekenen van laadsessies", "overeenkomst (art. 6 lid 1b)", "laadpas-id (gepseudonimiseerd)", "Gemeente Veenhaven (recht)",
                 "sessies 2 jaar", "LaadNet Veenhaven BV"):  # fmt: skip
        assert part in text, part
    assert "Jansen" not in page.locator("main").inner_text() and "El Amrani" not in page.locator("main").inner_text()
    table = list(csv.DictReader(io.StringIO(httpx.get(f"{base}{page.locator('#register-csv').get_attribute('href')}").text)))
    assert [r["dataset"] for r in table] == ["laadsessies"]
    # The municipality's administrator sees the residents' datasets too, but never a resident's name.
    admin = new_page(browser)
    sign_in(admin, base, "beheerder", passwords["beheerder"], "/processing-register")
    admin.wait_for_selector("body[data-processing-ready=true]", state="attached", timeout=30_000)
    names = admin.eval_on_selector_all("#register tbody tr", "rows => rows.map(r => r.dataset.dataset)")
    assert set(names) == {"laadsessies", "bewoner-jansen", "bewoner-el-amrani"}
    for name in ("bewoner-jansen", "bewoner-el-amrani"):
        cells = admin.locator(f'#register tbody tr[data-dataset="{name}"] td').all_inner_texts()
        assert cells[0] == "een bewoner"  # the controller: the resident, unnamed
        assert not any("Bewoner Jansen" in c or "Bewoner El Amrani" in c for c in cells)
    assert page.errors == [] and admin.errors == []


def test_who_manages_a_dataset_edits_its_metadata_in_the_page(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    owner = new_page(browser)
    sign_in(owner, base, "laadnet", passwords["laadnet"], "/catalog/laadpalen")  # the charging company owns it
    dataset_ready(owner)
    owner.get_by_text("U beheert deze dataset: metadata bewerken").click()
    form = owner.locator("#edit-form")
    assert owner.get_by_label("Titel (Engels)").input_value() == "Public charge point status"
    owner.get_by_label("Contactpunt: e-mail").fill("data@laadnet")  # passes the browser's check, not the catalog's
    form.get_by_role("button", name="Opslaan").click()
    owner.wait_for_function("() => document.querySelector('#edit-status').textContent.startsWith('metadata.contactPoint.email')")
    owner.get_by_label("Contactpunt: e-mail").fill("data@laadnet.example")
    owner.get_by_label("Titel (Engels)").fill("Charge point availability")
    owner.get_by_label("Trefwoorden").fill("laadpalen, elektrisch rijden, OCPI, beschikbaarheid")
    form.locator("#edit-themes-eu").get_by_label("Energie").uncheck()
    form.get_by_role("button", name="Opslaan").click()
    owner.wait_for_function("() => document.querySelector('#edit-status').textContent === 'Opgeslagen.'")
    entry = api(base, "/api/v1/catalog/laadpalen")  # as anyone sees it now
    assert entry["titleEn"] == "Charge point availability" and [t["code"] for t in entry["themes"]] == ["TRAN"]
    assert entry["keywords"] == ["laadpalen", "elektrisch rijden", "OCPI", "beschikbaarheid"]
    assert entry["license"]["nl"] == "CC BY 4.0 (naamsvermelding)" and entry["accrualPeriodicity"]["en"] == "continuous"  # kept
    assert "beschikbaarheid" in owner.locator("#about").inner_text()  # the page shows the change
    visitor = new_page(browser)
    visitor.goto(f"{base}/catalog/laadpalen")
    dataset_ready(visitor)
    assert visitor.locator("#edit-section").is_hidden()
    assert owner.errors == [] and visitor.errors == []
