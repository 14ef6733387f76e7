"""Files from the city's own systems: CSV, Excel (xlsx), GeoJSON and GeoPackage, read record by
record (`readers.py`), coordinates made WGS 84 (`crs.py`), mapped with the web-api kind's
declarative mapping (`connector.py`). The config's schema is the file's own members and the
mapping members of the web-api schema."""

import tomllib
from pathlib import Path

from stadsdata.sources.file.connector import FileConnector, config_schema
from stadsdata.sources.file.demo import TreeRegisterDemo
from stadsdata.sources.kind import Manifest, SourceKind

_MANIFEST = Path(__file__).with_name("manifest.toml")
KIND = SourceKind(
    Manifest.parse(tomllib.loads(_MANIFEST.read_text(encoding="utf-8")) | {"config": config_schema()}, where=str(_MANIFEST)),
    connector=FileConnector(),
    demo=TreeRegisterDemo(),
)
