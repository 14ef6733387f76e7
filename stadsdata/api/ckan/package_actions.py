"""The dataset actions: package_list, package_show and resource_show (package_search is in
`search_action.py`). Unknown parameters are ignored, as CKAN ignores them here (`ckanapi dump`
sends `include_datasets`, `include_users` … to package_show)."""

from __future__ import annotations

from typing import Any

from stadsdata.api.ckan.context import Context
from stadsdata.api.ckan.errors import NotFoundError
from stadsdata.api.ckan.packages import package, parse_resource_id
from stadsdata.api.ckan.params import Params
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.errors import NotFound


def package_list(context: Context, params: Params) -> list[str]:
    """Return a list of the names of the site's datasets (packages).

    Datasets their owners keep out of the listing (`private` in their package) are left out
    unless ``include_private`` is true; then those the caller may read or manage are listed too.

    :param limit: if given, the list of datasets will be broken into pages of at most ``limit``
        datasets per page and only one page will be returned at a time (optional)
    :type limit: int
    :param offset: when ``limit`` is given, the offset to start returning packages from
    :type offset: int
    :param include_private: also the unlisted datasets the caller is shown (optional, default: false)
    :type include_private: bool

    :rtype: list of strings
    """
    limit = params.integer("limit")
    offset = params.integer("offset")
    include_private = params.boolean("include_private")
    names = sorted(e.name for e in context.entries() if include_private or not e.unlisted)
    names = names[offset:] if offset else names
    return names[:limit] if limit else names


def package_show(context: Context, params: Params) -> dict[str, Any]:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset
    :type id: string

    :rtype: dictionary
    """
    key = params.required("id", "name_or_id")
    return package(context.entry(key), context.base_url)


def resource_show(context: Context, params: Params) -> dict[str, Any]:
    """Return the metadata of a resource.

    :param id: the id of the resource
    :type id: string

    :rtype: dictionary
    """
    _, resource = find_resource(context, params.required("id"))
    return resource


def find_resource(context: Context, resource_id: str) -> tuple[CatalogEntry, dict[str, Any]]:
    """The resource of this id and its dataset, as the caller is shown them; Not Found else (a
    Datastream's resource is shown only to who may read the Datastream)."""
    ref = parse_resource_id(resource_id)
    entry: CatalogEntry | None = None
    if ref is not None and ref.datastream_id is not None:
        entry = next((e for e in context.entries() if any(s.id == ref.datastream_id for s in e.datastreams)), None)
    elif ref is not None and ref.dataset_id is not None:
        try:
            entry = context.platform.catalog.entry(context.caller, ref.dataset_id)
        except NotFound:
            entry = None
    if entry is not None:
        for resource in package(entry, context.base_url)["resources"]:
            if resource["id"] == resource_id:
                return entry, resource
    raise NotFoundError("Resource was not found.")
