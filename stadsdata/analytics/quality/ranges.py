"""The values a measurement can physically have, by its unit, for the out-of-range check. A
Datastream's own `properties.validRange` ([min, max], either may be null) takes precedence: an owner
who knows the instrument (a groundwater well's depth, a garage's capacity) says so there.

The table holds only physical bounds (a concentration or a count below zero, a relative humidity
above 100 %), not limits of what is likely: a value within them may still be an outlier, which
`checks.py` finds statistically."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Range = tuple[float | None, float | None]

# Unit symbols (as the demo, Luchtmeetnet and the other source kinds write them; compared without
# case and spaces) → (lowest, highest) physically possible value.
_BY_SYMBOL: dict[str, Range] = {
    "µg/m3": (0, None), "ug/m3": (0, None), "µg/m³": (0, None), "mg/m3": (0, None), "ppm": (0, None), "ppb": (0, None),
    "%": (0, 100), "%rh": (0, 100),
    "°c": (-90, 60), "degc": (-90, 60), "cel": (-90, 60),  # the air at the earth's surface
    "k": (0, None),
    "hpa": (850, 1090), "mbar": (850, 1090),  # air pressure at sea level and below
    "db": (0, 194), "db(a)": (0, 194), "dba": (0, 194),
    "kwh": (0, None), "wh": (0, None), "kw": (None, None), "w": (None, None),
    "m/s": (0, 115), "km/h": (0, 410), "mm": (0, None), "mm/h": (0, None), "lux": (0, 150_000), "lx": (0, 150_000),
    "count": (0, None), "{count}": (0, None), "vehicles": (0, None), "1": (None, None),
}  # fmt: skip


def valid_range(datastream: Mapping[str, Any]) -> Range:
    """(lowest, highest) plausible result of this Datastream, either None when unbounded."""
    own = (datastream.get("properties") or {}).get("validRange")
    if isinstance(own, list | tuple) and len(own) == 2 and all(v is None or isinstance(v, int | float) for v in own):
        return (own[0], own[1])
    symbol = str((datastream.get("unitOfMeasurement") or {}).get("symbol") or "").replace(" ", "").lower()
    return _BY_SYMBOL.get(symbol, (None, None))
