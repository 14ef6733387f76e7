"""Query options written back as text (for expanded nextLinks) parse to the same tree."""

from __future__ import annotations

import dataclasses

import pytest

from stadsdata.query import ast
from stadsdata.query.parser import parse_expand, parse_filter
from stadsdata.query.unparse import expand_to_text, expr_to_text, options_to_query


def _strip(node: object) -> object:
    """The tree without positions."""
    if isinstance(node, tuple):
        return tuple(_strip(n) for n in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        values = {f.name: _strip(getattr(node, f.name)) for f in dataclasses.fields(node) if f.name != "pos"}
        return (type(node).__name__, tuple(sorted(values.items())))
    if isinstance(node, list):
        return [_strip(n) for n in node]
    return node


@pytest.mark.parametrize(
    "text",
    [
        "result gt 5 and not (Datastream/name eq 'it''s')",
        "phenomenonTime sub duration'PT0.000001S' ge 0001-01-01T00:00:00Z",
        "geo.intersects(location, geography'POINT(1 2)') or substringof('a', name)",
        "-(result) mul 2 add 3.5 le 10 div 4 mod 3",
        "date(phenomenonTime) eq 2024-03-01 and time(phenomenonTime) lt 12:30:00",
        "properties/owner/name ne null and result eq true",
        "round(result) eq floor(1.5e3)",
    ],
)
def test_filter_round_trip(text: str) -> None:
    tree = parse_filter(text)
    assert _strip(parse_filter(expr_to_text(tree))) == _strip(tree)


def test_expand_round_trip() -> None:
    text = "Datastreams($select=id,name;$filter=name eq 'x';$orderby=id desc;$top=3;$skip=1;$count=true;$expand=Observations($top=1))"
    items = parse_expand(text)
    again = parse_expand(",".join(expand_to_text(e) for e in items))
    assert _strip(again) == _strip(items)


def test_options_to_query_sets_paging() -> None:
    options = ast.QueryOptions(filter=parse_filter("result gt 1"), top=5, skip=0)
    query = options_to_query(options, skip=10, top=5)
    assert "$top=5" in query and "$skip=10" in query and "$filter=" in query
