"""The one registry of faces: the built-in ones (SensorThings, the management API, the web UI),
then every `stadsdata.faces` entry point of the installed packages (pointing at a face object:
a `name` and `mount(app, platform)`, `stadsdata/platform.py`), so that `pip install
stadsdata-<something>` adds one. The setting `faces` chooses which are served."""

from __future__ import annotations

import importlib
import importlib.metadata

from stadsdata.platform import Face

ENTRY_POINTS = "stadsdata.faces"
# In mounting order: a later face may use what an earlier one registered on the platform.
BUILTIN = (
    "stadsdata.api.sta.face:FACE", "stadsdata.api.management.face:FACE", "stadsdata.api.dcat.face:FACE", "stadsdata.api.ckan.face:FACE", "stadsdata.api.ocpi.face:FACE",
    "stadsdata.api.ngsild.face:FACE",
    "stadsdata.web.face:FACE",
)


class FaceError(ValueError):
    """A face that cannot be used, or a `faces` setting that names one that is not there."""


def _load(target: str) -> Face:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def discover(group: str = ENTRY_POINTS) -> list[Face]:
    faces = [_load(target) for target in BUILTIN]
    for entry_point in importlib.metadata.entry_points(group=group):
        try:
            faces.append(entry_point.load())
        except Exception as exc:
            raise FaceError(f"face entry point {entry_point.name!r} ({entry_point.value}) does not load: {exc}") from exc
    names = [face.name for face in faces]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise FaceError(f"two faces are named {twice[0]!r}")
    return faces


def enabled(setting: str, group: str = ENTRY_POINTS) -> list[Face]:
    """The faces the `faces` setting names ('all', or names separated by commas), in mounting order."""
    faces = discover(group)
    if setting.strip() == "all":
        return faces
    wanted = {name.strip() for name in setting.split(",") if name.strip()}
    unknown = wanted - {face.name for face in faces}
    if unknown:
        raise FaceError(f"setting faces: no face {sorted(unknown)[0]!r}; the faces are {', '.join(f.name for f in faces)}")
    return [face for face in faces if face.name in wanted]
