"""Data quality of a Datastream (issue 17): gaps, outliers, flat lines, out-of-range values and late
data over a time range — `checks.py` finds them in a stream's readings (no I/O), `ranges.py` knows
what values are plausible for a unit, `report.py` reads the readings through the caller's access
scope. Served at `/api/v1/datastreams/{id}/quality` and shown on the sensor page."""
