"""What an action is given: the platform, the caller, the server's external base URL and the
request's path and query (for links), and the catalog as this caller is shown it — read once per
request through `platform.catalog`, which applies the listing rule and the caller's read scope
(`catalog/entries.py`), so that no action decides access itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stadsdata.access.policy import Caller
from stadsdata.api.ckan.errors import NotFoundError
from stadsdata.api.ckan.packages import package
from stadsdata.api.ckan.params import Params
from stadsdata.catalog.entries import CatalogEntry
from stadsdata.errors import NotFound
from stadsdata.platform import Platform


@dataclass
class Context:
    platform: Platform
    caller: Caller
    base_url: str
    path: str  # of the request, e.g. /api/3/action/datastore_search
    query: str = ""  # the request's query string (a GET's parameters)
    method: str = "GET"
    _entries: list[CatalogEntry] | None = field(default=None, repr=False)

    def entries(self) -> list[CatalogEntry]:
        """Every catalog entry the caller is shown."""
        if self._entries is None:
            self._entries = self.platform.catalog.entries(self.caller)
        return self._entries

    def packages(self) -> list[tuple[CatalogEntry, dict[str, Any]]]:
        return [(entry, package(entry, self.base_url)) for entry in self.entries()]

    def entry(self, key: str) -> CatalogEntry:
        """A dataset by id or name, as CKAN finds a package (the id first); Not Found when the
        caller is not shown it."""
        numeric = key.isascii() and key.isdigit() and len(key) <= 18
        if numeric or not key.isdigit():  # (the catalog takes any text of digits for an id)
            try:
                return self.platform.catalog.entry(self.caller, int(key) if numeric else key)
            except NotFound:
                pass
        for entry in self.entries() if key.isdigit() else ():  # a name of digits only
            if entry.name == key:
                return entry
        raise NotFoundError("Dataset not found")


Run = Callable[[Context, Params], Any]


@dataclass(frozen=True)
class Action:
    """One action of the API: its function and, for `help_show`, its documentation."""

    name: str
    run: Run
    help: str
