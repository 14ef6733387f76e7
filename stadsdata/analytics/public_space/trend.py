"""A least-squares slope through (time, value) points: the trend of a level or a growth rate."""

from __future__ import annotations

from datetime import datetime


def slope_per_day(points: list[tuple[datetime, float]]) -> float | None:
    """Units per day of the least-squares line through the points; None with fewer than two distinct times."""
    if len(points) < 2:
        return None
    t0 = points[0][0]
    xs = [(t - t0).total_seconds() / 86_400 for t, _ in points]
    ys = [v for _, v in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread
