"""Batch requests against the real app (OGC 18-088 §11.2: OData 4.0 multipart/mixed batches with
change sets, and the OData 4.01 JSON batch format with atomicityGroup / dependsOn / id).

The multipart responses are read with the standard library's MIME parser, independently of the
service's own multipart code."""

from __future__ import annotations

import email
import email.policy
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.sta.conftest import MEASUREMENT, UGM3

pytestmark = pytest.mark.conformance("batch-request")

BATCH = "/v1.1/$batch"
PROBLEM = "application/problem+json"


# --- building multipart batch requests ---------------------------------------------------------


def http_part(
    method: str,
    url: str,
    body: Any = None,
    *,
    content_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """One `application/http` body part (MIME headers, blank line, embedded request); blanks in
    the URL are percent-encoded."""
    head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        head.append(f"Content-ID: {content_id}")
    lines = [f"{method} {url.replace(' ', '%20')} HTTP/1.1", "Host: testserver"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    if text is not None:
        if not any(k.lower() == "content-type" for k in (headers or {})):
            lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(text.encode())}")
    request = "\r\n".join(lines) + "\r\n\r\n" + (text or "")
    return "\r\n".join(head) + "\r\n\r\n" + request


def multipart(parts: list[str], boundary: str) -> str:
    out = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return out + f"--{boundary}--\r\n"


def changeset(parts: list[str]) -> str:
    boundary = f"changeset_{uuid.uuid4()}"
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n" + multipart(parts, boundary)


def post_multipart(client: TestClient, parts: list[str], **headers: str) -> Any:
    boundary = f"batch_{uuid.uuid4()}"
    return client.post(
        BATCH,
        content=multipart(parts, boundary).encode(),
        headers={"Content-Type": f"multipart/mixed; boundary={boundary}", **headers},
    )


# --- reading multipart batch responses ---------------------------------------------------------


@dataclass
class Embedded:
    """One embedded HTTP response of a multipart batch response."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    content_id: str | None

    def json(self) -> Any:
        return json.loads(self.body)


def read_multipart(response: Any) -> list[Embedded | list[Embedded]]:
    """The parts of a multipart batch response: an `Embedded` per request part, a list of them
    per change set."""
    assert response.status_code == 200, response.text
    ctype = response.headers["content-type"]
    assert ctype.startswith("multipart/mixed"), ctype
    raw = b"Content-Type: " + ctype.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + response.content
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    assert message.is_multipart(), response.text
    assert not message.defects, message.defects
    return [_item(part) for part in message.get_payload()]


def _item(part: Any) -> Embedded | list[Embedded]:
    if part.get_content_type() == "multipart/mixed":
        return [_embedded(p) for p in part.get_payload()]
    return _embedded(part)


def _embedded(part: Any) -> Embedded:
    assert part.get_content_type() == "application/http", part.get_content_type()
    assert part.get("Content-Transfer-Encoding", "binary").lower() == "binary"
    payload = part.get_payload().encode("utf-8", "surrogateescape")
    head, _, body = payload.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode().split("\n")
    version, status, *_ = lines[0].split(" ")
    assert version == "HTTP/1.1", lines[0]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        assert len(body) >= int(headers["content-length"])
        body = body[: int(headers["content-length"])]
    return Embedded(int(status), headers, body, part.get("Content-ID"))


# --- helpers -------------------------------------------------------------------------------------


def count(client: TestClient, collection: str) -> int:
    response = client.get(f"/v1.1/{collection}?$count=true&$top=0")
    assert response.status_code == 200, response.text
    return int(response.json()["@iot.count"])


def counts(client: TestClient) -> dict[str, int]:
    return {
        name: count(client, name)
        for name in ("Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors", "ObservedProperties", "Observations")
    }


def names(client: TestClient, collection: str) -> list[str]:
    return [e["name"] for e in client.get(f"/v1.1/{collection}?$orderby=id").json()["value"]]


def id_of(url: str) -> int:
    return int(url.rsplit("(", 1)[1].split(")", 1)[0])


def datastream_body(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "description": f"{name} stream",
        "unitOfMeasurement": UGM3,
        "observationType": MEASUREMENT,
        "Sensor": {"name": f"{name} sensor", "description": "s", "encodingType": "application/pdf", "metadata": "m.pdf"},
        "ObservedProperty": {"name": f"{name} property", "definition": "https://example.org/p", "description": "p"},
        **extra,
    }


THING = {"name": "Batch thing", "description": "made in a batch"}
LOCATION = {
    "name": "Batch location",
    "description": "where the batch thing stands",
    "encodingType": "application/geo+json",
    "location": {"type": "Point", "coordinates": [5.11, 52.08]},
}


def post_json_batch(client: TestClient, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.post(BATCH, json={"requests": requests})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["responses"]


# === multipart/mixed ==============================================================================


def test_multipart_gets_return_embedded_responses(client: TestClient, seed: dict[str, Any]) -> None:
    thing, garage = seed["things"]
    response = post_multipart(
        client,
        [
            http_part("GET", f"/v1.1/Things({thing})", content_id="a"),
            http_part("GET", "Datastreams?$filter=name eq 'vacant spaces'&$select=name"),
            http_part("GET", f"Things({garage})/Datastreams/$ref"),
            http_part("GET", "Things(9999)"),
        ],
    )
    first, second, third, missing = read_multipart(response)
    assert isinstance(first, Embedded) and first.status == 200
    assert first.content_id == "a"
    assert first.headers["content-type"].startswith("application/json")
    body = first.json()
    assert body["@iot.id"] == thing
    assert body["name"] == "Air sensor Markt"
    assert body["@iot.selfLink"] == f"http://testserver/v1.1/Things({thing})"
    assert isinstance(second, Embedded) and second.status == 200
    assert second.json()["value"] == [{"name": "vacant spaces"}]
    assert isinstance(third, Embedded) and third.status == 200
    assert [r["@iot.selfLink"] for r in third.json()["value"]] == [
        f"http://testserver/v1.1/Datastreams({seed['datastreams'][2]})"
    ]
    assert isinstance(missing, Embedded) and missing.status == 404
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json()["status"] == 404


def test_multipart_response_matches_direct_get(client: TestClient, seed: dict[str, Any]) -> None:
    url = "/v1.1/Datastreams?$orderby=name desc&$top=2&$expand=Observations($orderby=phenomenonTime)"
    (part,) = read_multipart(post_multipart(client, [http_part("GET", url)]))
    assert isinstance(part, Embedded)
    assert part.json() == client.get(url).json()


def test_changeset_creates_related_entities_by_content_id(client: TestClient, seed: dict[str, Any]) -> None:
    before = counts(client)
    response = post_multipart(
        client,
        [
            changeset(
                [
                    http_part("POST", "/v1.1/Things", THING, content_id="1"),
                    http_part("POST", "$1/Datastreams", datastream_body("by url"), content_id="2"),
                    http_part("POST", "/v1.1/Locations", {**LOCATION, "Things": [{"@iot.id": "$1"}]}, content_id="3"),
                    http_part("POST", "/v1.1/Datastreams", datastream_body("by body", Thing={"@iot.id": "$1"}), content_id="4"),
                    http_part("POST", "$2/Observations", {"phenomenonTime": "2024-05-01T12:00:00Z", "result": 42}, content_id="5"),
                ]
            ),
            http_part("GET", "Things?$filter=name eq 'Batch thing'&$expand=Datastreams($orderby=id)"),
        ],
    )
    group, after = read_multipart(response)
    assert isinstance(group, list)
    assert [p.status for p in group] == [201] * 5
    assert [p.content_id for p in group] == ["1", "2", "3", "4", "5"]
    thing_url = group[0].headers["location"]
    assert thing_url == group[0].json()["@iot.selfLink"]
    thing_id = id_of(thing_url)
    ds_by_url, location_id, ds_by_body, obs_id = (id_of(p.headers["location"]) for p in group[1:])

    # the GET after the change set sees its effects
    assert isinstance(after, Embedded) and after.status == 200
    (found,) = after.json()["value"]
    assert found["@iot.id"] == thing_id
    assert [d["@iot.id"] for d in found["Datastreams"]] == [ds_by_url, ds_by_body]

    # and so do direct requests
    assert client.get(f"/v1.1/Datastreams({ds_by_url})/Thing").json()["@iot.id"] == thing_id
    assert client.get(f"/v1.1/Datastreams({ds_by_body})/Thing").json()["@iot.id"] == thing_id
    assert [loc["@iot.id"] for loc in client.get(f"/v1.1/Things({thing_id})/Locations").json()["value"]] == [location_id]
    assert count(client, f"Things({thing_id})/HistoricalLocations") == 1
    observation = client.get(f"/v1.1/Observations({obs_id})?$expand=Datastream($select=id)").json()
    assert observation["result"] == 42
    assert observation["Datastream"]["@iot.id"] == ds_by_url
    after_counts = counts(client)
    assert after_counts["Things"] == before["Things"] + 1
    assert after_counts["Datastreams"] == before["Datastreams"] + 2
    assert after_counts["Observations"] == before["Observations"] + 1


def test_changeset_with_failing_request_stores_nothing(client: TestClient, seed: dict[str, Any]) -> None:
    before = counts(client)
    response = post_multipart(
        client,
        [
            http_part("GET", "Things?$count=true&$top=0", content_id="before"),
            changeset(
                [
                    http_part("POST", "Things", THING, content_id="1"),
                    http_part("POST", "$1/Datastreams", datastream_body("kept?"), content_id="2"),
                    http_part("POST", "$1/Locations", LOCATION, content_id="3"),
                    # no unitOfMeasurement: 400
                    http_part("POST", "$1/Datastreams", {**datastream_body("bad"), "unitOfMeasurement": None}, content_id="4"),
                    http_part("POST", "Things", {**THING, "name": "never"}, content_id="5"),
                ]
            ),
            http_part("GET", "Things?$count=true&$top=0", content_id="after"),
        ],
    )
    first, failed, last = read_multipart(response)
    # OData 4.0 §11.7.4: a failed change set is answered by a single response
    assert isinstance(failed, Embedded), failed
    assert failed.status == 400
    assert failed.headers["content-type"] == PROBLEM
    problem = failed.json()
    assert problem["status"] == 400
    assert "unitOfMeasurement" in problem.get("field", "") + problem["detail"]
    assert isinstance(first, Embedded) and isinstance(last, Embedded)
    assert first.json()["@iot.count"] == last.json()["@iot.count"] == before["Things"]
    assert counts(client) == before
    assert "Batch thing" not in names(client, "Things")
    assert "kept?" not in names(client, "Datastreams")
    assert "kept? sensor" not in names(client, "Sensors")


def test_changeset_failing_on_missing_entity_rolls_back_earlier_writes(client: TestClient, seed: dict[str, Any]) -> None:
    thing = seed["things"][0]
    before = counts(client)
    original = client.get(f"/v1.1/Things({thing})").json()
    response = post_multipart(
        client,
        [
            changeset(
                [
                    http_part("PATCH", f"Things({thing})", {"name": "renamed in batch"}),
                    http_part("DELETE", f"Datastreams({seed['datastreams'][0]})"),
                    http_part("POST", "Observations", {"result": 1, "Datastream": {"@iot.id": 9999}}),
                ]
            )
        ],
    )
    (failed,) = read_multipart(response)
    assert isinstance(failed, Embedded)
    assert 400 <= failed.status < 500
    assert client.get(f"/v1.1/Things({thing})").json() == original
    assert client.get(f"/v1.1/Datastreams({seed['datastreams'][0]})").status_code == 200
    assert counts(client) == before


def test_changesets_are_independent_of_each_other(client: TestClient, seed: dict[str, Any]) -> None:
    before = counts(client)
    response = post_multipart(
        client,
        [
            changeset([http_part("POST", "Things", {**THING, "name": "first"}), http_part("POST", "Things", {"name": "broken"})]),
            changeset([http_part("POST", "Things", {**THING, "name": "second"})]),
        ],
        Prefer="odata.continue-on-error",
    )
    failed, ok = read_multipart(response)
    assert isinstance(failed, Embedded) and failed.status == 400
    assert isinstance(ok, list) and [p.status for p in ok] == [201]
    assert "first" not in names(client, "Things")
    assert "second" in names(client, "Things")
    assert count(client, "Things") == before["Things"] + 1


def test_multipart_stand_alone_requests_are_independent(client: TestClient, seed: dict[str, Any]) -> None:
    before = count(client, "Things")
    response = post_multipart(
        client,
        [
            http_part("POST", "Things", {**THING, "name": "one"}),
            http_part("POST", "Things", {"name": "no description"}),
            http_part("PATCH", "Things(9999)", {"name": "nobody"}),
            http_part("POST", "Things", {**THING, "name": "two"}),
        ],
        Prefer="odata.continue-on-error",
    )
    statuses = [p.status for p in read_multipart(response)]  # type: ignore[union-attr]
    assert statuses == [201, 400, 404, 201]
    assert count(client, "Things") == before + 2
    assert {"one", "two"} <= set(names(client, "Things"))


def test_multipart_content_id_reference_stays_inside_its_changeset(client: TestClient, seed: dict[str, Any]) -> None:
    """OData 4.0 §11.7.3.1: `$<Content-ID>` references requests of the same change set only."""
    before = count(client, "Datastreams")
    response = post_multipart(
        client,
        [
            changeset([http_part("POST", "Things", THING, content_id="1")]),
            changeset([http_part("POST", "$1/Datastreams", datastream_body("elsewhere"), content_id="2")]),
        ],
        Prefer="odata.continue-on-error",
    )
    created, referenced = read_multipart(response)
    assert isinstance(created, list) and created[0].status == 201
    assert isinstance(referenced, Embedded) and referenced.status == 400
    assert count(client, "Datastreams") == before


def test_multipart_in_the_style_of_the_specification_example(client: TestClient, seed: dict[str, Any]) -> None:
    """Bare LF line ends, 'Content-Transfer-Encoding:binary' without a space, trailing blanks and
    an HTTP version on the request lines, as in the OGC 18-088 / OData examples."""
    thing = seed["things"][0]
    body = (
        "--batch_36522ad7-fc75-4b56-8c71-56071383e77b\n"
        "Content-Type: application/http\n"
        "Content-Transfer-Encoding:binary\n"
        "\n"
        f"GET /v1.1/Things({thing}) HTTP/1.1\n"
        "Host: host\n"
        "\n"
        "--batch_36522ad7-fc75-4b56-8c71-56071383e77b\n"
        "Content-Type: multipart/mixed;boundary=changeset_77162fcd-b8da-41ac-a9f8-9357efbbd\n"
        "\n"
        "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd \n"
        "Content-Type: application/http \n"
        "Content-Transfer-Encoding: binary \n"
        "Content-ID: 1\n"
        "\n"
        "POST /v1.1/Things HTTP/1.1 \n"
        "Host: host \n"
        "Content-Type: application/json \n"
        "\n"
        '{"name": "spec thing", "description": "from the example"}\n'
        "\n"
        "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd \n"
        "Content-Type: application/http \n"
        "Content-Transfer-Encoding: binary \n"
        "Content-ID: 2\n"
        "\n"
        "POST $1/Datastreams HTTP/1.1\n"
        "Host: host\n"
        "Content-Type: application/json\n"
        "\n"
        f"{json.dumps(datastream_body('spec stream'))}\n"
        "--changeset_77162fcd-b8da-41ac-a9f8-9357efbbd--\n"
        "\n"
        "--batch_36522ad7-fc75-4b56-8c71-56071383e77b\n"
        "Content-Type: application/http\n"
        "Content-Transfer-Encoding:binary\n"
        "\n"
        "GET /v1.1/Things?$filter=name%20eq%20'spec%20thing'&$expand=Datastreams HTTP/1.1\n"
        "Host: host\n"
        "\n"
        "--batch_36522ad7-fc75-4b56-8c71-56071383e77b--\n"
    )
    response = client.post(
        BATCH,
        content=body.encode(),
        headers={"Content-Type": "multipart/mixed;boundary=batch_36522ad7-fc75-4b56-8c71-56071383e77b"},
    )
    first, group, last = read_multipart(response)
    assert isinstance(first, Embedded) and first.json()["@iot.id"] == thing
    assert isinstance(group, list) and [p.status for p in group] == [201, 201]
    assert isinstance(last, Embedded)
    (found,) = last.json()["value"]
    assert [d["name"] for d in found["Datastreams"]] == ["spec stream"]


def test_get_in_a_changeset_is_rejected(client: TestClient, seed: dict[str, Any]) -> None:
    before = counts(client)
    response = post_multipart(
        client,
        [
            http_part("POST", "Things", THING),
            changeset([http_part("POST", "Things", THING), http_part("GET", "Things")]),
        ],
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == 400
    assert counts(client) == before  # nothing of the batch was executed


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\n\r\nGET Things HTTP/1.1\r\n\r\n", id="no-closing-delimiter"),
        pytest.param("multipart/mixed", "--b\r\nContent-Type: application/http\r\n\r\nGET Things HTTP/1.1\r\n\r\n--b--\r\n", id="no-boundary"),
        pytest.param("multipart/mixed; boundary=b", "--b\r\n\r\nGET Things HTTP/1.1\r\n\r\n--b--\r\n", id="part-without-content-type"),
        pytest.param("multipart/mixed; boundary=b", "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n", id="part-not-http"),
        pytest.param("multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\n\r\nFETCH Things HTTP/1.1\r\n\r\n--b--\r\n", id="unknown-method"),
        pytest.param("multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\n\r\n\r\n--b--\r\n", id="no-request-line"),
        pytest.param(
            "multipart/mixed; boundary=b",
            "--b\r\nContent-Type: multipart/mixed\r\n\r\n--c\r\nContent-Type: application/http\r\n\r\nPOST Things HTTP/1.1\r\n\r\n{}\r\n--c--\r\n--b--\r\n",
            id="changeset-without-boundary",
        ),
        pytest.param(
            "multipart/mixed; boundary=b",
            "--b\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\nGET Things HTTP/1.1\r\n\r\n"
            "--b\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\nGET Things HTTP/1.1\r\n\r\n--b--\r\n",
            id="duplicate-content-id",
        ),
        pytest.param("application/json", "{", id="json-syntax"),
        pytest.param("application/json", "[]", id="json-not-an-object"),
        pytest.param("application/json", '{"requests": {}}', id="json-requests-not-an-array"),
        pytest.param("application/json", '{"requests": [{"method": "GET"}]}', id="json-no-url"),
        pytest.param("application/json", '{"requests": [{"method": "FETCH", "url": "Things"}]}', id="json-bad-method"),
        pytest.param(
            "application/json",
            '{"requests": [{"id": "1", "method": "GET", "url": "Things"}, {"id": "1", "method": "GET", "url": "Things"}]}',
            id="json-duplicate-id",
        ),
        pytest.param(
            "application/json", '{"requests": [{"id": "1", "method": "GET", "url": "Things", "dependsOn": ["2"]}]}', id="json-forward-dependency"
        ),
        pytest.param(
            "application/json", '{"requests": [{"id": "1", "method": "GET", "url": "Things", "body": {"a": 1}}]}', id="json-get-with-body"
        ),
        pytest.param(
            "application/json",
            '{"requests": [{"id": "1", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": {}},'
            '{"id": "2", "method": "GET", "url": "Things"},'
            '{"id": "3", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": {}}]}',
            id="json-group-not-adjacent",
        ),
    ],
)
def test_invalid_batch_document_is_400_problem(client: TestClient, seed: dict[str, Any], content_type: str, body: str) -> None:
    response = client.post(BATCH, content=body.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 400
    assert problem["title"]
    assert problem["detail"]


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_invalid_document_executes_nothing(client: TestClient, seed: dict[str, Any], fmt: str) -> None:
    before = counts(client)
    if fmt == "json":
        response = client.post(
            BATCH,
            json={"requests": [{"id": "1", "method": "POST", "url": "Things", "body": THING}, {"id": "2", "method": "FETCH", "url": "Things"}]},
        )
    else:
        boundary = "b"
        body = multipart([http_part("POST", "Things", THING)], boundary).removesuffix(f"--{boundary}--\r\n")
        body += f"--{boundary}\r\nContent-Type: image/png\r\n\r\nxx\r\n--{boundary}--\r\n"
        response = client.post(BATCH, content=body.encode(), headers={"Content-Type": f"multipart/mixed; boundary={boundary}"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    assert counts(client) == before


def test_batch_with_other_media_type_is_415(client: TestClient) -> None:
    response = client.post(BATCH, content=b"GET Things", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_batch_takes_only_post(client: TestClient, method: str) -> None:
    response = client.request(method, BATCH)
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("Things", id="relative"),
        pytest.param("/v1.1/Things", id="absolute-path"),
        pytest.param("http://testserver/v1.1/Things", id="full-url"),
    ],
)
def test_sub_request_url_forms_multipart(client: TestClient, seed: dict[str, Any], url: str) -> None:
    response = post_multipart(
        client,
        [
            http_part("POST", url, {**THING, "name": f"via {url}"}),
            http_part("GET", f"{url}?$filter=name eq 'via {url}'&$select=name"),
            http_part("GET", f"{url}({seed['things'][1]})/name"),
        ],
    )
    created, listed, prop = read_multipart(response)
    assert isinstance(created, Embedded) and created.status == 201, created.body
    assert created.headers["location"].startswith("http://testserver/v1.1/Things(")
    assert isinstance(listed, Embedded) and listed.json() == {"value": [{"name": f"via {url}"}]}
    assert isinstance(prop, Embedded) and prop.json() == {"name": "Garage Centrum"}


# === JSON batch (OData 4.01) ======================================================================


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("Things", id="relative"),
        pytest.param("/v1.1/Things", id="absolute-path"),
        pytest.param("http://testserver/v1.1/Things", id="full-url"),
    ],
)
def test_sub_request_url_forms_json(client: TestClient, seed: dict[str, Any], url: str) -> None:
    responses = post_json_batch(
        client,
        [
            {"id": "c", "method": "POST", "url": url, "body": {**THING, "name": f"via {url}"}},
            {"id": "g", "method": "GET", "url": f"{url}?$filter=name eq 'via {url}'&$select=name", "dependsOn": ["c"]},
            {"id": "p", "method": "PATCH", "url": "$c", "body": {"description": "patched"}, "dependsOn": ["g"]},
        ],
    )
    assert [r["id"] for r in responses] == ["c", "g", "p"]
    assert [r["status"] for r in responses] == [201, 200, 200]
    assert responses[1]["body"] == {"value": [{"name": f"via {url}"}]}
    thing_id = responses[0]["body"]["@iot.id"]
    assert client.get(f"/v1.1/Things({thing_id})").json()["description"] == "patched"


def test_json_batch_gets(client: TestClient, seed: dict[str, Any]) -> None:
    thing = seed["things"][0]
    responses = post_json_batch(
        client,
        [
            {"id": "t", "method": "GET", "url": f"Things({thing})?$select=name"},
            {"id": "d", "method": "get", "url": f"Things({thing})/Datastreams?$count=true&$select=id"},
            {"id": "v", "method": "GET", "url": f"Things({thing})/name/$value"},
            {"id": "m", "method": "GET", "url": "Thingz"},
        ],
    )
    by_id = {r["id"]: r for r in responses}
    assert [r["id"] for r in responses] == ["t", "d", "v", "m"]
    assert by_id["t"]["status"] == 200
    assert by_id["t"]["body"] == {"name": "Air sensor Markt"}  # embedded as JSON, not as a string
    assert by_id["d"]["body"]["@iot.count"] == 2
    assert by_id["v"]["status"] == 200
    assert by_id["v"]["headers"]["content-type"].startswith("text/plain")
    assert by_id["v"]["body"] == "Air sensor Markt"
    assert by_id["m"]["status"] == 404
    assert by_id["m"]["headers"]["content-type"] == PROBLEM
    assert by_id["m"]["body"]["status"] == 404


def test_json_atomicity_group_with_references(client: TestClient, seed: dict[str, Any]) -> None:
    before = counts(client)
    responses = post_json_batch(
        client,
        [
            {"id": "thing", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": THING},
            {"id": "loc", "atomicityGroup": "g", "method": "POST", "url": "Locations", "body": {**LOCATION, "Things": [{"@iot.id": "$thing"}]}},
            {"id": "ds", "atomicityGroup": "g", "method": "POST", "url": "$thing/Datastreams", "body": datastream_body("json stream")},
            {
                "id": "obs",
                "atomicityGroup": "g",
                "method": "POST",
                "url": "Observations",
                "headers": {"Content-Type": "application/json"},
                "body": {"phenomenonTime": "2024-05-01T00:00:00Z", "result": 7, "Datastream": {"@iot.id": "$ds"}},
            },
            {"id": "read", "method": "GET", "url": "$thing?$expand=Locations,Datastreams($expand=Observations)", "dependsOn": ["g"]},
        ],
    )
    assert [r["id"] for r in responses] == ["thing", "loc", "ds", "obs", "read"]
    assert [r.get("atomicityGroup") for r in responses] == ["g", "g", "g", "g", None]
    assert [r["status"] for r in responses] == [201, 201, 201, 201, 200]
    thing_id = responses[0]["body"]["@iot.id"]
    assert responses[0]["headers"]["location"] == f"http://testserver/v1.1/Things({thing_id})"
    read = responses[4]["body"]
    assert read["@iot.id"] == thing_id
    assert [loc["@iot.id"] for loc in read["Locations"]] == [responses[1]["body"]["@iot.id"]]
    (stream,) = read["Datastreams"]
    assert stream["@iot.id"] == responses[2]["body"]["@iot.id"]
    assert [o["result"] for o in stream["Observations"]] == [7]
    after = counts(client)
    assert after["Things"] == before["Things"] + 1
    assert after["Observations"] == before["Observations"] + 1
    assert after["HistoricalLocations"] == before["HistoricalLocations"] + 1


def test_json_failing_atomicity_group_stores_nothing(client: TestClient, seed: dict[str, Any]) -> None:
    before = counts(client)
    thing = seed["things"][0]
    original = client.get(f"/v1.1/Things({thing})").json()
    responses = post_json_batch(
        client,
        [
            {"id": "t", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": THING},
            {"id": "d", "atomicityGroup": "g", "method": "POST", "url": "$t/Datastreams", "body": datastream_body("doomed")},
            {"id": "p", "atomicityGroup": "g", "method": "PATCH", "url": f"Things({thing})", "body": {"name": "doomed"}},
            {"id": "x", "atomicityGroup": "g", "method": "POST", "url": "Observations", "body": {"result": 1, "Datastream": {"@iot.id": "$d"}, "phenomenonTime": "yesterday"}},
            {"id": "after", "method": "GET", "url": "Things?$count=true&$top=0"},
        ],
    )
    assert [r["id"] for r in responses] == ["t", "d", "p", "x", "after"]
    # OData 4.01 JSON §19: all requests of a failed atomicity group are reported as failed
    for failed in responses[:4]:
        assert failed["status"] == 400, failed
        assert failed["atomicityGroup"] == "g"
        assert failed["headers"]["content-type"] == PROBLEM
        assert failed["body"]["status"] == 400
        assert "phenomenonTime" in failed["body"].get("field", "") + failed["body"]["detail"]
    assert responses[4]["status"] == 200
    assert responses[4]["body"]["@iot.count"] == before["Things"]
    assert counts(client) == before
    assert client.get(f"/v1.1/Things({thing})").json() == original
    assert "doomed" not in names(client, "Datastreams")


def test_json_depends_on_failed_group_or_request_is_424(client: TestClient, seed: dict[str, Any]) -> None:
    before = counts(client)
    responses = post_json_batch(
        client,
        [
            {"id": "a", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": {"name": "no description"}},
            {"id": "b", "method": "POST", "url": "Things", "body": {**THING, "name": "needs g"}, "dependsOn": ["g"]},
            {"id": "c", "method": "DELETE", "url": "Things(9999)"},
            {"id": "d", "method": "POST", "url": "Things", "body": {**THING, "name": "needs c"}, "dependsOn": ["c"]},
            {"id": "e", "method": "POST", "url": "$a/Datastreams", "body": datastream_body("needs a")},
            {"id": "f", "method": "POST", "url": "Things", "body": {**THING, "name": "independent"}},
        ],
    )
    statuses = {r["id"]: r["status"] for r in responses}
    assert statuses == {"a": 400, "b": 424, "c": 404, "d": 424, "e": 424, "f": 201}
    assert counts(client)["Things"] == before["Things"] + 1
    assert "independent" in names(client, "Things")
    assert not {"needs g", "needs c"} & set(names(client, "Things"))


def test_json_non_atomic_requests_are_independent(client: TestClient, seed: dict[str, Any]) -> None:
    first_ds = seed["datastreams"][0]
    before = counts(client)
    responses = post_json_batch(
        client,
        [
            {"id": "1", "method": "POST", "url": "Things", "body": {**THING, "name": "kept 1"}},
            {"id": "2", "method": "POST", "url": "Things", "body": {**THING, "Datastreams": [datastream_body("half", unitOfMeasurement=5)]}},
            {"id": "3", "method": "DELETE", "url": f"Datastreams({first_ds})"},
            {"id": "4", "method": "PATCH", "url": f"Datastreams({first_ds})", "body": {"name": "gone already"}},
            {"id": "5", "method": "POST", "url": "Things", "body": {**THING, "name": "kept 2"}},
        ],
    )
    assert [r["status"] for r in responses] == [201, 400, 200, 404, 201]
    after = counts(client)
    assert after["Things"] == before["Things"] + 2
    # the failed deep insert left nothing behind (its own transaction was rolled back)
    assert "half" not in names(client, "Datastreams")
    assert "half sensor" not in names(client, "Sensors")
    assert client.get(f"/v1.1/Datastreams({first_ds})").status_code == 404
    assert after["Observations"] == before["Observations"] - 3


def test_json_two_atomicity_groups_one_failing(client: TestClient, seed: dict[str, Any]) -> None:
    before = count(client, "Things")
    responses = post_json_batch(
        client,
        [
            {"id": "a1", "atomicityGroup": "ok", "method": "POST", "url": "Things", "body": {**THING, "name": "group ok"}},
            {"id": "a2", "atomicityGroup": "ok", "method": "PATCH", "url": "$a1", "body": {"properties": {"k": 1}}},
            {"id": "b1", "atomicityGroup": "bad", "method": "POST", "url": "Things", "body": {**THING, "name": "group bad"}},
            {"id": "b2", "atomicityGroup": "bad", "method": "PATCH", "url": "$b1", "body": {"unknown": 1}},
        ],
    )
    assert [r["status"] for r in responses] == [201, 200, 400, 400]
    assert count(client, "Things") == before + 1
    (kept,) = client.get("/v1.1/Things?$filter=name eq 'group ok'").json()["value"]
    assert kept["properties"] == {"k": 1}
    assert client.get("/v1.1/Things?$filter=name eq 'group bad'").json()["value"] == []


def test_json_reference_by_selflink_in_body(client: TestClient, seed: dict[str, Any]) -> None:
    """A `$id` in a URL resolves to the entity URL, so navigation beyond it works too."""
    responses = post_json_batch(
        client,
        [
            {"id": "t", "atomicityGroup": "g", "method": "POST", "url": "Things", "body": {**THING, "Locations": [LOCATION]}},
            {"id": "locs", "method": "GET", "url": "$t/Locations?$select=name", "dependsOn": ["g"]},
            {"id": "hist", "method": "GET", "url": "$t/HistoricalLocations?$count=true&$select=id", "dependsOn": ["g"]},
        ],
    )
    assert [r["status"] for r in responses] == [201, 200, 200]
    assert responses[1]["body"] == {"value": [{"name": "Batch location"}]}
    assert responses[2]["body"]["@iot.count"] == 1


def test_json_batch_create_observations(client: TestClient, seed: dict[str, Any]) -> None:
    stream = seed["datastreams"][1]
    before = count(client, f"Datastreams({stream})/Observations")
    responses = post_json_batch(
        client,
        [
            {
                "id": "bulk",
                "atomicityGroup": "g",
                "method": "POST",
                "url": "CreateObservations",
                "body": [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": [["2024-06-01T00:00:00Z", 1], ["2024-06-01T01:00:00Z", 2]]}],
            },
            {
                "id": "bad",
                "atomicityGroup": "h",
                "method": "POST",
                "url": "CreateObservations",
                "body": [{"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": [["2024-06-02T00:00:00Z", 3], ["nope", 4]]}],
            },
        ],
    )
    assert [r["status"] for r in responses] == [201, 400]
    links = responses[0]["body"]
    assert len(links) == 2 and all(link.startswith("http://testserver/v1.1/Observations(") for link in links)
    assert responses[1]["body"]["field"] == "[0]/dataArray[1]/phenomenonTime"
    assert count(client, f"Datastreams({stream})/Observations") == before + 2


@pytest.mark.parametrize("url", ["$batch", "/v1.1/$batch", "http://testserver/v1.1/$batch"])
def test_nested_batch_is_refused(client: TestClient, seed: dict[str, Any], url: str) -> None:
    before = count(client, "Things")
    inner = {"requests": [{"id": "i", "method": "POST", "url": "Things", "body": THING}]}
    responses = post_json_batch(
        client,
        [
            {"id": "nested", "method": "POST", "url": url, "body": inner},
            {"id": "grouped", "atomicityGroup": "g", "method": "POST", "url": url, "body": inner},
        ],
    )
    assert [r["status"] for r in responses] == [400, 400]
    assert all(r["headers"]["content-type"] == PROBLEM for r in responses)
    assert count(client, "Things") == before


def test_batch_on_version_1_0(client: TestClient, seed: dict[str, Any]) -> None:
    thing = seed["things"][0]
    response = client.post(
        "/v1.0/$batch",
        json={"requests": [{"id": "1", "method": "GET", "url": f"/v1.0/Things({thing})?$select=id"}, {"id": "2", "method": "GET", "url": f"Things({thing})?$select=id"}]},
    )
    assert response.status_code == 200
    bodies = [r["body"] for r in response.json()["responses"]]
    expected = {"@iot.selfLink": f"http://testserver/v1.0/Things({thing})", "@iot.id": thing}
    assert bodies == [expected, expected]


@pytest.mark.parametrize("url", ["/v1.1", "/v1.1/", "v1.1", "http://testserver/v1.1", "http://testserver/v1.1/"])
def test_a_sub_request_may_name_the_service_root_with_or_without_a_slash(client: TestClient, url: str) -> None:
    (answer,) = post_json_batch(client, [{"id": "root", "method": "GET", "url": url}])
    assert answer["status"] == 200, answer
    assert any(entry["name"] == "Things" for entry in answer["body"]["value"])
