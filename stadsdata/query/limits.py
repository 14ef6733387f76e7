"""How large a query may be: each limit is a setting (`max_expand_depth`, `max_filter_depth`,
`max_filter_nodes`), and a query past one is a 400 naming the option and the setting."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueryLimits:
    max_expand_depth: int = 16  # `$expand` nested inside an `$expand`, this many times at most
    max_expression_depth: int = 200  # levels of a `$filter`/`$orderby` tree (the store walks it recursively)
    max_expression_nodes: int = 2_000  # operators, functions, paths and literals in one expression


DEFAULT_LIMITS = QueryLimits()
