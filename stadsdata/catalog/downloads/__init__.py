"""Downloads of the catalog's data (`docs/downloads.md`): a dataset's observations or those of any
selection of streams (by id, dataset, ObservedProperty, area and time) as CSV, GeoJSON or Parquet,
streamed from the database chunk by chunk with the licence and attribution in the file or beside
it (`download.py`); and a party's own export of everything the platform holds about it
(`export.py`). Every read goes through the caller's read scope and is audited like any other."""

from stadsdata.catalog.downloads.download import Download, Downloads, Limits
from stadsdata.catalog.downloads.export import PersonalExport
from stadsdata.catalog.downloads.selection import FORMATS, Selection, parse_selection

__all__ = ["FORMATS", "Download", "Downloads", "Limits", "PersonalExport", "Selection", "parse_selection"]
