"""How CBS's OData v4 API (StatLine, https://datasets.cbs.nl/odata/v1/CBS/{table}) is asked:
the table's root, the `$filter` that selects the regions and measures, and its pages (each
answer's `value`, then its `@odata.nextLink` — an absolute URL — until there is none).

A table is long and narrow: `Observations` has a row per measure and region (`Measure`, the
region dimension's code, `Value` a number or null, `ValueAttribute` "None" for a normal value
or a marker such as "." or "Impossible", `StringValue` for text measures); `MeasureCodes` and
`<dimension>Codes` name the codes (`Identifier`, `Title`, …)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from stadsdata.sources.http import BadPage
from stadsdata.sources.run import Run

DEFAULT_URL = "https://datasets.cbs.nl/odata/v1/CBS"
DEFAULT_DIMENSION = "WijkenEnBuurten"
LEVELS = ("GM", "WK", "BU")
MAX_PAGES = 10_000  # a guard against a nextLink that never ends


class BrokenOff(Exception):
    """A listing could not be read to its end (the bad page is quarantined)."""


def table_url(config: dict[str, Any]) -> str:
    """The table's root, e.g. https://datasets.cbs.nl/odata/v1/CBS/86165NED."""
    return f"{str(config.get('url') or DEFAULT_URL).rstrip('/')}/{config['table']}"


def dimension(config: dict[str, Any]) -> str:
    return str(config.get("region_dimension") or DEFAULT_DIMENSION)


def quoted(text: str) -> str:
    """An OData string literal."""
    return "'" + text.replace("'", "''") + "'"


def region_filter(config: dict[str, Any], name: str) -> str:
    """The `$filter` term selecting the configured regions in column `name` (a dimension's
    column of Observations, or `Identifier` of its codes): a municipality with the chosen levels
    (its wijken and buurten begin with WK/BU and its four digits), or the listed codes."""
    municipality = config.get("municipality")
    if municipality:
        digits = municipality[2:]
        terms = []
        for level in config.get("levels") or LEVELS:
            if level == "GM":
                terms.append(f"{name} eq {quoted(municipality)}")
            else:
                terms.append(f"startswith({name},{quoted(level + digits)})")
    else:
        terms = [f"{name} eq {quoted(code)}" for code in config["regions"]]
    return "(" + " or ".join(terms) + ")"


def observations_filter(config: dict[str, Any]) -> str:
    """The `$filter` of `Observations`: the regions, and the measures when some are chosen."""
    found = region_filter(config, dimension(config))
    measures = config.get("measures")
    if measures:
        found += " and (" + " or ".join(f"Measure eq {quoted(m)}" for m in measures) + ")"
    return found


def wanted(config: dict[str, Any], code: str) -> bool:
    """Whether a region code is one the config selects (the server's filter, checked again)."""
    municipality = config.get("municipality")
    if not municipality:
        return code in config["regions"]
    levels = config.get("levels") or LEVELS
    digits = municipality[2:]
    return (code == municipality and "GM" in levels) or any(
        code.startswith(level + digits) for level in levels if level != "GM"
    )


def pages(run: Run, url: str, params: dict[str, str] | None) -> Iterator[tuple[list[Any], bytes, str]]:
    """Each page's `value` array, its raw bytes and its URL, following `@odata.nextLink`. A page
    that is not JSON or has no `value` array is quarantined and `BrokenOff` raised."""
    next_url: str | None = url
    query = params
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if next_url is None or run.stopping:
            return
        try:
            document, raw, where = run.http.json(next_url, query)
        except BadPage as exc:
            run.bad_page(exc)
            raise BrokenOff(exc.reason) from None
        values = document.get("value") if isinstance(document, dict) else None
        if not isinstance(values, list):
            run.quarantine(raw, "a page without a 'value' array", where=where, field="value")
            raise BrokenOff("a page without a 'value' array")
        yield values, raw, where
        seen.add(where)
        link = document.get("@odata.nextLink")
        next_url, query = (
            (restore(link, params), None) if isinstance(link, str) and link and link not in seen else (None, None)
        )


def restore(link: str, params: dict[str, str] | None) -> str:
    """A nextLink with the query options we asked for put back where it dropped them (CBS's
    nextLink is `…/Observations?$skip=10000`: one that lost our `$filter` would page through the
    whole country)."""
    if not params:
        return link
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    missing = {k: v for k, v in params.items() if k not in query and k not in ("$top", "$skip")}
    return urlunsplit(parts._replace(query=urlencode({**query, **missing}))) if missing else link
