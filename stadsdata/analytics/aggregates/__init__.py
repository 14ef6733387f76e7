"""Aggregates of Datastreams' numeric results per calendar interval in a time zone (issue 17): count,
sum, min, max, mean, stddev, first, last and percentiles, over a selection of streams, from the hourly
rollups where that is exact and from the raw observations otherwise. `intervals.py` makes the
buckets, `functions.py` computes the statistics, `selection.py` finds the streams in the caller's
scope, `compute.py` puts them together."""
