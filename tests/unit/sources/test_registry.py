"""The registry of source kinds: the folders of stadsdata/sources, and kinds other packages
register with a `stadsdata.sources` entry point (a real distribution on sys.path, found by
importlib.metadata as pip would install it); manifests that cannot be used are refused by name."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stadsdata.errors import BadRequest
from stadsdata.sources.kind import Manifest, ManifestError
from stadsdata.sources.registry import discover, source_kinds

GROUP = "stadsdata.sources.test"  # a group of this test's own: the installed packages' kinds stay out of it
PACKAGE = '''
from stadsdata.ingest.devices import DeviceReport
from stadsdata.sources.kind import Manifest, SourceKind

MANIFEST = {{"name": "{name}", "version": "0.1", "title": "Vuilcontainers", "description": "fill levels",
            "produces": ["Observation"], "mqtt": {{"topics": ["containers/+/level"]}}}}
KIND = SourceKind(Manifest.parse(MANIFEST, where="{module}"), lambda payload: None)
'''


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Callable[[str, str, str], None]]:
    """install(module, kind name, entry point name): a distribution with one source kind."""

    def install(module: str, name: str, entry: str) -> None:
        (tmp_path / module).mkdir()
        (tmp_path / module / "__init__.py").write_text(PACKAGE.format(name=name, module=module))
        info = tmp_path / f"{module}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[{GROUP}]\n{entry} = {module}:KIND\n")

    sys.path.insert(0, str(tmp_path))
    try:
        yield install
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m.startswith("stadsdata_test_")]:
            del sys.modules[module]


def test_the_built_in_kinds_are_the_folders() -> None:
    folders = sorted(p.parent.name for p in (Path(__file__).parents[3] / "stadsdata/sources").glob("*/manifest.toml"))
    kinds = discover(GROUP)
    assert len(kinds) == len(folders) and {"tts", "chirpstack"} <= set(kinds)
    assert not any(kind.manifest.example for kind in source_kinds().values())  # examples only when asked for


def test_an_installed_package_adds_a_kind(installed: Callable[[str, str, str], None]) -> None:
    installed("stadsdata_test_containers", "containers", "containers")
    kinds = discover(GROUP)
    assert kinds["containers"].manifest.mqtt_topics == ("containers/+/level",)
    assert {"tts", "chirpstack", "containers"} <= set(kinds)


def test_two_kinds_of_one_name_are_refused(installed: Callable[[str, str, str], None]) -> None:
    installed("stadsdata_test_second_tts", "tts", "tts")
    with pytest.raises(ManifestError, match="two source kinds are named 'tts'"):
        discover(GROUP)


def test_an_entry_point_that_does_not_load_is_named(tmp_path: Path, installed: Callable[[str, str, str], None]) -> None:
    installed("stadsdata_test_broken", "broken", "broken")
    (tmp_path / "stadsdata_test_broken" / "__init__.py").write_text("raise ImportError('no such library')\n")
    with pytest.raises(ManifestError, match="'broken'.*does not load: no such library"):
        discover(GROUP)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "unknown member 'colour'"),
        ({"name": "Vuil Containers"}, "is not lower-case"),
        ({"title": ""}, r"title \(text\) is required"),
        ({"produces": ["Building"]}, "produces is a list of Observation"),
        ({"pull": {"schedule": {"every": "soon"}}}, "schedule.every"),
        ({"pull": {"colour": "blue"}}, "pull: unknown member"),
        ({"config": {"type": "objekt"}}, "config is not a JSON Schema"),
        ({"webhook": {"path": "x"}}, "summary"),
    ],
)
def test_a_manifest_that_cannot_be_used_is_refused_by_name(change: dict[str, object], message: str) -> None:
    document = {"name": "containers", "version": "1", "title": "t", "description": "d", "produces": ["Observation"]} | change
    with pytest.raises(ManifestError, match=message):
        Manifest.parse(document, where="containers/manifest.toml")


def test_a_source_config_is_checked_against_the_kind_schema() -> None:
    tts = source_kinds()["tts"]
    assert tts.check_config({"mqtt_url": "mqtt://eu1.cloud.thethings.network:1883", "shared": False})
    with pytest.raises(BadRequest) as missing:
        tts.check_config({"shared": False})
    assert missing.value.field == "config" and "mqtt_url" in missing.value.detail
    with pytest.raises(BadRequest) as wrong:
        tts.check_config({"mqtt_url": "https://example.org"})
    assert wrong.value.field == "config.mqtt_url"
