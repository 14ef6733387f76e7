"""The one registry of source kinds: each folder of this package with a `manifest.toml` (its
`__init__.py` defines `KIND`), then every `stadsdata.sources` entry point of the installed
packages (pointing at a `SourceKind`), so that `pip install stadsdata-<something>` adds a kind.
Two kinds of one name are an error at start-up, not a silent choice."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from stadsdata.sources.kind import ManifestError, SourceKind

log = logging.getLogger(__name__)
ENTRY_POINTS = "stadsdata.sources"
FOLDER = Path(__file__).parent


class SourceKinds(Mapping[str, SourceKind]):
    """The registered kinds by name."""

    def __init__(self, kinds: Iterable[SourceKind]) -> None:
        self._kinds: dict[str, SourceKind] = {}
        for kind in kinds:
            if not isinstance(kind, SourceKind):
                raise ManifestError(f"a registered source kind must be a SourceKind, not {type(kind).__name__}")
            if kind.name in self._kinds:
                raise ManifestError(f"two source kinds are named {kind.name!r}")
            self._kinds[kind.name] = kind

    def __getitem__(self, name: str) -> SourceKind:
        return self._kinds[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def enabled(self, *, examples: bool = False) -> SourceKinds:
        """The kinds an installation offers: the examples for developers only when asked for
        (setting `example_sources`)."""
        return SourceKinds(k for k in self._kinds.values() if examples or not k.manifest.example)

    def by_message_source(self, source: str) -> SourceKind | None:
        """The kind whose messages carry this `source` (e.g. in the quarantine)."""
        return next((k for k in self._kinds.values() if k.manifest.message_source == source), None)


def builtin_kinds() -> list[SourceKind]:
    kinds = []
    for folder in sorted(FOLDER.iterdir()):
        if (folder / "manifest.toml").is_file():
            module = importlib.import_module(f"{__package__}.{folder.name}")
            kind = getattr(module, "KIND", None)
            if kind is None:
                raise ManifestError(f"{folder}/__init__.py defines no KIND")
            kinds.append(kind)
    return kinds


def installed_kinds(group: str = ENTRY_POINTS) -> list[SourceKind]:
    """The kinds other packages register with an entry point in `group`."""
    kinds = []
    for entry_point in importlib.metadata.entry_points(group=group):
        try:
            kinds.append(entry_point.load())
        except Exception as exc:
            raise ManifestError(f"source kind entry point {entry_point.name!r} ({entry_point.value}) does not load: {exc}") from exc
    return kinds


def discover(group: str = ENTRY_POINTS) -> SourceKinds:
    return SourceKinds([*builtin_kinds(), *installed_kinds(group)])


@functools.cache
def _discovered() -> SourceKinds:
    kinds = discover()
    log.debug("source kinds: %s", ", ".join(kinds))
    return kinds


def source_kinds(*, examples: bool = False) -> SourceKinds:
    """The kinds of this installation (discovered once per process); the examples for developers
    only when asked for."""
    return _discovered().enabled(examples=examples)
