"""The actions this API serves, by name, and the site's own: status_show, site_read and
help_show (which returns an action's documentation: the `help` link of every answer points to
it). Every action here only reads (CKAN's `side_effect_free`), so each is served on GET and POST;
the write actions of CKAN are not served (datasets are managed through /api/v1)."""

from __future__ import annotations

from typing import Any

from stadsdata import __version__
from stadsdata.api.ckan import group_actions, package_actions
from stadsdata.api.ckan.context import Action, Context, Run
from stadsdata.api.ckan.datastore import datastore_search
from stadsdata.api.ckan.errors import NotFoundError
from stadsdata.api.ckan.params import Params
from stadsdata.api.ckan.search_action import package_search

CKAN_VERSION = "2.10.0"  # the CKAN whose Action API this follows (status_show's ckan_version)


def status_show(context: Context, params: Params) -> dict[str, Any]:
    """Return a dictionary with information about the site's configuration.

    :rtype: dictionary
    """
    return {
        "site_title": "stadsdata", "site_description": "Open stedelijke data: sensoren, datasets en hun metadata",
        "site_url": context.base_url, "ckan_version": CKAN_VERSION, "stadsdata_version": __version__,
        "error_emails_to": None, "locale_default": "nl", "extensions": ["stadsdata", "datastore"],
    }  # fmt: skip


def site_read(context: Context, params: Params) -> bool:
    """Return ``True``: the site may be read.

    :rtype: bool
    """
    return True


def help_show(context: Context, params: Params) -> str | None:
    """Return the help string for a particular API action.

    :param name: Action function name (eg `package_search`)
    :type name: string
    :returns: The help string for the action function
    :rtype: string
    """
    name = params.required("name")
    action = ACTIONS.get(name)
    if action is None:
        raise NotFoundError("Action function not found")
    return action.help


def _action(run: Run) -> Action:
    return Action(run.__name__, run, run.__doc__ or "")


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in map(_action, [
        package_actions.package_list, package_actions.package_show, package_search, package_actions.resource_show,
        group_actions.organization_list, group_actions.organization_show, group_actions.group_list,
        group_actions.group_show, group_actions.tag_list, group_actions.license_list, datastore_search,
        status_show, site_read, help_show,
    ])
}  # fmt: skip
