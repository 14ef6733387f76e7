#!/usr/bin/env python
"""Web UI benchmark (not a pytest test): time to first render in headless Chromium.

    python bench/ui.py [--sensors 10000] [--minutes 525600] [--runs 5]

Builds a SQLite city (store transactions, no HTTP) with
  - S sensors: Things with a Location and two Datastreams (PM10, temperature), each with a
    latest Observation;
  - one Datastream with a year of one-minute readings (N = 525 600);
starts a real `stadsdata serve` on it (access control on, everything public) and drives
Debian's Chromium with Playwright:

  map       `/` until the page has drawn every sensor (the frame after drawing), from the
            start of navigation: the JSON of S Things with their latest values, the clustering
            and the first paint; the target of the UI issue is < 2 s for 10 000 sensors.
  map-100   the same page on a city of 100 sensors (a second database): the baseline of the
            same run, so the ratio says what the 10 000 cost.
  chart     `/sensors/{id}?days=365` for the one-year, one-minute Datastream until its chart is
            drawn (`data-chart-ready`): 8 760 hourly means from the rollups, not 525 600 rows;
            the target is < 1 s.
  chart-day the same page with one day (1 440 raw readings): the baseline for the chart.

Each figure is the median of --runs page loads (a new browser page each, cache disabled) after
one warm-up. Writes JSON to bench/results/ui-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import open_store, server  # noqa: E402

from stadsdata.model.entities import DATASTREAM, FEATURE_OF_INTEREST, LOCATION, OBSERVED_PROPERTY, SENSOR, THING  # noqa: E402
from stadsdata.store.base import ObservationRow  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CHROMIUM = "/usr/bin/chromium"
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
END = datetime(2026, 6, 1, tzinfo=UTC)


def build_city(path: Path, sensors: int, minutes: int) -> int:
    """The city; returns the Thing id of the one-year stream (0 when minutes is 0)."""
    store = open_store(path)
    with store.write() as tx:
        sensor = tx.insert(SENSOR, {"name": "s", "description": "s", "encodingType": "text/html", "metadata": "https://example.org"})
        pm10 = tx.insert(OBSERVED_PROPERTY, {"name": "PM10", "definition": "https://example.org/pm10", "description": "pm10"})
        temp = tx.insert(OBSERVED_PROPERTY, {"name": "Temperature", "definition": "https://example.org/t", "description": "t"})
        rows = []
        for i in range(sensors):
            lon, lat = 4.0 + (i % 100) * 0.03, 51.5 + (i // 100) * 0.015
            point = {"type": "Point", "coordinates": [lon, lat]}
            thing = tx.insert(THING, {"name": f"Sensor {i}", "description": "bench", "properties": {"theme": "air"}})
            location = tx.insert(LOCATION, {"name": "l", "description": "l", "encodingType": "application/geo+json", "location": point})
            tx.link(THING, thing, "Locations", [location])
            feature = tx.insert(FEATURE_OF_INTEREST, {"name": "f", "description": "f", "encodingType": "application/geo+json", "feature": point})
            for prop, unit, value in ((pm10, "µg/m³", 10 + i % 40), (temp, "°C", 5 + i % 15)):
                stream = tx.insert(DATASTREAM, {"name": f"{i}-{prop}", "description": "d", "unitOfMeasurement": {"name": unit, "symbol": unit},
                                                "observationType": MEASUREMENT, "Thing": thing, "Sensor": sensor, "ObservedProperty": prop})  # fmt: skip
                rows.append(ObservationRow(END, END, float(value), feature, datastream_id=stream))
        tx.insert_observations(rows)
    year_thing = 0
    if minutes:
        with store.write() as tx:
            year_thing = tx.insert(THING, {"name": "Year of minutes", "description": "bench"})
            point = {"type": "Point", "coordinates": [5.0, 52.0]}
            location = tx.insert(LOCATION, {"name": "l", "description": "l", "encodingType": "application/geo+json", "location": point})
            tx.link(THING, year_thing, "Locations", [location])
            feature = tx.insert(FEATURE_OF_INTEREST, {"name": "f", "description": "f", "encodingType": "application/geo+json", "feature": point})
            stream = tx.insert(DATASTREAM, {"name": "minutes", "description": "d", "unitOfMeasurement": {"name": "°C", "symbol": "°C"},
                                            "observationType": MEASUREMENT, "Thing": year_thing, "Sensor": sensor, "ObservedProperty": temp})  # fmt: skip
        start = END - timedelta(minutes=minutes)
        batch: list[ObservationRow] = []
        for m in range(minutes):
            t = start + timedelta(minutes=m + 1)
            batch.append(ObservationRow(t, t, 10 + 8 * ((m % 1440) / 1440), feature, datastream_id=stream))
            if len(batch) == 50_000:
                with store.write() as tx:
                    tx.insert_observations(batch)
                batch = []
        if batch:
            with store.write() as tx:
                tx.insert_observations(batch)
    store.close()
    return year_thing


def load(browser: Any, url: str, ready: str) -> float:
    """Seconds from the start of navigation until the page has drawn: the page notes
    `performance.now()` (time since the navigation started) in the frame after drawing, as
    `data-ready-ms`; Playwright's own polling is not counted."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_(headers={**route.request.headers, "Cache-Control": "no-cache"}))
    page.goto(url, wait_until="commit")
    page.wait_for_selector(f"body[{ready}]", state="attached", timeout=120_000)
    elapsed = int(page.eval_on_selector("body", "b => b.dataset.readyMs")) / 1000
    context.close()
    return elapsed


def median_load(browser: Any, url: str, ready: str, runs: int) -> dict[str, Any]:
    load(browser, url, ready)  # warm-up (the server's caches, Chromium's code cache)
    times = [load(browser, url, ready) for _ in range(runs)]
    return {"median_s": statistics.median(times), "runs_s": times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sensors", type=int, default=10_000)
    parser.add_argument("--minutes", type=int, default=525_600)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results: dict[str, Any] = {"machine": platform.platform(), "python": platform.python_version(), "sensors": args.sensors,
                               "minutes": args.minutes, "runs": args.runs, "when": datetime.now(UTC).isoformat()}  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        started = time.monotonic()
        year_thing = build_city(directory / "big.db", args.sensors, args.minutes)
        build_city(directory / "small.db", 100, 0)
        print(f"built the cities in {time.monotonic() - started:.0f} s", file=sys.stderr)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            with server(directory / "small.db", access="enforced", extra_env={"STADSDATA_BASEMAP": "none"}) as (base, _):
                results["map-100"] = median_load(browser, f"{base}/", "data-map-ready", args.runs)
            with server(directory / "big.db", access="enforced", extra_env={"STADSDATA_BASEMAP": "none"}) as (base, _):
                results["map"] = median_load(browser, f"{base}/", "data-map-ready", args.runs)
                sensor = f"{base}/sensors/{year_thing}"
                results["chart"] = median_load(browser, f"{sensor}?days=365", "data-chart-ready=true", args.runs)
                results["chart-day"] = median_load(browser, f"{sensor}?days=1", "data-chart-ready=true", args.runs)
            browser.close()
    m, c = results["map"]["median_s"], results["chart"]["median_s"]
    results["map_ratio"] = m / results["map-100"]["median_s"]
    results["chart_ratio"] = c / results["chart-day"]["median_s"]
    print(f"map of {args.sensors} sensors: {m:.2f} s (target < 2 s) = {results['map_ratio']:.2f} × the map of 100 "
          f"({results['map-100']['median_s']:.2f} s)")  # fmt: skip
    print(f"one-year chart of {args.minutes} one-minute readings: {c:.2f} s (target < 1 s) = {results['chart_ratio']:.2f} × "
          f"a one-day chart ({results['chart-day']['median_s']:.2f} s)")  # fmt: skip
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"ui-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
