"""OData query options: the AST (`query.ast`) and its parser (`query.parser`)."""

from stadsdata.query.parser import (
    parse_expand,
    parse_filter,
    parse_orderby,
    parse_query_options,
    parse_select,
)

__all__ = ["parse_expand", "parse_filter", "parse_orderby", "parse_query_options", "parse_select"]
