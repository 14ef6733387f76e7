"""The alert rule kinds, by the name a rule's `kind` gives: each a `Condition` made from the rule's
`params` (validated, 400 naming the field)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stadsdata.analytics.alerts.air_quality_limit import AirQualityLimit
from stadsdata.analytics.alerts.condition import Condition
from stadsdata.analytics.alerts.data_quality import DataQuality
from stadsdata.analytics.alerts.rate_of_change import RateOfChange
from stadsdata.analytics.alerts.stale import Stale
from stadsdata.analytics.alerts.stuck import Stuck
from stadsdata.analytics.alerts.threshold import Threshold

KINDS: dict[str, Callable[[Mapping[str, Any]], Condition]] = {
    "threshold": Threshold.from_params,
    "rate_of_change": RateOfChange.from_params,
    "stuck": Stuck.from_params,
    "stale": Stale.from_params,
    "air_quality": AirQualityLimit.from_params,
    "data_quality": DataQuality.from_params,
}


def condition(kind: str, params: Mapping[str, Any]) -> Condition:
    """The condition of a rule of this kind with these params."""
    return KINDS[kind](params)
