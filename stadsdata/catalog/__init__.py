"""The data catalog: what data there is, described so that people and harvesters find it
(DCAT-AP-NL metadata, search and facets), downloads of any selection, the sensor register and
the processing register. A domain package below the faces (`api/ckan`, `api/dcat`, the web UI)
and above management and the store; every read goes through the one access scope."""
