"""The analyses the cities ask for, below the faces and above the store (issue 17): one
sub-package per analysis — `aggregates/` (statistics per interval, from the hourly rollups where
the interval allows), `alerts/` (rules evaluated as data is committed, and their deliveries),
`air_quality/` (exceedances of the EU limit values and the WHO guidelines), `charging/` (EV
charge-point occupancy, placement advice, peak shaving). Each reads through the same access scope
as every other read; the faces (`api/management/`, `api/sta/`, `web/`) only expose them."""
