"""The CKAN Action API face (`stadsdata/api/ckan/`, docs/ckan.md) in-process, on both backends:
each action and CKAN's envelope, q / fq / facets, the errors (CKAN's types and statuses, never a
500), `datastore_search` on the observations and who may read them, CKAN's credentials — and
that nothing of hidden data shows through any of it.

The city is that of the access tests (tests/integration/access/test_dataset_access.py): public
air data (`lucht`), a garage company's restricted parking data (`parkeren`, stream `vacant`,
granted to a waste company), the municipality's non-public energy data (`intern`, stream
`energy`; unlisted here), a resident's non-public home sensors (`woning`: `temperature` and the
MultiDatastream `klimaat`). Here the datasets get themes and keywords, and `vacant` more readings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stadsdata.store.base import Store
from tests.integration.access.test_dataset_access import audit, city  # noqa: F401 - a fixture

A = "/api/3/action/"
METADATA = {
    "lucht": {"metadata": {"themes": ["ENVI", "HEAL"], "keywords": ["fijnstof", "luchtkwaliteit"], "license": "CC-BY-4.0",
                           "titleEn": "Air quality", "contactPoint": {"name": "Team Lucht", "email": "lucht@veenhaven.nl"}}},
    "parkeren": {"metadata": {"themes": ["TRAN"], "keywords": ["parkeren", "garage"]}},
    "intern": {"metadata": {"themes": ["ENER"], "keywords": ["energieverbruik"]}, "unlisted": True},
    "woning": {"metadata": {"keywords": ["thuismeting"]}},
}  # fmt: skip
VACANT = [(f"2026-05-01T{h}:00:00Z", float(h - 9)) for h in range(11, 16)]  # 2.0 … 6.0 after the city's 1.0 at 10:00
# What anonymous callers and the other resident must never see, in any answer (case matters:
# the theme ENER is 'Energy', which is vocabulary, not data).
HIDDEN = ("vacant", "energy", "temperature", "klimaat", "energieverbruik", "thuismeting", "bewoner", "Intern")
FACETS = ["organization", "groups", "tags", "res_format", "license_id", "access_level", "capacity"]


def ckan_style(headers: dict[str, str]) -> dict[str, str]:
    """A caller's headers as a CKAN client sends them: the API key bare in Authorization."""
    auth = headers.get("Authorization", "")
    return {"Authorization": auth.removeprefix("Bearer ")} if auth.startswith("Bearer ") else dict(headers)


@pytest.fixture
def town(city: Any) -> tuple[TestClient, dict[str, dict[str, str]], dict[str, int], dict[str, int]]:  # noqa: F811
    """(client, CKAN-style headers by caller, dataset ids by name, Datastream ids by name)."""
    client, headers = city
    admin = headers["admin"]
    body = client.get("/api/v1/catalog?limit=100", headers=admin).json()
    datasets = {e["name"]: e["id"] for e in body["_embedded"]["datasets"]}
    for name, change in METADATA.items():
        response = client.patch(f"/api/v1/datasets/{datasets[name]}", json=change, headers=admin)
        assert response.status_code == 200, response.text
    streams = {d["name"]: d["@iot.id"] for d in client.get("/v1.1/Datastreams", headers=admin).json()["value"]}
    for time, result in VACANT:
        response = client.post(f"/v1.1/Datastreams({streams['vacant']})/Observations",
                               json={"phenomenonTime": time, "result": result}, headers=headers["garagebedrijf"])  # fmt: skip
        assert response.status_code == 201, response.text
    return client, {name: ckan_style(h) for name, h in headers.items()}, datasets, streams


def call(client: TestClient, action: str, headers: dict[str, str] | None = None, *, post: bool = False, **params: Any) -> Any:
    """The result of a successful action (GET: parameters in the query, JSON-encoded where not text)."""
    if post:
        response = client.post(A + action, json=params, headers=headers or {})
    else:
        query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        response = client.get(A + action, params=query, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["success"] is True and body["help"] == f"http://testserver/api/3/action/help_show?name={action}"
    return body["result"]


def refused(response: Any, status: int, kind: str) -> dict[str, Any]:
    """A CKAN error answer: the status, the envelope, the error's __type."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["help"].startswith("http://testserver/api/3/action/help_show?name="), body
    assert body["error"]["__type"] == kind, body
    return body["error"]


def names(result: dict[str, Any]) -> list[str]:
    return [p["name"] for p in result["results"]]


# -- the actions ---------------------------------------------------------------------------------
def test_every_action_answers_in_the_envelope_on_get_and_post(town: Any) -> None:
    client, h, datasets, _ = town
    for post in (False, True):
        assert call(client, "package_list", post=post) == ["lucht", "parkeren"]
        assert call(client, "package_show", id="lucht", post=post)["name"] == "lucht"
        assert call(client, "package_search", q="fijnstof", post=post)["count"] == 1
        assert call(client, "resource_show", id=f"{datasets['lucht']}-csv", post=post)["format"] == "CSV"
        assert call(client, "organization_list", post=post) == ["garagebedrijf", "gemeente"]
        assert call(client, "organization_show", id="gemeente", post=post)["package_count"] == 1
        assert "envi" in call(client, "group_list", post=post)
        assert call(client, "group_show", id="envi", post=post)["title"] == "Milieu"
        assert call(client, "tag_list", post=post) == ["fijnstof", "garage", "luchtkwaliteit", "parkeren"]
        assert {lic["id"] for lic in call(client, "license_list", post=post)} >= {"CC0-1.0", "CC-BY-4.0"}
        assert call(client, "status_show", post=post)["ckan_version"].startswith("2.")
        assert call(client, "site_read", post=post) is True
        assert "package_search" in call(client, "help_show", name="help_show", post=post)
        assert call(client, "datastore_search", resource_id=f"{datasets['lucht']}-csv", post=post)["total"] == 1
    assert client.get("/api/action/package_list").json()["result"] == ["lucht", "parkeren"]  # the unversioned path
    assert client.get("/api/3").json() == {"version": 3}
    assert client.get("/", headers={"accept": "application/json"}).json()["links"]["ckan"] == "/api/3/action"


def test_a_package_has_ckans_members(town: Any) -> None:
    client, h, datasets, streams = town
    pkg = call(client, "package_show", h["afvalbedrijf"], id="parkeren")
    assert pkg["id"] == str(datasets["parkeren"]) and pkg["name"] == "parkeren" and pkg["title"] == "Parkeren"
    assert (pkg["type"], pkg["state"], pkg["private"]) == ("dataset", "active", False)
    assert pkg["license_id"] == "other-closed" and pkg["isopen"] is False and pkg["license_url"].startswith("http")
    assert {k: pkg["organization"][k] for k in ("name", "title", "is_organization")} == {
        "name": "garagebedrijf", "title": "garagebedrijf", "is_organization": True}  # fmt: skip
    assert pkg["owner_org"] == pkg["organization"]["id"]
    assert [(g["name"], g["display_name"]) for g in pkg["groups"]] == [("tran", "Vervoer")]
    assert [(t["name"], t["display_name"]) for t in pkg["tags"]] == [("parkeren", "parkeren"), ("garage", "garage")]
    assert pkg["num_tags"] == 2 and pkg["num_resources"] == len(pkg["resources"]) == 5
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["access_rights"] == pkg["access_rights"] == "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"
    assert extras["access_level"] == pkg["access_level"] == "restricted"
    assert json.loads(extras["spatial"])["type"] == "Polygon" and extras["temporal_start"].startswith("2026-05-01T10:00")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", pkg["metadata_modified"])  # CKAN's: UTC, no zone
    resources = {r["id"]: r for r in pkg["resources"]}
    csv = resources[f"{datasets['parkeren']}-csv"]
    assert {k: csv[k] for k in ("format", "mimetype", "datastore_active", "package_id")} == {
        "format": "CSV", "mimetype": "text/csv", "datastore_active": True, "package_id": pkg["id"]}  # fmt: skip
    assert csv["url"] == f"http://testserver/api/v1/datasets/{datasets['parkeren']}/download?format=csv"
    stream = resources[f"datastream-{streams['vacant']}"]
    assert stream["name"] == "vacant" and stream["datastore_active"] and stream["url"].endswith(f"/Datastreams({streams['vacant']})/Observations")
    assert call(client, "resource_show", h["afvalbedrijf"], id=stream["id"]) == stream
    # who may not read the data is shown the metadata: no stream resource, no coverage
    anonymous = call(client, "package_show", id=str(datasets["parkeren"]))
    assert anonymous["num_resources"] == 4 and "spatial" not in {e["key"] for e in anonymous["extras"]}


def test_listing_private_and_paging(town: Any) -> None:
    client, h, _, _ = town
    assert call(client, "package_list", h["gemeente"]) == ["lucht", "parkeren"]  # 'intern' is unlisted: private
    assert call(client, "package_list", h["gemeente"], include_private=True) == ["intern", "lucht", "parkeren"]
    assert call(client, "package_list", h["admin"], limit=2, offset=1) == ["parkeren", "woning"]
    assert call(client, "package_show", h["gemeente"], id="intern")["private"] is True
    assert names(call(client, "package_search", h["gemeente"], sort="name asc")) == ["lucht", "parkeren"]
    assert names(call(client, "package_search", h["gemeente"], sort="name asc", include_private=True)) == ["intern", "lucht", "parkeren"]
    assert call(client, "package_list", h["bewoner"]) == ["lucht", "parkeren", "woning"]  # the resident's own
    assert call(client, "organization_list", h["bewoner"]) == ["bewoner", "garagebedrijf", "gemeente"]
    page = call(client, "package_search", h["admin"], sort="name desc", rows=2, start=1)
    assert page["count"] == 3 and names(page) == ["parkeren", "lucht"]
    assert call(client, "organization_list", all_fields=True, sort="package_count desc")[0]["package_count"] == 1
    assert call(client, "organization_list", h["admin"], sort="name desc") == ["gemeente", "garagebedrijf", "bewoner"]
    assert call(client, "organization_list", h["admin"], sort="package_count desc", limit=1) == ["gemeente"]  # lucht, intern
    listed = call(client, "group_list", h["admin"], groups="envi,tran", all_fields=True)
    shown = [call(client, "group_show", h["admin"], id=name) for name in ("envi", "tran")]
    assert [(g["name"], g["package_count"]) for g in listed] == [(g["name"], g["package_count"]) for g in shown] == [("envi", 1), ("tran", 1)]
    assert [p["name"] for p in call(client, "group_show", id="ENVI", include_datasets=True)["packages"]] == ["lucht"]


def test_search_q_fq_and_facets(town: Any) -> None:
    client, h, _, _ = town
    waste = h["afvalbedrijf"]
    cases = {
        "fijnstof": ["lucht"], "fijn": ["lucht"], '"air quality"': ["lucht"], "title:lucht": ["lucht"],
        "tags:garage": ["parkeren"], "tags:GARAGE": ["parkeren"], "tags:gar*": ["parkeren"],
        "organization:gemeente OR organization:garagebedrijf": ["lucht", "parkeren"],
        "-organization:gemeente": ["parkeren"], "NOT tags:garage AND *:*": ["lucht"], "groups:envi": ["lucht"],
        "res_format:CSV": ["lucht", "parkeren"], "access_level:restricted": ["parkeren"], "capacity:public": ["lucht", "parkeren"],
        "vacant": ["parkeren"], "res_name:vacant": ["parkeren"], "num_resources:[5 TO *]": ["lucht", "parkeren"],
        "metadata_modified:[2000-01-01T00:00:00Z TO NOW]": ["lucht", "parkeren"], "license_id:CC-BY-4.0": ["lucht"],
        "extras_access_level:public": ["lucht"], "(lucht OR garage) AND tags:fijnstof^2": ["lucht"], "*:*": ["lucht", "parkeren"],
        "": ["lucht", "parkeren"], "nergens": [], "+dataset_type:dataset +state:active": ["lucht", "parkeren"],
    }  # fmt: skip
    for q, expected in cases.items():
        assert sorted(names(call(client, "package_search", waste, q=q))) == expected, q
        assert sorted(names(call(client, "package_search", waste, fq=q))) == expected, q
    both = call(client, "package_search", waste, q="lucht OR parkeren", fq="+res_format:CSV", fq_list=["-tags:garage"])
    assert names(both) == ["lucht"]
    result = call(client, "package_search", waste, **{"facet.field": FACETS, "facet.limit": 3, "rows": 0})
    assert result["count"] == 2 and result["results"] == []
    assert result["facets"]["organization"] == {"garagebedrijf": 1, "gemeente": 1}
    assert result["facets"]["access_level"] == {"public": 1, "restricted": 1}
    assert len(result["facets"]["tags"]) == 3  # facet.limit, the most frequent first
    assert result["search_facets"]["groups"] == {"title": "groups", "items": [
        {"name": "tran", "display_name": "Vervoer", "count": 1}, {"name": "envi", "display_name": "Milieu", "count": 1},
        {"name": "heal", "display_name": "Gezondheid", "count": 1}]}  # fmt: skip  # by display name, last first (CKAN)
    assert result["sort"] == "score desc, metadata_modified desc"
    assert call(client, "package_search", **{"facet.field": "tags", "fq": "tags:fijnstof"})["facets"] == {
        "tags": {"fijnstof": 1, "luchtkwaliteit": 1}}  # fmt: skip  # one name, as a GET with one value sends it
    assert call(client, "package_search", **{"facet.field": ["tags"], "facet": "false"})["facets"] == {}
    assert call(client, "package_search", q="lucht", fl="name,title")["results"] == [{"name": "lucht", "title": "Lucht"}]


# -- bad input ---------------------------------------------------------------------------------
BAD = [  # (action, parameters, status, __type)
    ("package_search", {"q": "(lucht"}, 400, "Search Query Error"),
    ("package_search", {"q": 'title:"open'}, 400, "Search Query Error"),
    ("package_search", {"fq": "colour:red"}, 400, "Search Query Error"),
    ("package_search", {"fq": "tags:x AND"}, 400, "Search Query Error"),
    ("package_search", {"q": "x~2"}, 400, "Search Query Error"),
    ("package_search", {"q": "{!lucene}x"}, 400, "Search Query Error"),
    ("package_search", {"fq": "metadata_modified:[yesterday TO *]"}, 400, "Search Query Error"),
    ("package_search", {"sort": "colour asc"}, 400, "Search Query Error"),
    ("package_search", {"sort": "name upwards"}, 400, "Search Query Error"),
    ("package_search", {"facet.field": '["colour"]'}, 400, "Search Query Error"),
    ("package_search", {"colour": "red"}, 400, "Search Query Error"),
    ("package_search", {"facet.field": "[tags"}, 409, "Validation Error"),
    ("package_search", {"rows": "many"}, 409, "Validation Error"),
    ("package_search", {"start": "-1"}, 409, "Validation Error"),
    ("package_search", {"include_private": "perhaps"}, 409, "Validation Error"),
    ("package_list", {"limit": "1.5"}, 409, "Validation Error"),
    ("package_show", {}, 409, "Validation Error"),
    ("package_show", {"id": "nergens"}, 404, "Not Found Error"),
    ("package_show", {"id": "99999999999999999999999"}, 404, "Not Found Error"),
    ("resource_show", {"id": "nergens"}, 404, "Not Found Error"),
    ("organization_show", {"id": "nergens"}, 404, "Not Found Error"),
    ("organization_list", {"sort": "colour"}, 409, "Validation Error"),
    ("group_show", {}, 409, "Validation Error"),
    ("tag_list", {"vocabulary_id": "colours"}, 404, "Not Found Error"),
    ("help_show", {"name": "package_create"}, 404, "Not Found Error"),
    ("datastore_search", {}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "nergens"}, 404, "Not Found Error"),
    ("datastore_search", {"resource_id": "1-geojson"}, 404, "Not Found Error"),
    ("datastore_search", {"resource_id": "1-csv", "colour": "red"}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "filters": "{bad json"}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "filters": '{"colour": 1}'}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "filters": '{"result": {"like": 1}}'}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "filters": '{"phenomenonTime": "gisteren"}'}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "filters": '{"$not": []}'}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "filters": '{"_id": "one"}'}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "sort": "colour desc"}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "fields": "_id,colour"}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "limit": "-5"}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "records_format": "xml"}, 409, "Validation Error"),
    ("datastore_search", {"resource_id": "1-csv", "distinct": "true"}, 409, "Validation Error"),
    ("package_list", {"callback": "alert(1)//"}, 409, "Validation Error"),
]


def test_bad_input_gets_ckans_error_shape(town: Any) -> None:
    client, h, datasets, _ = town
    for action, params, status, kind in BAD:
        params = {k: v.replace("1-", f"{datasets['lucht']}-") if k == "resource_id" else v for k, v in params.items()}
        for response in (client.get(A + action, params=params, headers=h["admin"]),
                         client.post(A + action, json=params, headers=h["admin"])):  # fmt: skip
            assert response.status_code == status, (action, params, response.text)
            refused(response, status, kind)


def test_bad_requests_and_methods(town: Any) -> None:
    client, h, _, _ = town
    error = refused(client.get(A + "package_create"), 400, "Bad Request")
    assert error["message"] == "Bad request - Action name not known: package_create"
    refused(client.post(A + "package_list", content=b"{not json", headers={"content-type": "application/json"}), 400, "Bad Request")
    refused(client.post(A + "package_list", content=b"[1, 2]", headers={"content-type": "application/json"}), 400, "Bad Request")
    refused(client.put(A + "package_list", json={}), 405, "Method Not Allowed")
    error = refused(client.get(A + "package_search", params={"rows": "x"}), 409, "Validation Error")
    assert error["rows"] == ["Invalid integer"]
    assert refused(client.get(A + "package_show"), 409, "Validation Error")["name_or_id"] == ["Missing value"]
    # a POST's form fields, and the query string of a POST without a body, as CKAN reads them
    form = client.post(A + "package_show", content=b"id=lucht", headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 200 and form.json()["result"]["name"] == "lucht"
    assert client.post(A + "package_show?id=lucht").json()["result"]["name"] == "lucht"


_PIECES = [*'ab:*?"()[]{}^~\\!+-&| ', "AND ", "OR ", "NOT ", "TO ", "tags:", "title:", "[a TO b]", "num_tags:", "2"]
_SOLR = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(_SOLR, st.text(max_size=30)))
def test_any_q_or_fq_is_a_result_or_a_400(text: str, town: Any) -> None:
    client, h, _, _ = town
    for name in ("q", "fq"):
        response = client.get(A + "package_search", params={name: text})
        assert response.status_code in (200, 400), (name, text, response.text)
        body = response.json()
        assert body["success"] is (response.status_code == 200)
        if response.status_code == 400:
            assert body["error"]["__type"] == "Search Query Error"


# -- the DataStore -------------------------------------------------------------------------------
def test_datastore_search_pages_filters_and_sorts_observations(town: Any) -> None:
    client, h, datasets, streams = town
    waste, resource = h["afvalbedrijf"], f"{datasets['parkeren']}-csv"
    everything = call(client, "datastore_search", waste, resource_id=resource)
    assert everything["total"] == 6 and [r["result"] for r in everything["records"]] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert [f["id"] for f in everything["fields"]] == ["_id", "datastream", "phenomenonTime", "resultTime", "result",
                                                        "resultQuality", "validTime", "parameters"]  # fmt: skip
    assert {r["datastream"] for r in everything["records"]} == {streams["vacant"]}
    assert everything["records"][0]["phenomenonTime"] == "2026-05-01T10:00:00Z"
    page = call(client, "datastore_search", waste, resource_id=resource, limit=2, offset=2, sort="phenomenonTime desc")
    assert [r["result"] for r in page["records"]] == [4.0, 3.0] and page["total"] == 6 and page["limit"] == 2
    assert page["_links"]["next"].startswith("/api/3/action/datastore_search?") and "offset=4" in page["_links"]["next"]
    assert "offset" not in page["_links"]["start"]
    for filters, expected in (({"result": {"gte": 3, "lt": 6}}, [3.0, 4.0, 5.0]), ({"result": [2, 5]}, [2.0, 5.0]),
                              ({"phenomenonTime": {"gte": "2026-05-01T14:00:00Z"}}, [5.0, 6.0]),
                              ({"$or": [{"result": 1}, {"result": {"gt": 5}}]}, [1.0, 6.0]),
                              ({"datastream": streams["vacant"], "result": 4}, [4.0]), ({"result": []}, [])):  # fmt: skip
        found = call(client, "datastore_search", waste, resource_id=resource, filters=filters)
        assert [r["result"] for r in found["records"]] == expected and found["total"] == len(expected), filters
        assert call(client, "datastore_search", waste, post=True, resource_id=resource, filters=filters)["records"] == found["records"]
    lists = call(client, "datastore_search", waste, resource_id=resource, fields="_id,result", records_format="lists", limit=2)
    assert [f["id"] for f in lists["fields"]] == ["_id", "result"] and [row[1] for row in lists["records"]] == [1.0, 2.0]
    csv = call(client, "datastore_search", waste, resource_id=resource, fields=["result"], records_format="csv", limit=2)
    assert csv["records"] == "1.0\n2.0\n"
    assert call(client, "datastore_search", waste, resource_id=resource, limit=0, include_total=False)["records"] == []
    one = call(client, "datastore_search", waste, resource_id=f"datastream-{streams['vacant']}", sort="_id desc", limit=1,
               include_next_page=True)  # fmt: skip
    assert one["fields"][4] == {"id": "result", "type": "numeric"} and one["records"][0]["result"] == 6.0
    assert one["next_page"] == {"_id": {"lt": one["records"][0]["_id"]}}
    # q: the observations whose (text) result holds every word
    admin_key = {"X-API-Key": h["admin"]["Authorization"]}
    response = client.post(f"/v1.1/Datastreams({streams['pm10']})/Observations",
                           json={"phenomenonTime": "2026-05-01T11:00:00Z", "result": "Sensor defect"}, headers=admin_key)  # fmt: skip
    assert response.status_code == 201, response.text
    lucht = f"{datasets['lucht']}-csv"
    for q, expected in (("defect", ["Sensor defect"]), ({"result": "Sensor"}, ["Sensor defect"]), ("defect kapot", []), ("", [1.0, "Sensor defect"])):
        found = call(client, "datastore_search", resource_id=lucht, q=q)
        assert [r["result"] for r in found["records"]] == expected and found["total"] == len(expected), q


def test_datastore_search_refuses_who_may_not_read_and_audits_who_may(town: Any, store: Store) -> None:
    client, h, datasets, streams = town
    parkeren = f"{datasets['parkeren']}-csv"
    for who in ("anonymous", "buurman", "gemeente"):  # the dataset is listed to them: its resource exists
        error = refused(client.get(A + "datastore_search", params={"resource_id": parkeren}, headers=h[who]), 403, "Authorization Error")
        assert "parkeren" in error["message"]
        for stream in ("vacant", "temperature"):  # a Datastream's resource is listed only to who may read it
            refused(client.get(A + "datastore_search", params={"resource_id": f"datastream-{streams[stream]}"}, headers=h[who]), 404, "Not Found Error")
    for resource in (f"{datasets['woning']}-csv", f"{datasets['intern']}-csv"):  # listed to neither
        refused(client.get(A + "datastore_search", params={"resource_id": resource}, headers=h["buurman"]), 404, "Not Found Error")
    assert call(client, "datastore_search", h["garagebedrijf"], resource_id=parkeren)["total"] == 6  # the owner
    assert call(client, "datastore_search", h["bewoner"], resource_id=f"{datasets['woning']}-csv")["total"] == 1  # the resident
    before = len(audit(store))
    call(client, "datastore_search", h["afvalbedrijf"], resource_id=parkeren, limit=4)
    prefix = h["afvalbedrijf"]["Authorization"].split("_")[1]
    assert audit(store)[before:] == [(f"key:{prefix}", "parkeren", "grant", 4, True)]


def test_ckan_credentials_are_the_platforms_keys(town: Any) -> None:
    client, h, datasets, _ = town
    resource = f"{datasets['parkeren']}-csv"
    key = h["afvalbedrijf"]["Authorization"]
    for headers in ({"Authorization": key}, {"X-CKAN-API-Key": key}, {"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        assert call(client, "datastore_search", headers, resource_id=resource, limit=1)["total"] == 6, headers
    for headers in ({"Authorization": "sdk_nonsense"}, {"X-CKAN-API-Key": "sdk_nonsense"}, {"Authorization": key[:-2] + "xx"},
                    {"Authorization": "eyJhbGciOiJIUzI1NiJ9.e30.x"}):  # fmt: skip
        response = client.get(A + "package_list", headers=headers)
        refused(response, 401, "Authorization Error")
        assert response.headers["www-authenticate"]
    # with a JSONP callback the request is answered as for an anonymous caller (as CKAN does)
    jsonp = client.get(A + "package_list", params={"callback": "show", "include_private": "true"}, headers=h["gemeente"])
    assert jsonp.status_code == 200 and jsonp.headers["content-type"].startswith("application/javascript")
    assert jsonp.text.startswith("show(") and json.loads(jsonp.text[5:-2])["result"] == ["lucht", "parkeren"]


# -- nothing of hidden data --------------------------------------------------------------------
def every_answer(client: TestClient, headers: dict[str, str], datasets: dict[str, int], streams: dict[str, int]) -> list[str]:
    """The text of every answer the caller can get, following every name and id it is given."""
    texts: list[str] = []

    def get(action: str, **params: Any) -> Any:
        query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        response = client.get(A + action, params=query, headers=headers)
        texts.append(response.text)
        return response.json().get("result")

    get("package_list", include_private=True)
    search = get("package_search", include_private=True, rows=1000, **{"facet.field": FACETS})
    for pkg in search["results"]:
        get("package_show", id=pkg["name"])
        for resource in pkg["resources"]:
            get("resource_show", id=resource["id"])
            if resource["datastore_active"]:
                get("datastore_search", resource_id=resource["id"])
    for org in get("organization_list", all_fields=True):
        get("organization_show", id=org["name"], include_datasets=True)
    for group in get("group_list", all_fields=True):
        get("group_show", id=group["name"], include_datasets=True)
    get("tag_list", all_fields=True)
    for word in HIDDEN:
        for query in ({"q": word}, {"fq": f"res_name:{word}"}, {"fq": f"tags:{word}"}, {"q": f"res_description:{word}"}):
            found = get("package_search", include_private=True, **query, **{"facet.field": FACETS})
            assert found["count"] == 0 and all(not counts for counts in found["facets"].values()), (word, query)
    for name in ("intern", "woning", str(datasets["intern"]), str(datasets["woning"])):
        assert get("package_show", id=name) is None
    for stream in ("vacant", "energy", "temperature"):
        assert get("resource_show", id=f"datastream-{streams[stream]}") is None
        assert get("datastore_search", resource_id=f"datastream-{streams[stream]}") is None
    return texts


@pytest.mark.parametrize("caller", ["anonymous", "buurman"])
def test_nothing_of_hidden_data_leaks_through_any_answer(caller: str, town: Any) -> None:
    client, h, datasets, streams = town
    texts = every_answer(client, h[caller], datasets, streams)
    assert len(texts) > 40
    for text in texts:
        for word in HIDDEN:
            assert not re.search(rf"\b{word}\b", text), (word, text[:300])
    counts = call(client, "package_search", h[caller], include_private=True, **{"facet.field": FACETS})["facets"]
    assert counts["organization"] == {"garagebedrijf": 1, "gemeente": 1}
    assert counts["access_level"] == {"public": 1, "restricted": 1} and counts["capacity"] == {"public": 2}
    assert counts["res_format"] == {"CSV": 2, "GeoJSON": 2, "Parquet": 2, "SensorThings API": 2}


def test_who_may_read_finds_what_others_do_not(town: Any) -> None:
    client, h, _, _ = town
    assert names(call(client, "package_search", h["afvalbedrijf"], q="vacant")) == ["parkeren"]
    assert names(call(client, "package_search", h["gemeente"], q="energy", include_private=True)) == ["intern"]
    assert names(call(client, "package_search", h["bewoner"], q="temperature")) == ["woning"]
    assert call(client, "tag_list", h["bewoner"]) == ["fijnstof", "garage", "luchtkwaliteit", "parkeren", "thuismeting"]
