"""The alerts page in headless Chromium against a real `stadsdata serve --demo`: a visitor who is not
signed in is asked to sign in and sees nothing of the alerts; the administrator creates a threshold
rule through the form (with a webhook to a port nobody listens on), an observation pushed through
the SensorThings API fires it, the alert shows in the page (its rule, stream, value, the webhook
failing with its error), is acknowledged and resolved there — in the page and in the API — a late
reading is marked late, a stale button shows the API's 409, the rule is switched off and on and
deleted; the form shows only the chosen kind's fields. The screenshot docs/screenshots/alerts.png is
taken here."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import demo_city, new_page, require_browser, sign_in
from tests.conftest import free_port

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
READY = "body[data-alerts-ready=true]"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_browser()
    directory = tmp_path_factory.mktemp("alerts")
    # The simulator reports once an hour: only the test's own readings reach the rule.
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEMO_DAYS": "1", "STADSDATA_BASEMAP": "none",
           "STADSDATA_MQTT_EMBEDDED": "false", "STADSDATA_SOURCES_RUN": "false", "STADSDATA_DEMO_INTERVAL_S": "3600",
           "STADSDATA_NOTIFY_PRIVATE_NETWORKS": "true"}  # fmt: skip
    with demo_city(directory, env) as server:
        yield server


def numeric_stream(base: str, auth: tuple[str, str]) -> tuple[int, int]:
    """A demo Datastream with a numeric latest value: (its id, its Thing's id)."""
    for feature in httpx.get(f"{base}/api/v1/latest-values", auth=auth, timeout=60).json()["features"]:
        for stream in feature["properties"]["datastreams"]:
            if isinstance(stream.get("result"), int | float) and not isinstance(stream["result"], bool):
                things = httpx.get(f"{base}/v1.1/Datastreams({stream['id']})/Thing", auth=auth, timeout=30).json()
                return stream["id"], things["@iot.id"]
    raise AssertionError("no numeric stream in the demo city")


def push(base: str, auth: tuple[str, str], stream: int, when: datetime, value: float) -> None:
    body = {
        "Datastream": {"@iot.id": stream},
        "phenomenonTime": when.isoformat().replace("+00:00", "Z"),
        "result": value,
    }
    assert httpx.post(f"{base}/v1.1/Observations", json=body, auth=auth, timeout=30).status_code == 201


def alerts(base: str, auth: tuple[str, str], rule: int, count: int) -> list[dict[str, Any]]:
    """The rule's alerts once there are `count` of them (the evaluator works after the commit)."""
    found: list[dict[str, Any]] = []
    for _ in range(300):
        found = httpx.get(f"{base}/api/v1/alerts", params={"rule": rule}, auth=auth, timeout=30).json()["_embedded"][
            "alerts"
        ]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{len(found)} alerts, not {count}")


def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    page.goto(f"{base}/analyses")
    page.get_by_role("link", name="Meldingen").click()
    page.wait_for_url(re.compile(r".*/alerts$"))
    assert (
        page.get_by_role("link", name=re.compile("Log in om uw meldingen")).get_attribute("href")
        == "/login?next=/alerts"
    )
    assert page.locator("#alert-list, #rule-list, #rule-form").count() == 0
    page.goto(f"{base}/alerts?lang=en")
    assert page.get_by_role("heading", level=1).inner_text() == "Alerts"
    assert page.get_by_role("link", name="Sign in to see your alerts and alert rules.").count() == 1
    assert httpx.get(f"{base}/api/v1/alerts", timeout=30).status_code == 401
    assert page.errors == []


def test_the_form_shows_only_the_chosen_kinds_fields(demo_server: dict[str, Any], browser: Any) -> None:
    base = demo_server["base"]
    page = new_page(browser)
    sign_in(page, base, "beheerder", demo_server["passwords"]["beheerder"], "/alerts")
    page.wait_for_selector(READY, state="attached", timeout=60_000)

    def shown() -> list[str]:
        return page.eval_on_selector_all(
            "#rule-form fieldset.params",
            "sets => sets.filter((s) => !s.hidden && !s.disabled).map((s) => s.dataset.kind)",
        )

    assert shown() == ["threshold"] and page.get_by_label("Drempelwaarde").is_visible()
    for kind, field in (("rate_of_change", "Grootste toegestane verandering"), ("stuck", "Tolerantie"), ("stale", "Langste tijd zonder meting"),
                        ("air_quality", "Stof"), ("data_quality", "Minimum")):  # fmt: skip
        page.select_option("#rule-kind", kind)
        assert shown() == [kind]
        assert page.get_by_label(re.compile(field)).is_visible()
        assert not page.get_by_label("Drempelwaarde").is_visible()
    # The target's choices: what the visitor may read, per kind of target.
    page.wait_for_selector("#rule-target-options option[value='1']", state="attached")
    page.select_option("#rule-target-kind", "datasetId")
    page.wait_for_selector("#rule-target-options option[label='Luchtkwaliteit (burgermeetnet)']", state="attached")
    page.select_option("#rule-target-kind", "datastreamId")
    page.wait_for_selector("#rule-target-options option[label='PM10 — Luchtsensor Markt']", state="attached")
    page.select_option("#p-quality-check", "outlier")  # an outlier check has no range
    assert not page.get_by_label("Minimum").is_visible() and not page.get_by_label("Maximum").is_visible()
    page.select_option("#p-quality-check", "out_of_range")
    page.get_by_label("Naam").fill("Bereik")
    page.fill("#rule-target-id", "1")
    page.get_by_role("button", name="Regel maken").click()  # neither end of the range: the browser refuses
    assert (
        page.eval_on_selector("#p-quality-min", "input => input.validationMessage")
        == "Vul een minimum, een maximum of beide in."
    )
    assert page.locator("#rule-list tbody tr[data-rule]", has_text="Bereik").count() == 0
    assert page.errors == []


def test_an_alert_is_raised_acknowledged_and_resolved_in_the_page(demo_server: dict[str, Any], browser: Any) -> None:
    base, passwords = demo_server["base"], demo_server["passwords"]
    auth = ("beheerder", passwords["beheerder"])
    stream, thing = numeric_stream(base, auth)
    page = new_page(browser)
    page.on("dialog", lambda dialog: dialog.accept())  # the delete's confirmation
    sign_in(page, base, "beheerder", passwords["beheerder"], "/analyses")
    page.get_by_role("link", name="Meldingen").click()
    page.wait_for_url(re.compile(r".*/alerts$"))
    page.wait_for_selector(READY, state="attached", timeout=60_000)
    # (the demo city's own rules may have alerts already: e.g. a citizen sensor in one of its outages)

    # A threshold rule through the form, with a webhook that fails (nobody listens on that port).
    page.get_by_label("Naam").fill("Laag drempeltje")
    page.select_option("#rule-target-kind", "datastreamId")
    page.fill("#rule-target-id", str(stream))
    page.select_option("#p-threshold-operator", "above")
    page.get_by_label("Drempelwaarde").fill("-1000")
    page.get_by_label("Webhook-URL").fill(f"http://127.0.0.1:{free_port()}/hook")
    page.get_by_label(re.compile("Webhook-geheim")).fill("een geheim van genoeg tekens")
    page.get_by_role("button", name="Regel maken").click()
    page.wait_for_selector("#rule-list tbody tr[data-rule]:has-text('Laag drempeltje')", timeout=30_000)
    assert page.locator("#status").inner_text() == "Regel ‘Laag drempeltje’ is gemaakt."
    rules = httpx.get(f"{base}/api/v1/alert-rules", auth=auth, timeout=30).json()["_embedded"]["alertRules"]
    (rule,) = [r for r in rules if r["name"] == "Laag drempeltje"]  # beside the demo city's own rules
    assert (rule["name"], rule["kind"], rule["datastreamId"], rule["active"]) == (
        "Laag drempeltje",
        "threshold",
        stream,
        True,
    )
    assert rule["params"] == {"operator": "above", "value": -1000, "hysteresis": 0, "minDurationSeconds": 0,
                              "webhook": {"url": rule["params"]["webhook"]["url"], "secret": "********"}}  # fmt: skip
    row = page.locator(f"#rule-list tr[data-rule='{rule['id']}']")
    assert (
        row.locator("td").nth(1).inner_text() == "Drempel" and row.locator("td").nth(3).inner_text() == "boven -1.000"
    )
    assert row.get_attribute("data-active") == "true" and row.locator(f"a[href='/sensors/{thing}']").count() == 1

    # A reading above the threshold: the alert opens, and the page shows it at its next refresh.
    now = datetime.now(UTC).replace(microsecond=0)
    push(base, auth, stream, now, 42.5)
    (first,) = alerts(base, auth, rule["id"], 1)
    assert (first["state"], first["value"], first["late"]) == ("open", 42.5, False)
    alert_row = page.locator(f"#alert-list tr[data-alert='{first['id']}']")
    alert_row.wait_for(timeout=30_000)  # the page refreshes every 15 s
    cells = alert_row.locator("td")
    assert cells.nth(1).inner_text() == "Laag drempeltje"
    assert cells.nth(2).locator("a").get_attribute("href") == f"/sensors/{thing}"
    assert cells.nth(3).inner_text().startswith("42,5")
    assert cells.nth(4).inner_text() == "open"
    # The webhook's failure, with its error, once it has been tried.
    for _ in range(100):
        found = httpx.get(f"{base}/api/v1/alerts", params={"rule": rule["id"]}, auth=auth, timeout=30).json()[
            "_embedded"
        ]["alerts"][0]
        if (found.get("delivery") or {}).get("webhook"):
            break
        time.sleep(0.1)
    page.get_by_role("button", name="Vernieuwen").click()
    page.wait_for_selector(
        f"{READY} #alert-list tr[data-alert='{first['id']}'] li[data-channel=webhook][data-delivery^=fail]",
        timeout=30_000,
    )
    webhook = alert_row.locator("li[data-channel=webhook]").inner_text()
    assert webhook.startswith("webhook: mislukt (poging ") and found["delivery"]["webhook"]["error"] in webhook
    page.screenshot(path=str(SCREENSHOTS / "alerts.png"), full_page=True)

    # Acknowledge and resolve in the page (the filter on all states, so the row stays in view).
    page.select_option("#alert-state", "")
    page.wait_for_selector("body[data-alerts-state=all]", state="attached")
    alert_row.get_by_role("button", name="Bevestigen").click()
    page.wait_for_selector(f"#alert-list tr[data-alert='{first['id']}'][data-state=acknowledged]")
    assert alert_row.locator("td").nth(4).inner_text().startswith("bevestigd door beheerder")
    got = httpx.get(f"{base}/api/v1/alerts", params={"state": "acknowledged"}, auth=auth, timeout=30).json()[
        "_embedded"
    ]["alerts"]
    assert [(a["id"], a["acknowledgedBy"]) for a in got] == [(first["id"], "user:beheerder")]
    assert alert_row.get_by_role("button", name="Bevestigen").count() == 0
    alert_row.get_by_role("button", name="Afhandelen").click()
    page.wait_for_selector(f"#alert-list tr[data-alert='{first['id']}'][data-state=resolved]")
    assert alert_row.locator("td").nth(4).inner_text().startswith("afgehandeld door beheerder")
    assert alert_row.locator("button").count() == 0
    got = httpx.get(f"{base}/api/v1/alerts", params={"state": "resolved"}, auth=auth, timeout=30).json()["_embedded"][
        "alerts"
    ]
    assert [(a["id"], a["resolvedBy"]) for a in got] == [(first["id"], "user:beheerder")]

    # A late reading (older than what the rule has seen) opens an alert marked late.
    push(base, auth, stream, now - timedelta(hours=2), 43.0)
    late = alerts(base, auth, rule["id"], 2)[0]
    assert late["late"] is True and late["state"] == "open"
    # A button gone stale: the alert acknowledged elsewhere after the page loaded; the page says why (409).
    page.reload()
    page.wait_for_selector(READY, state="attached", timeout=60_000)
    stale = page.locator(f"#alert-list tr[data-alert='{late['id']}']")
    assert stale.get_attribute("data-late") == "true" and stale.locator(".badge.late").inner_text() == "te laat"
    assert page.locator(f"#alert-list tbody tr[data-alert][data-rule-of='{rule['id']}']").count() == 1  # open ones only: the first is resolved
    assert httpx.post(f"{base}/api/v1/alerts/{late['id']}/acknowledge", auth=auth, timeout=30).status_code == 200
    stale.get_by_role("button", name="Bevestigen").click()
    page.wait_for_selector("#status.error")
    assert (
        page.locator("#status").inner_text()
        == f"alert {late['id']} is acknowledged; it can be acknowledged only when open"
    )
    assert stale.get_by_role("button", name="Bevestigen").is_enabled()

    # The rule switched off and on, then deleted.
    row.get_by_role("button", name="Uitzetten").click()
    page.wait_for_selector(f"#rule-list tr[data-rule='{rule['id']}'][data-active=false]")
    assert httpx.get(f"{base}/api/v1/alert-rules/{rule['id']}", auth=auth, timeout=30).json()["active"] is False
    row.get_by_role("button", name="Aanzetten").click()
    page.wait_for_selector(f"#rule-list tr[data-rule='{rule['id']}'][data-active=true]")
    assert httpx.get(f"{base}/api/v1/alert-rules/{rule['id']}", auth=auth, timeout=30).json()["active"] is True
    row.get_by_role("button", name="Verwijderen").click()
    page.wait_for_selector(f"#rule-list tr[data-rule='{rule['id']}']", state="detached")
    assert httpx.get(f"{base}/api/v1/alert-rules/{rule['id']}", auth=auth, timeout=30).status_code == 404

    # In English.
    page.goto(f"{base}/alerts?lang=en")
    page.wait_for_selector(READY, state="attached", timeout=60_000)
    assert page.get_by_role("heading", level=2).all_inner_texts()[:3] == ["Alerts", "Alert rules", "New alert rule"]
    assert page.locator("#rule-list tbody tr[data-rule]", has_text="Laag drempeltje").count() == 0
    assert page.locator("#rule-list tbody tr[data-rule]", has_text="PM10").count() == 1  # the demo city's rule, in the list
    assert page.errors == []
