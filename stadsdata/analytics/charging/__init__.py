"""EV charging analyses (issue 17, Utrecht): occupancy and energy per charge point, area and hour
(`occupancy.py`), where new charge points are most needed (`placement.py`) and a peak-shaving
schedule under the grid's capacity (`peak_shaving.py`). `docs/analytics.md`, "EV charging"."""
