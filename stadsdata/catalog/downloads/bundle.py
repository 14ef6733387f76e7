"""`bundle=zip`: a download as a zip archive of the data file, a README.md (what it is, the
selection, the licence and attribution, the columns) and a datapackage.json (a Frictionless Data
Package: licences, sources, the resource and its schema), so that the terms travel with the data
whatever the format. The archive is written as its data comes (the zip's sizes follow each member)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from stadsdata.catalog.downloads.columns import COLUMNS, iso
from stadsdata.catalog.downloads.sink import Sink
from stadsdata.catalog.downloads.terms import Terms

PARQUET_RESULT = ("result", "number", "the result, when it is a number")
PARQUET_TEXT = ("result_text", "string", "the result, when it is not a number: text, true/false or JSON")


@dataclass(frozen=True)
class About:
    """What a bundle says about its data."""

    name: str  # the file name without extension, e.g. 'lucht' or 'stadsdata-download'
    title: str
    format: str  # 'csv' | 'geojson' | 'parquet'
    media_type: str
    request: str  # the request that made it
    made: datetime
    terms: Terms
    catalog_url: str  # where the datasets are described: '<base>/api/v1/catalog/'

    @property
    def data_file(self) -> str:
        return f"{self.name}.{self.format}"


def bundle(data: Iterator[bytes], about: About) -> Iterator[bytes]:
    sink = Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", readme(about))
        archive.writestr("datapackage.json", orjson.dumps(datapackage(about), option=orjson.OPT_INDENT_2))
        yield sink.take()
        with archive.open(about.data_file, "w", force_zip64=True) as member:
            for part in data:
                member.write(part)
                yield sink.take()
    yield sink.take()


def fields(format: str) -> list[tuple[str, str, str]]:
    if format == "parquet":
        return [c for c in COLUMNS if c[0] != "result"] + [PARQUET_RESULT, PARQUET_TEXT]
    return list(COLUMNS)


def readme(about: About) -> str:
    terms = about.terms
    lines = [
        f"# {about.title}", "",
        f"Observations downloaded from stadsdata on {iso(about.made)} ({about.request}).",
        f"The data is in `{about.data_file}` ({about.media_type}); `datapackage.json` describes it as a Frictionless Data Package.", "",
        "## Licence and attribution", "",
    ]  # fmt: skip
    for source in terms.sources:
        name = f"{source.title} ({source.name})" if source.name else source.title
        lines.append(f"- {name}: {source.license.en}, <{source.license.uri}>")
        if source.attribution:
            lines.append(f"  Attribution: {source.attribution}")
    if not terms.sources:
        lines.append("- (no data selected)")
    lines += ["", "## Columns", ""]
    lines += [f"- `{name}` ({kind}): {description}" for name, kind, description in fields(about.format)]
    return "\n".join(lines) + "\n"


def datapackage(about: About) -> dict[str, Any]:
    terms = about.terms
    resource: dict[str, Any] = {"name": "observations", "path": about.data_file, "format": about.format, "mediatype": about.media_type}
    if about.format == "csv":
        resource["encoding"] = "utf-8"
    if about.format != "geojson":
        resource["schema"] = {"fields": [{"name": n, "type": t, "description": d} for n, t, d in fields(about.format)]}
    return {
        "name": about.name.lower(),
        "title": about.title,
        "created": iso(about.made),
        "licenses": [{"name": s.license_code, "path": s.license.uri, "title": s.license.en} for s in _distinct_licences(terms)],
        "sources": [
            {"title": s.title, **({"path": f"{about.catalog_url}{s.name}"} if s.name else {}), **({"attribution": s.attribution} if s.attribution else {})}
            for s in terms.sources
        ],  # fmt: skip
        "resources": [resource],
    }


def _distinct_licences(terms: Terms) -> list[Any]:
    seen: dict[str, Any] = {}
    for source in terms.sources:
        seen.setdefault(source.license.uri, source)
    return list(seen.values())
