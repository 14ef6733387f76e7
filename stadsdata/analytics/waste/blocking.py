"""Streets a full garage blocks. A garage is full when its occupancy — (capacity − vacant) / capacity
— is at or above `occupancy_percent`, or when fewer than `min_vacant` places are vacant (when that
rule is asked for; it also holds for a garage whose capacity is unknown). The queue of a full
garage stands in the street at its entrance: the street piece the garage's point is attached to,
from the crossing on one side of it to the crossing on the other (`StreetGraph.street_around`), is
closed to the truck while the garage is full."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stadsdata.analytics.waste.graph import StreetGraph
from stadsdata.analytics.waste.readings import Site


@dataclass(frozen=True)
class GarageState:
    garage: Site
    occupancy_percent: float | None  # None: capacity unknown
    full: bool

    def as_json(self) -> dict[str, Any]:
        return {**self.garage.as_json(), "vacant": self.garage.value, "capacity": self.garage.capacity,
                "occupancyPercent": None if self.occupancy_percent is None else round(self.occupancy_percent, 1), "full": self.full}  # fmt: skip


def garage_state(garage: Site, occupancy_percent: float, min_vacant: float | None) -> GarageState:
    occupancy = None
    if garage.capacity:
        occupancy = max(0.0, min(100.0, 100.0 * (garage.capacity - garage.value) / garage.capacity))
    full = (occupancy is not None and occupancy >= occupancy_percent) or (min_vacant is not None and garage.value < min_vacant)
    return GarageState(garage, occupancy, full)


def blocked_street(graph: StreetGraph, node: int) -> list[int]:
    """The edges of the street (crossing to crossing) through `node`, a garage's attachment point."""
    edges: set[int] = set()
    for edge in graph.edges_at(node).tolist():
        edges.update(graph.street_around(edge))
    return sorted(edges)


def street_json(graph: StreetGraph, edges: list[int], state: GarageState) -> dict[str, Any]:
    """A blocked street as the answer names it: its name, length, line and the garage that blocks it."""
    names = sorted({graph.names[e] for e in edges if graph.names[e]})
    lines = [[_position(graph, int(graph.u[e])), _position(graph, int(graph.v[e]))] for e in edges]
    length = float(graph.lengths()[edges].sum()) if edges else 0.0
    occupancy = "" if state.occupancy_percent is None else f"{state.occupancy_percent:.0f} % occupied, "
    return {"street": ", ".join(names) or None, "lengthM": round(length, 1), "geometry": {"type": "MultiLineString", "coordinates": lines},
            "garage": state.as_json(), "reason": f"{state.garage.name}: {occupancy}{state.garage.value:g} places vacant"}  # fmt: skip


def _position(graph: StreetGraph, node: int) -> list[float]:
    return [round(float(c), 7) for c in graph.lonlat[node]]
