"""Shortest paths on a street graph (scipy's Dijkstra over a sparse matrix), with some street pieces
closed: a closed piece is left out of the matrix, so no path uses it. The matrix of distances
between the depot and the stops is what the routing solver orders the stops by; the paths of the
legs driven give the route's line along the streets.

Memory stays bounded on a large city: Dijkstra runs from at most `CHUNK` sources at a time and keeps
only the distances between the sources (and, for the legs, the paths asked for)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra

from stadsdata.analytics.waste.graph import StreetGraph

CHUNK = 64  # sources per Dijkstra run


class StreetPaths:
    """The open streets of a graph (two-way) as a sparse matrix, and shortest paths over them."""

    def __init__(self, graph: StreetGraph, closed: Collection[int] = ()) -> None:
        keep = np.ones(len(graph.u), dtype=bool)
        keep[list(closed)] = False
        # Dijkstra leaves out edges of weight 0 in a sparse matrix: two nodes at one point get 1 mm.
        lengths = np.maximum(graph.lengths()[keep], 1e-3)
        u, v = graph.u[keep], graph.v[keep]
        n = graph.node_count()
        rows, cols, weights = np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([lengths, lengths])
        order = np.lexsort((weights, rows * n + cols))  # of parallel pieces between two nodes the shortest counts
        pick = order[np.unique((rows * n + cols)[order], return_index=True)[1]]
        self.matrix: csr_matrix = coo_matrix((weights[pick], (rows[pick], cols[pick])), shape=(n, n)).tocsr()

    def reach(self, source: int) -> np.ndarray:
        """(nodes,) metres from `source` to every node (inf: not reachable)."""
        return np.atleast_2d(dijkstra(self.matrix, directed=True, indices=[source]))[0]

    def between(self, sources: Sequence[int]) -> np.ndarray:
        """(sources, sources) metres between the nodes (inf: not reachable)."""
        out = np.empty((len(sources), len(sources)))
        for start in range(0, len(sources), CHUNK):
            rows = np.atleast_2d(dijkstra(self.matrix, directed=True, indices=list(sources[start : start + CHUNK])))
            out[start : start + CHUNK] = rows[:, list(sources)]
        return out

    def paths(self, legs: Sequence[tuple[int, int]]) -> list[list[int]]:
        """The nodes of a shortest path of each (from, to) leg, both ends included ([]: not reachable)."""
        by_source: dict[int, list[int]] = {}
        for i, (a, _) in enumerate(legs):
            by_source.setdefault(a, []).append(i)
        out: list[list[int]] = [[] for _ in legs]
        sources = list(by_source)
        for start in range(0, len(sources), CHUNK):
            chunk = sources[start : start + CHUNK]
            dist, pred = dijkstra(self.matrix, directed=True, indices=chunk, return_predecessors=True)
            dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
            for row, source in enumerate(chunk):
                for i in by_source[source]:
                    target = legs[i][1]
                    if not np.isfinite(dist[row, target]):
                        continue
                    nodes = [target]
                    while nodes[-1] != source:
                        nodes.append(int(pred[row, nodes[-1]]))
                    out[i] = nodes[::-1]
        return out
