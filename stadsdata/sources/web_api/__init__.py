"""Any JSON or CSV web API with a declarative mapping (`connector.py`, `mapping.py`), and ready
mappings (`presets/`) such as SPDP v2 parking data and NDW charge point status. The config's
JSON Schema is `config.schema.json`, added to the manifest here."""

import tomllib
from pathlib import Path

from stadsdata.sources.kind import Manifest, SourceKind
from stadsdata.sources.web_api.connector import WebApi
from stadsdata.sources.web_api.demo import SpdpDemo
from stadsdata.sources.web_api.mapping import config_schema

_MANIFEST = Path(__file__).with_name("manifest.toml")
KIND = SourceKind(
    Manifest.parse(
        tomllib.loads(_MANIFEST.read_text(encoding="utf-8")) | {"config": config_schema()}, where=str(_MANIFEST)
    ),
    connector=WebApi(),
    demo=SpdpDemo(),
)
