"""The CKAN face: a read-only subset of the CKAN Action API at /api/3/action (and /api/action)
over the data catalog (`stadsdata/catalog/`) and, through `datastore_search`, the observations
of the datasets' Datastreams. docs/ckan.md describes what is served and how it maps."""
