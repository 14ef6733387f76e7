"""The terms a download's data comes under (`Terms`): per dataset it draws from, the licence (the
catalog's `license_of`: the dataset's `metadata.license`, or the default of its access level) and
the attribution its users owe (`metadata.attribution`, else the publisher's name; a resident is
named to no one). Each format carries them: Parquet in its key-value metadata, GeoJSON as members
of the FeatureCollection, CSV beside it (a `Link: rel="license"` header, and the README and
datapackage.json of `bundle=zip`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stadsdata.catalog.distributions import license_of
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.catalog.vocabularies import DEFAULT_LICENSE, LICENSES, Term


@dataclass(frozen=True)
class Source:
    """A dataset a download draws from (`id` None: the streams in no dataset)."""

    id: int | None
    name: str
    title: str
    access_level: str
    license_code: str
    license: Term
    attribution: str | None


def license_code(entry: CatalogEntry) -> str:
    """The code of the entry's licence ('CC0-1.0', …), as `license_of` decides it."""
    term = license_of(entry)
    return next((code for code, known in LICENSES.items() if known == term), "")


def source_of(entry: CatalogEntry) -> Source:
    attribution = entry.metadata.get("attribution")
    if not attribution and entry.publisher is not None and entry.publisher.kind != "resident":
        attribution = entry.publisher.name
    return Source(entry.id, entry.name, entry.title, entry.access_level, license_code(entry), license_of(entry), attribution or None)


def unassigned(level: str) -> Source:
    """The streams in no dataset: the licence of the deployment's default access level."""
    code = DEFAULT_LICENSE[level]
    return Source(None, "", "streams in no dataset", level, code, LICENSES[code], None)


@dataclass(frozen=True)
class Terms:
    sources: tuple[Source, ...]

    @staticmethod
    def of(sources: Iterable[Source]) -> Terms:
        return Terms(tuple(sorted(sources, key=lambda s: (s.id is None, s.id or 0))))

    @property
    def licenses(self) -> list[Term]:
        """The distinct licences, in the order of the sources."""
        return list(dict.fromkeys(s.license for s in self.sources))

    @property
    def license(self) -> str:
        """The licence's URI (several: separated by spaces; none: empty)."""
        return " ".join(t.uri for t in self.licenses)

    @property
    def attribution(self) -> str:
        return "; ".join(dict.fromkeys(s.attribution for s in self.sources if s.attribution))

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {"id": s.id, "name": s.name, "title": s.title, "accessLevel": s.access_level, "license": s.license.uri,
             "licenseCode": s.license_code, "licenseTitle": s.license.en, "attribution": s.attribution}
            for s in self.sources
        ]  # fmt: skip

    def link_header(self) -> str:
        """`Link` header value: each licence with rel="license" (RFC 8288, RFC 4946)."""
        return ", ".join(f'<{t.uri}>; rel="license"; title="{_quotable(t.en)}"' for t in self.licenses)


def _quotable(text: str) -> str:
    """`text` as an HTTP quoted string may hold it: printable ASCII without quotes or backslashes."""
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in text)
