"""A street graph: crossings and street vertices as nodes (longitude/latitude), straight street
pieces between them as edges (length in metres, the street's name). Built from polylines
(`streets_geojson.py` reads them from GeoJSON); every vertex of a polyline is a node, and two
polylines are joined where they share a vertex (to 1 cm).

Lengths and distances are in a local flat projection round the graph's mean point (metres east and
north; the error is below 0.1 % over a city's extent). A point — a container, a garage, the depot —
is attached to the street piece nearest to it: `attach` splits that piece at the point's foot, so
the truck stops on the street beside it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
_NODE_DECIMALS = 7  # vertices closer than ~1 cm are one node

LonLat = tuple[float, float]


@dataclass(frozen=True)
class Attachment:
    node: int  # the node the point is attached to (a new one at its foot on the street, or a crossing)
    distance_m: float  # from the point to the street


@dataclass
class StreetGraph:
    lonlat: np.ndarray  # (nodes, 2) longitude, latitude
    u: np.ndarray  # (edges,) node ids of each edge's ends
    v: np.ndarray
    names: list[str]  # each edge's street name ('' when it has none)
    origin: LonLat  # of the local projection
    depot: LonLat | None = None  # the depot the streets' file names, if any

    @classmethod
    def from_lines(cls, lines: Sequence[tuple[str, Sequence[LonLat]]], depot: LonLat | None = None) -> StreetGraph:
        """A graph of (name, [(lon, lat), …]) polylines."""
        index: dict[tuple[float, float], int] = {}
        points: list[LonLat] = []
        u: list[int] = []
        v: list[int] = []
        names: list[str] = []

        def node(lon: float, lat: float) -> int:
            key = (round(lon, _NODE_DECIMALS), round(lat, _NODE_DECIMALS))
            if key not in index:
                index[key] = len(points)
                points.append(key)
            return index[key]

        for name, coords in lines:
            ids = [node(float(lon), float(lat)) for lon, lat in coords]
            for a, b in zip(ids, ids[1:], strict=False):
                if a != b:
                    u.append(a)
                    v.append(b)
                    names.append(name)
        if not u:
            raise ValueError("the streets hold no street of two or more distinct points")
        lonlat = np.array(points, dtype=float)
        origin = (float(lonlat[:, 0].mean()), float(lonlat[:, 1].mean()))
        return cls(lonlat, np.array(u), np.array(v), names, origin, depot)

    # -- geometry ------------------------------------------------------------------------------
    def to_metres(self, lonlat: np.ndarray) -> np.ndarray:
        """(…, 2) longitude/latitude as metres east and north of the origin."""
        scale = np.array([METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(self.origin[1])), METRES_PER_DEGREE_LAT])
        return (np.asarray(lonlat, dtype=float) - np.array(self.origin)) * scale

    @cached_property
    def xy(self) -> np.ndarray:
        """(nodes, 2) metres east and north of the origin (computed once: the graph is not changed in place)."""
        return self.to_metres(self.lonlat)

    @cached_property
    def _segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each edge's start (metres), its vector to the end and that vector's squared length."""
        a = self.xy[self.u]
        ab = self.xy[self.v] - a
        return a, ab, np.einsum("ij,ij->i", ab, ab)

    def edges_at(self, node: int) -> np.ndarray:
        """The edges that end at `node`."""
        return np.flatnonzero((self.u == node) | (self.v == node))

    def lengths(self) -> np.ndarray:
        xy = self.xy
        return np.hypot(*(xy[self.v] - xy[self.u]).T)

    def node_count(self) -> int:
        return len(self.lonlat)

    def components(self) -> np.ndarray:
        """(nodes,) the connected part of the street network each node lies in (a label)."""
        n = self.node_count()
        return connected_components(coo_matrix((np.ones(len(self.u)), (self.u, self.v)), shape=(n, n)), directed=False)[1]

    def nearest_edge(self, point: LonLat, among: np.ndarray | None = None) -> tuple[int, float, float]:
        """(edge, fraction along it from u to v of the point's foot, distance in metres); the
        nearest of the edges where the mask `among` is true, if given (and any is)."""
        p = self.to_metres(np.array(point))
        a, ab, span = self._segments
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(span > 0, span, 1), 0, 1)
        foot = a + ab * t[:, None]
        dist = np.hypot(*(foot - p).T)
        best = int(np.argmin(np.where(among, dist, np.inf) if among is not None and among.any() else dist))
        return best, float(t[best]), float(dist[best])

    # -- changing the graph --------------------------------------------------------------------
    def attach(self, points: Sequence[LonLat], within: float | None = None) -> tuple[StreetGraph, list[Attachment]]:
        """A copy of the graph with each point attached to its nearest street piece: the piece is
        split at the point's foot (a foot within 1 cm of an end is that end). With `within` (metres)
        the points after the first are attached to the nearest piece of the first one's connected
        part of the network if one is that near, so that a stray bit of street beside a container
        does not cut it off from the depot."""
        found = [self.nearest_edge(p) for p in points[:1]]
        main = None
        if within is not None and found:
            labels = self.components()
            main = labels[self.u] == labels[self.u[found[0][0]]]
        for p in points[1:]:
            near = self.nearest_edge(p, main) if main is not None else None
            found.append(near if near is not None and near[2] <= (within or 0) else self.nearest_edge(p))
        lonlat = [tuple(row) for row in self.lonlat.tolist()]
        u, v, names = self.u.tolist(), self.v.tolist(), list(self.names)
        feet: dict[int, list[tuple[float, int]]] = {}  # edge -> [(fraction, point index)]
        attachments: list[Attachment | None] = [None] * len(points)
        length = self.lengths()
        for i, (edge, t, dist) in enumerate(found):
            along = t * length[edge]
            if along < 0.01 or length[edge] - along < 0.01:
                attachments[i] = Attachment(int(self.u[edge] if along < 0.01 else self.v[edge]), dist)
            else:
                feet.setdefault(edge, []).append((t, i))
        split: set[int] = set()
        for edge, cuts in feet.items():
            split.add(edge)
            a, b = self.lonlat[self.u[edge]], self.lonlat[self.v[edge]]
            chain = [int(self.u[edge])]
            for t, i in sorted(cuts):
                lonlat.append(tuple((a + (b - a) * t).tolist()))
                chain.append(len(lonlat) - 1)
                attachments[i] = Attachment(len(lonlat) - 1, found[i][2])
            chain.append(int(self.v[edge]))
            for x, y in zip(chain, chain[1:], strict=False):
                u.append(x)
                v.append(y)
                names.append(self.names[edge])
        keep = [e for e in range(len(u)) if e not in split]
        graph = StreetGraph(np.array(lonlat, dtype=float), np.array(u)[keep], np.array(v)[keep], [names[e] for e in keep],
                            self.origin, self.depot)  # fmt: skip
        return graph, [a for a in attachments if a is not None]

    def street_around(self, edge: int) -> list[int]:
        """The edges of the street between the crossings on either side of `edge`: `edge` and on
        through nodes where only two edges of the same street name meet, up to a node where one,
        three or more edges meet or another street begins."""
        degree = np.bincount(np.concatenate([self.u, self.v]), minlength=self.node_count())
        found = {edge}
        for start in (int(self.u[edge]), int(self.v[edge])):
            node, came = start, edge
            while degree[node] == 2:
                onward = next(int(e) for e in self.edges_at(node) if e != came)
                if onward in found or self.names[onward] != self.names[came]:
                    break  # a loop of through nodes, or a corner where another street begins
                found.add(onward)
                node = int(self.v[onward] if self.u[onward] == node else self.u[onward])
                came = onward
        return sorted(found)
