"""The statistics of a bucket: count, sum, min, max, mean, stddev (the sample standard deviation,
n − 1), first and last (by phenomenon time), and percentiles `p<q>` for q in [0, 100] (linear
interpolation between the closest ranks, as numpy's default). From raw values every one is exact;
from hourly rollups only count, sum, min, max, mean and stddev can be had (`FROM_ROLLUPS`)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from stadsdata.errors import BadRequest

FROM_ROLLUPS = frozenset({"count", "sum", "min", "max", "mean", "stddev"})
NAMED = ("count", "sum", "min", "max", "mean", "stddev", "first", "last")
_PERCENTILE = re.compile(r"^p(\d{1,3}(\.\d+)?)$")


def parse_functions(text: str) -> list[str]:
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if not names:
        raise BadRequest("functions: name at least one of " + ", ".join(NAMED) + " or a percentile such as p95", field="functions")
    for name in names:
        match = _PERCENTILE.match(name)
        if name not in NAMED and (match is None or not 0 <= float(match[1]) <= 100):
            raise BadRequest(f"functions: unknown function '{name}'; known: {', '.join(NAMED)}, p0 … p100", field="functions")
    return list(dict.fromkeys(names))


@dataclass
class Bucket:
    """What is folded into one bucket: sums (from rollups or values), and the values themselves
    when a function needs them."""

    count: int = 0
    sum: float = 0.0
    sum_squares: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    values: list[float] = field(default_factory=list)  # in phenomenon-time order (raw path only)

    def add_value(self, value: float, keep: bool) -> None:
        self.count += 1
        self.sum += value
        self.sum_squares += value * value
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        if keep:
            self.values.append(value)

    def add_hour(self, count: int, total: float, low: float, high: float, squares: float) -> None:
        self.count += count
        self.sum += total
        self.sum_squares += squares
        self.min = min(self.min, low)
        self.max = max(self.max, high)

    def result(self, functions: list[str]) -> dict[str, Any]:
        return {name: self._one(name) for name in functions}

    def _one(self, name: str) -> float | int | None:
        n = self.count
        if name == "count":
            return n
        if n == 0:
            return None
        if name == "sum":
            return self.sum
        if name == "min":
            return self.min
        if name == "max":
            return self.max
        if name == "mean":
            return self.sum / n
        if name == "stddev":
            if n < 2:
                return None
            if self.values:
                mean = math.fsum(self.values) / n
                return math.sqrt(math.fsum((v - mean) ** 2 for v in self.values) / (n - 1))
            return math.sqrt(max(0.0, (self.sum_squares - self.sum * self.sum / n) / (n - 1)))
        if name == "first":
            return self.values[0]
        if name == "last":
            return self.values[-1]
        return percentile(sorted(self.values), float(name[1:]))


def percentile(ordered: list[float], q: float) -> float:
    """The q-th percentile of sorted values, interpolated linearly between the closest ranks."""
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def needs_values(functions: list[str]) -> bool:
    """Whether a function needs the values themselves (not only their sums)."""
    return any(name not in FROM_ROLLUPS for name in functions) or "stddev" in functions
