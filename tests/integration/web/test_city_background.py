"""The demo city's background map on the web, on both backends: a server that runs the demo city
serves it as GeoJSON (`/demo/background.geojson`) and names it in every page's configuration;
a server with other data has none — not even when that data has a dataset of the demo's name."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stadsdata.app import create_app
from stadsdata.demo import basemap
from stadsdata.demo.seed import seed
from stadsdata.settings import Settings
from stadsdata.store.base import Store
from stadsdata.web import city_background
from tests.integration.sta.conftest import assert_problem

HTML = {"Accept": "text/html"}


def page_config(client: TestClient, path: str) -> dict[str, Any]:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    found = re.search(r'<script id="config" type="application/json">(.*?)</script>', response.text, re.S)
    assert found, "the page has no configuration"
    return json.loads(found.group(1))


def settings_for(tmp_path: Path) -> Settings:
    return Settings(database=str(tmp_path / "stadsdata.db"), mqtt_embedded=False, basemap="osm")


@pytest.fixture
def demo_client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    """A server on a database the demo city was seeded into (one day of history), without `--demo`."""
    app = create_app(settings_for(tmp_path), store=store)
    seed(store, app.state.core, days=1)
    with TestClient(app) as client:
        yield client


def test_a_server_with_the_demo_city_serves_its_background_and_its_pages_name_it(demo_client: TestClient) -> None:
    response = demo_client.get(city_background.PATH)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    assert response.content == basemap.background_geojson()
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert {f["properties"]["kind"] for f in collection["features"]} >= {"district", "street", "water", "park"}

    for path, lang in (("/", "nl"), ("/dashboards/luchtkwaliteit", "nl"), ("/?lang=en", "en")):
        config = page_config(demo_client, path)
        assert config["cityBackground"] == {"url": city_background.PATH, "attribution": basemap.ATTRIBUTION[lang]}
        assert config["basemap"]["url"].startswith("https://tile.openstreetmap.org/")  # the tiles stay the first choice


def test_a_server_without_the_demo_city_has_no_background(client: TestClient) -> None:
    assert_problem(client.get(city_background.PATH), 404)
    assert page_config(client, "/")["cityBackground"] is None


def test_another_citys_dataset_of_the_same_name_does_not_make_it_the_demo_city(store: Store, tmp_path: Path) -> None:
    with store.write() as tx:
        owner = tx.access.add_party("Gemeente Elders", "organisation", None, datetime.now(UTC))
        tx.access.add_dataset("luchtkwaliteit", "Luchtkwaliteit", "public", owner, "", datetime.now(UTC))
    with TestClient(create_app(settings_for(tmp_path), store=store)) as client:
        assert_problem(client.get(city_background.PATH), 404)
        assert page_config(client, "/")["cityBackground"] is None
