"""Faces register; the app assembles the enabled ones: the built-in three in order, one that an
installed package adds through a `stadsdata.faces` entry point (its routes served and its link in
the root document), and the setting `faces` that serves only some of them."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stadsdata import faces
from stadsdata.app import create_app
from stadsdata.settings import Settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "architecture.md"


def documented_face() -> str:
    """The face of docs/architecture.md, "Adding a face", as it is written there."""
    code = re.search(r"## Adding a face.*?```python\n(.*?)```", DOC.read_text(), re.S)
    assert code, "docs/architecture.md lost its face example"
    return code.group(1)


@pytest.fixture
def kinds_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The documented face, installed as a package with its entry point (as pip would)."""
    (tmp_path / "stadsdata_test_kinds.py").write_text(documented_face())
    info = tmp_path / "stadsdata_test_kinds-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: stadsdata-test-kinds\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{faces.ENTRY_POINTS}]\nkinds = stadsdata_test_kinds:FACE\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("stadsdata_test_kinds", None)


def test_the_built_in_faces_in_mounting_order() -> None:
    assert [face.name for face in faces.discover("stadsdata.faces.none")] == ["sensorthings", "management", "dcat", "ckan", "ocpi", "ngsi-ld", "web"]


def test_an_installed_face_is_served_with_its_link(tmp_path: Path, kinds_installed: None) -> None:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db")))) as client:
        assert {"tts", "chirpstack"} <= set(client.get("/kinds").json())
        links = client.get("/", headers={"Accept": "application/json"}).json()["links"]
        assert list(links) == ["sensorthings", "sensorthings-1.0", "management", "management-openapi", "dcat", "ckan", "ocpi", "ngsi-ld", "kinds", "web"]


def test_the_setting_serves_only_the_faces_it_names(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(database=str(tmp_path / "x.db"), faces="sensorthings"))) as client:
        assert client.get("/v1.1").status_code == 200
        assert client.get("/api/v1").status_code == 404
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 404
        assert client.get("/healthz").status_code == 200  # operations are the app's own


def test_a_face_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(faces.FaceError, match="no face 'wfs'; the faces are sensorthings, management, dcat, ckan, ocpi, ngsi-ld, web"):
        create_app(Settings(database=str(tmp_path / "x.db"), faces="sensorthings,wfs"))
