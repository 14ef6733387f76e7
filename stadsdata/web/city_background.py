"""The demo city's own background map for the web UI's maps (`demo/basemap.py`): drawn when map
tiles do not load — no network — or when the `basemap` setting is `none`. Only a server that runs
the demo city has it: `serve --demo`, or a database the demo city was seeded into (`stadsdata demo`,
then `serve` without `--demo`, e.g. with `--workers`). Any other server keeps the plain background."""

from __future__ import annotations

import time
from typing import Any

from stadsdata.demo.basemap import ATTRIBUTION
from stadsdata.demo.city import CITY
from stadsdata.demo.seed import is_seeded
from stadsdata.settings import Settings
from stadsdata.store.base import Store

PATH = "/demo/background.geojson"
_LOOK_AGAIN_S = 60.0  # a database without the demo city is asked again after this long (it may be seeded meanwhile)


class CityBackground:
    """Whether this server runs the demo city, and what a page's configuration says about its background."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._seeded = False
        self._next_look = 0.0

    def available(self) -> bool:
        if self._settings.demo or self._seeded:
            return True
        if time.monotonic() >= self._next_look:
            self._next_look = time.monotonic() + _LOOK_AGAIN_S
            self._seeded = _holds_demo_city(self._store)
        return self._seeded

    def page_config(self, lang: str) -> dict[str, Any] | None:
        """`cityBackground` of a page's configuration: where the scripts fetch it, and its attribution."""
        if not self.available():
            return None
        return {"url": PATH, "attribution": ATTRIBUTION.get(lang, ATTRIBUTION["nl"])}


def _holds_demo_city(store: Store) -> bool:
    """The demo city was seeded here, and by its municipality's name not some other city's data."""
    if not is_seeded(store):
        return False
    with store.read_only() as tx:
        return tx.access.party_id(CITY) is not None
