"""The organization, group, tag and licence actions. Organizations are the parties that own a
dataset the caller is shown (a party without one is not listed: the parties themselves are not
public); groups are every theme of the vocabularies; tags are the keywords of the datasets the
caller is shown. Counts are of the datasets the caller is shown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from stadsdata.api.ckan.context import Context
from stadsdata.api.ckan.errors import NotFoundError, ValidationError
from stadsdata.api.ckan.organizations import (
    group,
    group_name,
    license_dict,
    organization,
    organization_name,
    tag,
    theme_codes,
)
from stadsdata.api.ckan.packages import package
from stadsdata.api.ckan.params import Params
from stadsdata.catalog.entries import CatalogEntry, Party
from stadsdata.catalog.search import fold
from stadsdata.catalog.vocabularies import LICENSES

LIST_MAX, ALL_FIELDS_MAX, SHOW_DATASETS_MAX = 1000, 25, 1000
LIST_PARAMS_HELP = """
    :param sort: 'name', 'title' or 'package_count', with asc or desc (optional, default: 'title asc')
    :param limit: the most to return (optional, default: 1000; with all_fields 25)
    :param offset: where to start (optional)
    :param q: only those whose name or title contains this text (optional)
    :param all_fields: dictionaries instead of names, with package_count (optional, default: false)

    :rtype: list of strings (or of dictionaries)
"""


def _parties(context: Context) -> tuple[dict[str, Party], Counter[str]]:
    """The owners of the datasets the caller is shown, by organization name, and their counts."""
    parties: dict[str, Party] = {}
    counts: Counter[str] = Counter()
    for entry in context.entries():
        if entry.owner is not None:
            name = organization_name(entry.owner)
            parties.setdefault(name, entry.owner)
            counts[name] += 1
    return parties, counts


def _themes(context: Context) -> Counter[str]:
    return Counter(group_name(code) for entry in context.entries() for code in set(entry.themes))


def _listing(params: Params, items: list[dict[str, Any]], field: str) -> list[Any]:
    """CKAN's list of groups or organizations: filtered, sorted, paged; names or dicts."""
    wanted = params.data.get(field)
    if wanted:
        names = set(wanted if isinstance(wanted, list) else str(wanted).split(","))
        items = [i for i in items if i["name"] in names]
    q = fold(params.text("q") or "").strip()
    if q:
        items = [i for i in items if q in fold(f"{i['name']} {i['title']} {i['description']}")]
    key, descending = _sort_key(params)
    items = sorted(sorted(items, key=lambda i: i["name"]), key=key, reverse=descending)
    all_fields = params.boolean("all_fields")
    limit = min(params.integer("limit", 0) or LIST_MAX, ALL_FIELDS_MAX if all_fields else LIST_MAX)
    page = items[params.integer("offset") :][:limit]
    if not all_fields:
        return [i["name"] for i in page]
    if not params.boolean("include_dataset_count", True):
        page = [{k: v for k, v in i.items() if k != "package_count"} for i in page]
    return page


def _sort_key(params: Params) -> tuple[Callable[[dict[str, Any]], Any], bool]:
    """(key, descending) of CKAN's `sort` (or the deprecated `order_by`) of groups."""
    text = (params.text("sort") or params.text("order_by") or "title").strip()
    if text in ("packages", "package_count"):
        text = "package_count desc"
    field, _, direction = text.partition(" ")
    direction = direction.strip().lower() or "asc"
    if field not in ("name", "title", "packages", "package_count"):
        raise ValidationError({"message": [f"Cannot sort by field `{field}`"]})
    if direction not in ("asc", "desc"):
        raise ValidationError({"message": [f"Invalid sort direction `{direction}`"]})
    if field in ("packages", "package_count"):
        return (lambda i: i["package_count"]), direction == "desc"
    return (lambda i: fold(i[field])), direction == "desc"


def organization_list(context: Context, params: Params) -> list[Any]:
    parties, counts = _parties(context)
    return _listing(params, [organization(p, package_count=counts[n]) for n, p in parties.items()], "organizations")


def group_list(context: Context, params: Params) -> list[Any]:
    counts = _themes(context)
    return _listing(params, [group(code, package_count=counts[group_name(code)]) for code in theme_codes()], "groups")


organization_list.__doc__ = "Return a list of the names of the organizations that own datasets.\n" + LIST_PARAMS_HELP
group_list.__doc__ = "Return a list of the names of the groups: the themes of the catalog.\n" + LIST_PARAMS_HELP


def organization_show(context: Context, params: Params) -> dict[str, Any]:
    """Return the details of an organization.

    :param id: the id or name of the organization
    :param include_datasets: include its datasets (optional, default: false; at most 1000)
    :param include_dataset_count: include the package_count (optional, default: true)

    :rtype: dictionary
    """
    key = params.required("id")
    parties, counts = _parties(context)
    for name, party in parties.items():
        if key in (name, str(party.id)):
            return _show(context, params, organization(party, package_count=counts[name]),
                         lambda e, name=name: e.owner is not None and organization_name(e.owner) == name)  # fmt: skip
    raise NotFoundError("Organization not found")


def group_show(context: Context, params: Params) -> dict[str, Any]:
    """Return the details of a group (a theme).

    :param id: the name of the group (or the theme's code, e.g. ENVI)
    :param include_datasets: include its datasets (optional, default: false; at most 1000)
    :param include_dataset_count: include the package_count (optional, default: true)

    :rtype: dictionary
    """
    key = params.required("id")
    for code in theme_codes():
        if key in (group_name(code), code):
            name = group_name(code)
            return _show(context, params, group(code, package_count=_themes(context)[name]),
                         lambda e, code=code: code in e.themes)  # fmt: skip
    raise NotFoundError("Group not found")


def _show(context: Context, params: Params, out: dict[str, Any], member: Callable[[CatalogEntry], bool]) -> dict[str, Any]:
    if not params.boolean("include_dataset_count", True):
        out.pop("package_count", None)
    if params.boolean("include_datasets"):
        members = [e for e in context.entries() if member(e)][:SHOW_DATASETS_MAX]
        out["packages"] = [package(e, context.base_url) for e in members]
    for flag in ("include_users", "include_extras", "include_groups", "include_followers"):
        params.boolean(flag)  # checked as CKAN does; there are no users, extras or subgroups to include
    return out | {"users": [], "extras": [], "groups": [], "num_followers": 0}


def tag_list(context: Context, params: Params) -> list[Any]:
    """Return a list of the tags (keywords) of the datasets the caller is shown.

    :param query: only tags whose names contain this text (optional; also ``q``)
    :param vocabulary_id: there are only free tags: any vocabulary is Not Found
    :param all_fields: return tag dictionaries instead of names (optional, default: false)

    :rtype: list of strings (or of dictionaries)
    """
    vocabulary = params.text("vocabulary_id")
    if vocabulary:
        raise NotFoundError(f"could not find vocabulary '{vocabulary}'")
    query = fold(params.text("query") or params.text("q") or "").strip()
    names = sorted({k for entry in context.entries() for k in entry.keywords})
    names = [n for n in names if query in fold(n)] if query else names
    return [tag(n) for n in names] if params.boolean("all_fields") else names


def license_list(context: Context, params: Params) -> list[dict[str, Any]]:
    """Return the list of licenses available for datasets on the site.

    :rtype: list of dictionaries
    """
    return [license_dict(code) for code in LICENSES]
