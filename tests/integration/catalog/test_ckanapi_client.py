"""The real `ckanapi` (PyPI) against a live `stadsdata serve` on both backends: the Python client
(`RemoteCKAN`, on POST and with `get_only`) and the `ckanapi` command (`action …`, `search
datasets`, `dump datasets`) — list, search with facets and fq, show, datastore_search, the errors
it turns back into its exceptions, and a dump of every dataset the caller is shown.

The city is that of tests/integration/catalog/test_ckan_api.py (`town`), built in-process on the
test's database; then a server is started on the same database with access control enforced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, SearchQueryError, ValidationError

from stadsdata.store.base import Store
from stadsdata.store.sqlite.backend import SqliteStore
from tests.conftest import running_server
from tests.integration.access.test_dataset_access import city  # noqa: F401 - a fixture
from tests.integration.catalog.test_ckan_api import town  # noqa: F401 - a fixture

BIN = Path(sys.executable).parent
CKANAPI = str(BIN / "ckanapi")


@pytest.fixture
def served(town: Any, store: Store, request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:  # noqa: F811
    """(the live server's base URL, API keys by caller, dataset ids by name)."""
    _, headers, datasets, _ = town
    database = store.path if isinstance(store, SqliteStore) else request.getfixturevalue("postgres_url")
    keys = {name: h["Authorization"] for name, h in headers.items() if h.get("Authorization", "").startswith("sdk_")}
    env = {"STADSDATA_ACCESS_MODE": "enforced", "STADSDATA_DEFAULT_ACCESS_LEVEL": "public"}
    with running_server(database, env=env) as base:
        yield base, keys, datasets


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """`ckanapi …`, with this environment's `ckanapi` on PATH (`dump` starts it again for its workers)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([CKANAPI, *args], capture_output=True, text=True, env=env, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def test_remote_ckan_lists_searches_shows_and_reads_the_datastore(served: Any) -> None:
    base, keys, datasets = served
    resource = f"{datasets['parkeren']}-csv"
    with RemoteCKAN(base) as anonymous:
        assert anonymous.action.package_list() == ["lucht", "parkeren"]
        assert anonymous.action.status_show()["ckan_version"].startswith("2.")
        with pytest.raises(NotAuthorized):
            anonymous.action.datastore_search(resource_id=resource)
        with pytest.raises(NotFound):
            anonymous.action.package_show(id="woning")
        with pytest.raises(SearchQueryError):
            anonymous.action.package_search(q="(lucht")
        with pytest.raises(ValidationError):
            anonymous.action.package_search(rows="many")
    with RemoteCKAN(base, apikey="sdk_nonsense") as wrong, pytest.raises(NotAuthorized):
        wrong.action.package_list()
    for get_only in (False, True):
        with RemoteCKAN(base, apikey=keys["afvalbedrijf"], get_only=get_only) as waste:
            found = waste.call_action("package_search", {"q": "vacant OR fijnstof", "fq": "res_format:CSV -tags:fijnstof",
                                                         "facet.field": ["tags", "organization"], "rows": 5})  # fmt: skip
            assert [p["name"] for p in found["results"]] == ["parkeren"] and found["count"] == 1
            assert found["facets"] == {"tags": {"garage": 1, "parkeren": 1}, "organization": {"garagebedrijf": 1}}
            assert {i["name"] for i in found["search_facets"]["tags"]["items"]} == {"garage", "parkeren"}
            package = waste.action.package_show(id="parkeren")
            assert package["organization"]["name"] == "garagebedrijf" and package["num_resources"] == 5
            filters = {"result": {"gte": 3}}
            records = waste.action.datastore_search(resource_id=resource, limit=2, sort="phenomenonTime desc",
                                                    filters=json.dumps(filters) if get_only else filters)  # fmt: skip
            assert [r["result"] for r in records["records"]] == [6.0, 5.0] and records["total"] == 4
            assert waste.action.resource_show(id=resource)["datastore_active"] is True


def test_ckanapi_command_actions_and_search(served: Any) -> None:
    base, keys, datasets = served
    assert json.loads(cli("action", "package_list", "-r", base).stdout) == ["lucht", "parkeren"]
    key = keys["afvalbedrijf"]
    for get in ([], ["-g"]):
        search = json.loads(cli("action", "package_search", "q=vacant OR lucht", "fq=organization:garagebedrijf",
                                'facet.field:["tags","res_format"]', "-r", base, "-a", key, *get).stdout)  # fmt: skip
        assert search["count"] == 1 and search["results"][0]["name"] == "parkeren"
        assert search["facets"]["res_format"] == {"CSV": 1, "GeoJSON": 1, "Parquet": 1, "SensorThings API": 1}
        shown = json.loads(cli("action", "package_show", "id=parkeren", "-r", base, "-a", key, *get).stdout)
        assert shown["name"] == "parkeren" and any(r["id"].startswith("datastream-") for r in shown["resources"])
        records = json.loads(cli("action", "datastore_search", f"resource_id={datasets['parkeren']}-csv", "limit:2",
                                 "-r", base, "-a", key, *get).stdout)  # fmt: skip
        assert len(records["records"]) == 2 and records["total"] == 6
    refused = cli("action", "datastore_search", f"resource_id={datasets['parkeren']}-csv", "-r", base, check=False)
    assert refused.returncode != 0 and "NotAuthorized" in refused.stderr + refused.stdout
    lines = cli("search", "datasets", "q=*:*", "-r", base).stdout.splitlines()  # pages through package_search
    assert sorted(json.loads(line)["name"] for line in lines) == ["lucht", "parkeren"]


@pytest.mark.parametrize("caller", ["anonymous", "admin"])
def test_ckanapi_dump_datasets(caller: str, served: Any, tmp_path: Path) -> None:
    base, keys, datasets = served
    key = ["-a", keys[caller]] if caller in keys else []
    output = tmp_path / "datasets.jsonl"
    cli("dump", "datasets", "--all", "--datastore-fields", "-q", "-O", str(output), "-r", base, *key)
    dumped = [json.loads(line) for line in output.read_text().splitlines()]
    expected = ["lucht", "parkeren", "woning"] if caller == "admin" else ["lucht", "parkeren"]
    assert [d["name"] for d in dumped] == expected  # package_list, then package_show for each name
    for package in dumped:
        assert package["id"] == str(datasets[package["name"]]) and package["resources"]
        csv = next(r for r in package["resources"] if r["id"] == f"{package['id']}-csv")
        readable = caller == "admin" or package["name"] == "lucht"
        # datastore_search(limit=0) for each DataStore resource: its fields for who may read it
        assert ("datastore_fields" in csv) is readable
        if readable:
            assert [f["id"] for f in csv["datastore_fields"]][:5] == ["_id", "datastream", "phenomenonTime", "resultTime", "result"]
