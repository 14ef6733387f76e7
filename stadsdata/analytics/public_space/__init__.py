"""Green and public space (issue 17, Eersel): a mow-when-needed list from grass-height sensors
(`mowing.py`), groundwater levels with their trend against thresholds (`groundwater.py`), and street
lights that failed or burn by day (`street_lights.py`, with the sun's height from `sun.py`). Each
reads the streams of one ObservedProperty through the caller's access scope (`readings.py`)."""
