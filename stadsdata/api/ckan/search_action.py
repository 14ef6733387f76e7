"""package_search: CKAN's dataset search, over the packages the caller is shown (so that a
hidden dataset is never found, counted or faceted). q and fq are parsed by `solr.py` and matched
by `matching.py`; facets, sort and paging follow CKAN's (ckan/logic/action/get.py)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from stadsdata.api.ckan.context import Context
from stadsdata.api.ckan.errors import SearchQueryError
from stadsdata.api.ckan.matching import EXACT, Doc, doc, matcher
from stadsdata.api.ckan.params import Params
from stadsdata.catalog.search import fold

DEFAULT_SORT = "score desc, metadata_modified desc"
ROWS_MAX = 1000
FACET_LIMIT = 50
# What CKAN passes on to Solr (lib/search/query.py) and what package_search itself takes.
KNOWN = {"q", "fq", "fq_list", "rows", "start", "sort", "facet", "facet.mincount", "facet.limit", "facet.field", "fl",
         "qf", "wt", "bf", "boost", "tie", "defType", "mm", "df", "q.op", "extras", "include_private", "include_drafts",
         "include_deleted", "use_default_schema"}  # fmt: skip
SORTS: dict[str, Callable[[tuple[int, Doc]], Any]] = {
    "score": lambda sd: sd[0],
    "metadata_modified": lambda sd: sd[1].entry.modified,
    "metadata_created": lambda sd: sd[1].entry.created,
    "name": lambda sd: sd[1].entry.name,
    "id": lambda sd: sd[1].entry.id,
    "title": lambda sd: fold(sd[1].entry.title),
    "title_string": lambda sd: fold(sd[1].entry.title),
    "num_resources": lambda sd: sd[1].package["num_resources"],
    "num_tags": lambda sd: sd[1].package["num_tags"],
}


def package_search(context: Context, params: Params) -> dict[str, Any]:
    """Searches for packages satisfying a given search criteria.

    :param q: the query, in Solr's syntax: words, "phrases", field:value, AND, OR, NOT, -, +,
        parentheses, ranges [a TO b] (optional, default: ``"*:*"``; docs/ckan.md lists the fields)
    :type q: string
    :param fq: a filter query in the same syntax; ``fq_list``: more of them (all must match)
    :type fq: string
    :param sort: comma-separated field names with asc or desc (optional, default:
        ``'score desc, metadata_modified desc'``); the fields: score, metadata_modified,
        metadata_created, name, title_string, num_resources, num_tags
    :type sort: string
    :param rows: the maximum number of datasets to return (optional, default: ``10``, at most ``1000``)
    :type rows: int
    :param start: the offset in the complete result where the returned datasets begin
    :type start: int
    :param facet: whether to count facets (optional, default: true)
    :param facet.field: the fields to count: organization, groups, tags, res_format, license_id,
        access_level, capacity … (a JSON list)
    :type facet.field: list of strings
    :param facet.limit: the most values per facet field, the most frequent first (default: 50; negative: all)
    :param facet.mincount: the least count of a value shown (default: 1)
    :param include_private: also the datasets their owners keep out of the listing (those the
        caller may read or manage) (optional, default: false)
    :type include_private: bool

    :rtype: a dict with count, results, facets, search_facets and sort
    """
    unknown = [k for k in params.unknown(KNOWN) if not k.startswith("ext_")]
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    rows = params.integer("rows", 10, maximum=ROWS_MAX)
    start = params.integer("start")
    sort_text = params.text("sort") or DEFAULT_SORT
    if sort_text == "rank":
        sort_text = DEFAULT_SORT
    order = _sort(sort_text)
    facet_fields = _facet_fields(params) if params.boolean("facet", True) else []
    facet_limit = params.integer("facet.limit", FACET_LIMIT, natural=False)
    facet_mincount = params.integer("facet.mincount", 1)
    include_private = params.boolean("include_private")
    for flag in ("include_drafts", "include_deleted", "use_default_schema"):
        params.boolean(flag)  # checked as CKAN does; there are no drafts, deleted datasets or schemas
    query = matcher(params.text("q") or "*:*")
    filters = [matcher(f) for f in [params.text("fq") or "", *(params.string_list("fq_list") or [])] if f.strip()]
    fields = _fl(params)

    matched: list[tuple[int, Doc]] = []
    for entry, package in context.packages():
        if entry.unlisted and not include_private:
            continue
        candidate = doc(entry, package)
        if all(f(candidate) is not None for f in filters) and (got := query(candidate)) is not None:
            matched.append((got, candidate))
    for name, descending in reversed(order):
        matched.sort(key=SORTS[name], reverse=descending)
    page = [d.package for _, d in matched[start : start + rows]]
    facets = {name: _counts(matched, name, facet_limit, facet_mincount) for name in facet_fields}
    return {
        "count": len(matched),
        "facets": facets,
        "results": [{k: p.get(k) for k in fields} for p in page] if fields else page,
        "sort": sort_text,
        "search_facets": {name: _search_facet(name, counts, matched) for name, counts in facets.items()},
    }


def _sort(text: str) -> list[tuple[str, bool]]:
    """[(field, descending)] of CKAN's 'field dir, field dir'."""
    out = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or words[0] not in SORTS or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise SearchQueryError(f'Invalid "sort" parameter: {part.strip()!r}; sort on {", ".join(SORTS)} with asc or desc')
        out.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return out


def _facet_fields(params: Params) -> list[str]:
    fields = params.string_list("facet.field") or []
    for name in fields:
        if name not in EXACT:
            raise SearchQueryError(f"cannot facet on {name!r}; the facet fields are {', '.join(EXACT)}")
    return list(dict.fromkeys(fields))


def _fl(params: Params) -> list[str]:
    value = params.data.get("fl")
    if value is None:
        return []
    parts = value if isinstance(value, list) else re.split(r"[\s,]+", str(value))
    return [str(p) for p in parts if str(p).strip()]


def _counts(matched: list[tuple[int, Doc]], name: str, limit: int, mincount: int) -> dict[str, int]:
    """Value -> number of matching datasets, the most frequent first (then by value)."""
    counts: Counter[str] = Counter()
    for _, d in matched:
        counts.update(set(d.exact[name]))
    ordered = sorted(((v, n) for v, n in counts.items() if n >= mincount), key=lambda vn: (-vn[1], vn[0]))
    return dict(ordered if limit < 0 else ordered[:limit])


def _search_facet(name: str, counts: dict[str, int], matched: list[tuple[int, Doc]]) -> dict[str, Any]:
    """CKAN's restructured facet: items with a display name (an organization's or group's title,
    a licence's), sorted by display name, last first — as CKAN sorts them."""
    titles: dict[str, str] = {}
    for _, d in matched:
        package = d.package
        if name == "organization" and package["organization"]:
            titles[package["organization"]["name"]] = package["organization"]["title"]
        elif name == "groups":
            titles |= {g["name"]: g["title"] for g in package["groups"]}
        elif name == "license_id":
            titles[package["license_id"]] = package["license_title"]
    items = [{"name": v, "display_name": titles.get(v) or v, "count": n} for v, n in counts.items()]
    return {"title": name, "items": sorted(items, key=lambda i: i["display_name"], reverse=True)}
