"""The DCAT face: the data catalog as DCAT-AP-NL 3.0 RDF (Turtle, JSON-LD, RDF/XML) for
harvesters such as data.overheid.nl — the catalog paged with Hydra at /catalog.ttl|.jsonld|.rdf
and each dataset at /datasets/{id}.ttl|.jsonld|.rdf, both also by content negotiation. It draws
only on the catalog core (`stadsdata.catalog`), which decides per caller what is shown."""
