"""Waste collection (issue 17, Rotterdam Box 6): a route proposal for the waste company's truck over
the containers whose fill level reached a threshold, around the streets that full garages block —
planned from the data the caller may read (the waste company's rights, e.g. garage occupancy
shared under an agreement). The street graph (`graph.py`, read from GeoJSON by
`streets_geojson.py`), shortest paths (`paths.py`, scipy), the visiting order (`solver.py`,
OR-Tools), the garages' rule (`blocking.py`), the reads (`readings.py`) and the plan (`plan.py`)."""
