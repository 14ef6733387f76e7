"""Tests for the OData/SensorThings query option parser (stadsdata.query.parser)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from stadsdata.errors import QuerySyntaxError
from stadsdata.query.ast import (
    FUNCTION_ARITY,
    BinaryOp,
    Expand,
    FunctionCall,
    Literal,
    Negate,
    Not,
    OrderBy,
    Path,
    QueryOptions,
)
from stadsdata.query.limits import DEFAULT_LIMITS, QueryLimits
from stadsdata.query.parser import (
    parse_expand,
    parse_filter,
    parse_orderby,
    parse_query_options,
    parse_select,
)

MAX_DEPTH = DEFAULT_LIMITS.max_expression_depth
MAX_EXPAND_DEPTH = DEFAULT_LIMITS.max_expand_depth


def P(*segments: str) -> Path:
    return Path(tuple(segments))


def L(value: object, kind: str) -> Literal:
    return Literal(value, kind)  # type: ignore[arg-type]


def strip(node: object) -> object:
    """The node with every `pos` set to 0, to compare shapes without positions."""
    if isinstance(node, BinaryOp):
        return BinaryOp(node.op, strip(node.left), strip(node.right))
    if isinstance(node, Not):
        return Not(strip(node.operand))
    if isinstance(node, Negate):
        return Negate(strip(node.operand))
    if isinstance(node, FunctionCall):
        return FunctionCall(node.name, tuple(strip(a) for a in node.args))
    if isinstance(node, Path):
        return Path(node.segments)
    if isinstance(node, Literal):
        return Literal(node.value, node.kind)
    if isinstance(node, OrderBy):
        return OrderBy(strip(node.expr), node.descending)
    raise AssertionError(node)


def f(text: str) -> object:
    return strip(parse_filter(text))


def fails(func, text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as info:
        func(text)
    return info.value


# --- operators and precedence ---------------------------------------------------------


@pytest.mark.parametrize("op", ["eq", "ne", "gt", "ge", "lt", "le", "add", "sub", "mul", "div", "mod"])
def test_binary_operators(op: str) -> None:
    assert f(f"a {op} 1") == BinaryOp(op, P("a"), L(1, "int"))


@pytest.mark.parametrize("op", ["and", "or"])
def test_logical_operators(op: str) -> None:
    assert f(f"a {op} b") == BinaryOp(op, P("a"), P("b"))


def test_not_and_unary_minus() -> None:
    assert f("not a") == Not(P("a"))
    assert f("not (a eq 1)") == Not(BinaryOp("eq", P("a"), L(1, "int")))
    assert f("-a") == Negate(P("a"))
    assert f("-(1)") == Negate(L(1, "int"))
    assert f("not not a") == Not(Not(P("a")))


def test_negative_number_is_a_literal() -> None:
    assert f("a eq -5") == BinaryOp("eq", P("a"), L(-5, "int"))
    assert f("-1.5 lt a") == BinaryOp("lt", L(-1.5, "float"), P("a"))
    assert f("a sub -2") == BinaryOp("sub", P("a"), L(-2, "int"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # mul binds tighter than add
        ("a add b mul c", BinaryOp("add", P("a"), BinaryOp("mul", P("b"), P("c")))),
        ("a mul b add c", BinaryOp("add", BinaryOp("mul", P("a"), P("b")), P("c"))),
        ("a div b mod c", BinaryOp("mod", BinaryOp("div", P("a"), P("b")), P("c"))),
        # add binds tighter than comparison
        ("a add 1 gt b", BinaryOp("gt", BinaryOp("add", P("a"), L(1, "int")), P("b"))),
        # relational binds tighter than equality
        ("a lt b eq c", BinaryOp("eq", BinaryOp("lt", P("a"), P("b")), P("c"))),
        ("a eq b ge c", BinaryOp("eq", P("a"), BinaryOp("ge", P("b"), P("c")))),
        # equality binds tighter than and, and tighter than or
        (
            "a eq 1 and b ne 2",
            BinaryOp("and", BinaryOp("eq", P("a"), L(1, "int")), BinaryOp("ne", P("b"), L(2, "int"))),
        ),
        ("a or b and c", BinaryOp("or", P("a"), BinaryOp("and", P("b"), P("c")))),
        ("a and b or c", BinaryOp("or", BinaryOp("and", P("a"), P("b")), P("c"))),
        # left associativity
        ("a sub b sub c", BinaryOp("sub", BinaryOp("sub", P("a"), P("b")), P("c"))),
        ("a div b mul c", BinaryOp("mul", BinaryOp("div", P("a"), P("b")), P("c"))),
        ("a or b or c", BinaryOp("or", BinaryOp("or", P("a"), P("b")), P("c"))),
        ("a and b and c", BinaryOp("and", BinaryOp("and", P("a"), P("b")), P("c"))),
        ("a eq b eq c", BinaryOp("eq", BinaryOp("eq", P("a"), P("b")), P("c"))),
        # parentheses override
        ("(a add b) mul c", BinaryOp("mul", BinaryOp("add", P("a"), P("b")), P("c"))),
        ("a and (b or c)", BinaryOp("and", P("a"), BinaryOp("or", P("b"), P("c")))),
        ("((a))", P("a")),
        # unary operators bind tighter than any binary operator
        ("not a and b", BinaryOp("and", Not(P("a")), P("b"))),
        ("not a eq b", BinaryOp("eq", Not(P("a")), P("b"))),
        ("-a mul b", BinaryOp("mul", Negate(P("a")), P("b"))),
        ("a mul -b", BinaryOp("mul", P("a"), Negate(P("b")))),
    ],
)
def test_precedence(text: str, expected: object) -> None:
    assert f(text) == expected


def test_keywords_are_case_insensitive() -> None:
    assert f("a Eq 1 AND NOT b Or c GT 2") == BinaryOp(
        "or",
        BinaryOp("and", BinaryOp("eq", P("a"), L(1, "int")), Not(P("b"))),
        BinaryOp("gt", P("c"), L(2, "int")),
    )
    assert f("a ADD b MUL c") == BinaryOp("add", P("a"), BinaryOp("mul", P("b"), P("c")))
    assert f("a eq TRUE or b eq Null") == BinaryOp(
        "or", BinaryOp("eq", P("a"), L(True, "bool")), BinaryOp("eq", P("b"), L(None, "null"))
    )


@pytest.mark.parametrize(
    "name", ["order", "notes", "andromeda", "date_x", "eqx", "trueValue", "nullable", "address", "modulus", "descr"]
)
def test_identifiers_starting_with_keywords(name: str) -> None:
    assert f(f"{name} eq 1") == BinaryOp("eq", P(name), L(1, "int"))
    assert f(f"not {name}") == Not(P(name))


def test_keyword_after_slash_is_a_property_name() -> None:
    assert f("properties/and eq 1") == BinaryOp("eq", P("properties", "and"), L(1, "int"))


def test_operator_words_where_an_operand_is_expected_are_names() -> None:
    # The contextual lexer only tries operators after an operand.
    assert f("eq eq 1") == BinaryOp("eq", P("eq"), L(1, "int"))
    assert f("desc/and gt 1") == BinaryOp("gt", P("desc", "and"), L(1, "int"))


def test_whitespace_is_flexible() -> None:
    assert f("  a   eq\t1 ") == f("a eq 1")
    assert f("(a eq 1)and(b eq 2)") == f("a eq 1 and b eq 2")


# --- literals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("'abc'", "abc", "string"),
        ("''", "", "string"),
        ("'it''s'", "it's", "string"),
        ("''''", "'", "string"),
        ("'straße ☀ 日本'", "straße ☀ 日本", "string"),
        ("'a eq b, (c)'", "a eq b, (c)", "string"),
        ("0", 0, "int"),
        ("42", 42, "int"),
        ("-7", -7, "int"),
        ("12345678901234567890", 12345678901234567890, "int"),
        ("1.5", 1.5, "float"),
        ("-0.25", -0.25, "float"),
        ("1e3", 1000.0, "float"),
        ("1.5E-3", 0.0015, "float"),
        ("2e+2", 200.0, "float"),
        ("true", True, "bool"),
        ("false", False, "bool"),
        ("FALSE", False, "bool"),
        ("null", None, "null"),
        ("2020-01-01T00:00:00Z", datetime(2020, 1, 1, tzinfo=UTC), "datetime"),
        ("2020-01-01T12:00:00.123+02:00", datetime(2020, 1, 1, 10, 0, 0, 123000, tzinfo=UTC), "datetime"),
        ("2020-01-01T12:00-01:30", datetime(2020, 1, 1, 13, 30, tzinfo=UTC), "datetime"),
        ("2020-01-01T12:00:00.1234567Z", datetime(2020, 1, 1, 12, 0, 0, 123456, tzinfo=UTC), "datetime"),
        ("2020-01-01T00:30:00+01:00", datetime(2019, 12, 31, 23, 30, tzinfo=UTC), "datetime"),
        ("2020-06-01T08:00:00", datetime(2020, 6, 1, 8, tzinfo=UTC), "datetime"),
        ("2020-01-01", date(2020, 1, 1), "date"),
        ("12:30:00", time(12, 30), "time"),
        ("12:30", time(12, 30), "time"),
        ("23:59:59.5", time(23, 59, 59, 500000), "time"),
        ("duration'P1DT2H'", timedelta(days=1, hours=2), "duration"),
        ("duration'PT30M'", timedelta(minutes=30), "duration"),
        ("duration'PT1.5S'", timedelta(seconds=1.5), "duration"),
        ("duration'P1.5D'", timedelta(hours=36), "duration"),
        ("duration'-P1D'", timedelta(days=-1), "duration"),
        ("duration'P2DT3H4M5.25S'", timedelta(days=2, hours=3, minutes=4, seconds=5.25), "duration"),
        ("DURATION'PT0S'", timedelta(0), "duration"),
        ("geography'POINT(1 2)'", "POINT(1 2)", "geography"),
        ("geometry'POLYGON((0 0,1 0,1 1,0 0))'", "POLYGON((0 0,1 0,1 1,0 0))", "geography"),
        ("geography'SRID=4326;POINT(4.9 52.4)'", "SRID=4326;POINT(4.9 52.4)", "geography"),
    ],
)
def test_literals(text: str, value: object, kind: str) -> None:
    node = parse_filter(f"x eq {text}").right
    assert node == Literal(value, kind, 5)  # type: ignore[arg-type]
    assert type(node.value) is type(value)


def test_datetime_values_are_aware_utc() -> None:
    node = parse_filter("phenomenonTime gt 2020-01-01T12:00:00+05:00").right
    assert node.value.tzinfo is UTC
    assert node.value == datetime(2020, 1, 1, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ("duration'P1Y'", "years or months"),
        ("duration'P2M'", "years or months"),
        ("duration'P1Y2DT3H'", "years or months"),
        ("duration'PT'", "invalid duration"),
        ("duration'P'", "invalid duration"),
        ("duration'1D'", "invalid duration"),
        ("duration'P1H'", "invalid duration"),
        ("duration''", "invalid duration"),
        ("duration'P99999999999D'", "invalid duration"),
        ("geography''", "empty geography"),
        ("geometry'  '", "empty geography"),
        ("2020-13-01", "invalid date"),
        ("2020-02-30T00:00:00Z", "invalid datetime"),
        ("2020-01-01T24:00:00Z", "invalid datetime"),
        ("2020-01-01T10:00:00+25:00", "invalid datetime"),
        ("0001-01-01T00:00:00+01:00", "invalid datetime"),
        ("25:00", "invalid time"),
        ("1e999", "out of range"),
    ],
)
def test_invalid_literals(literal: str, message: str) -> None:
    err = fails(parse_filter, f"a eq {literal}")
    assert message in err.detail
    assert (err.field, err.position) == ("$filter", 5)


# --- paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("result", ("result",)),
        ("id", ("id",)),
        ("@iot.id", ("id",)),
        ("Datastream/@iot.id", ("Datastream", "id")),
        ("Datastream/Thing/name", ("Datastream", "Thing", "name")),
        ("properties/owner/name", ("properties", "owner", "name")),
        ("Datastream/Thing/Locations/location", ("Datastream", "Thing", "Locations", "location")),
        ("parameters/some-key", ("parameters", "some-key")),
        ("parameters/a-b-c/d_e", ("parameters", "a-b-c", "d_e")),
        ("_private/x1", ("_private", "x1")),
    ],
)
def test_paths(text: str, segments: tuple[str, ...]) -> None:
    assert parse_filter(text) == Path(segments, 0)
    assert f(f"{text} eq 1") == BinaryOp("eq", Path(segments), L(1, "int"))


def test_dash_key_does_not_swallow_operators() -> None:
    assert f("parameters/some-key sub -1") == BinaryOp("sub", P("parameters", "some-key"), L(-1, "int"))


@pytest.mark.parametrize(
    ("text", "position"),
    [("a/ b eq 1", 1), ("a /b eq 1", 1), ("a/", 2), ("/a", 0), ("a//b", 2), ("some-key eq 1", 4), ("a/b- eq 1", 3)],
)
def test_invalid_paths(text: str, position: int) -> None:
    assert fails(parse_filter, text).position == position


# --- functions --------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "arities"), sorted(FUNCTION_ARITY.items()))
def test_every_function(name: str, arities: tuple[int, ...]) -> None:
    for arity in arities:
        args = ", ".join(f"a{i}" for i in range(arity))
        node = parse_filter(f"{name}({args})")
        assert node == FunctionCall(name, tuple(Path((f"a{i}",), len(name) + 1 + 4 * i) for i in range(arity)), 0)
        upper = parse_filter(f"{name.upper()}({args})")
        assert upper.name == name
    wrong = max(arities) + 1
    err = fails(parse_filter, f"x eq {name}({', '.join(['1'] * wrong)})")
    assert err.position == 5
    assert f"takes {' or '.join(map(str, arities))} argument" in err.detail
    assert f"got {wrong}" in err.detail


def test_function_calls_in_expressions() -> None:
    assert f("substringof('ab', name) and year(phenomenonTime) eq 2020") == BinaryOp(
        "and",
        FunctionCall("substringof", (L("ab", "string"), P("name"))),
        BinaryOp("eq", FunctionCall("year", (P("phenomenonTime"),)), L(2020, "int")),
    )
    assert f("geo.intersects(location, geography'POINT(1 2)')") == FunctionCall(
        "geo.intersects", (P("location"), L("POINT(1 2)", "geography"))
    )
    assert f("st_within(Thing/Locations/location, geometry'POLYGON((0 0,1 0,0 0))')") == FunctionCall(
        "st_within", (P("Thing", "Locations", "location"), L("POLYGON((0 0,1 0,0 0))", "geography"))
    )
    assert f("round(result mul 2) div 2 gt 1.5") == BinaryOp(
        "gt",
        BinaryOp("div", FunctionCall("round", (BinaryOp("mul", P("result"), L(2, "int")),)), L(2, "int")),
        L(1.5, "float"),
    )
    assert f("tolower(trim(concat(name, 'x'))) eq 'y'") == BinaryOp(
        "eq",
        FunctionCall("tolower", (FunctionCall("trim", (FunctionCall("concat", (P("name"), L("x", "string"))),)),)),
        L("y", "string"),
    )
    assert f("now() gt phenomenonTime") == BinaryOp("gt", FunctionCall("now", ()), P("phenomenonTime"))
    assert f("substring(name, 1, 2)") == FunctionCall("substring", (P("name"), L(1, "int"), L(2, "int")))
    assert f("Geo.Distance(location, geography'POINT(0 0)') lt 5") == BinaryOp(
        "lt", FunctionCall("geo.distance", (P("location"), L("POINT(0 0)", "geography"))), L(5, "int")
    )


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("foo(1)", 0, "unknown function 'foo'"),
        ("a eq bar()", 5, "unknown function 'bar'"),
        ("geo.nothing(a)", 0, "unknown function 'geo.nothing'"),
        ("not(x) and nope(1, 2)", 11, "unknown function 'nope'"),
        ("length()", 0, "function 'length' at position 0 takes 1 argument, got 0"),
        ("now(1)", 0, "takes 0 arguments, got 1"),
        ("st_relate(a, b)", 0, "takes 3 arguments, got 2"),
        ("substring(a)", 0, "takes 2 or 3 arguments, got 1"),
    ],
)
def test_function_errors(text: str, position: int, message: str) -> None:
    err = fails(parse_filter, text)
    assert (err.field, err.position) == ("$filter", position)
    assert message in err.detail


# --- positions --------------------------------------------------------------------------


def test_positions() -> None:
    node = parse_filter("a eq 1 and not (b gt -x)")
    assert node.pos == 0
    assert node.left == BinaryOp("eq", Path(("a",), 0), Literal(1, "int", 5), 0)
    assert node.right.pos == 11  # `not`
    inner = node.right.operand
    assert inner.pos == 15  # the parenthesis
    assert inner.left == Path(("b",), 16)
    assert inner.right == Negate(Path(("x",), 22), 21)
    call = parse_filter("x eq  length(name)").right
    assert call == FunctionCall("length", (Path(("name",), 13),), 6)


# --- syntax errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("name eq 'x' xx 3", 12, "unexpected 'xx' at position 12, expected an operator or end of input"),
        ("name eq", 7, "unexpected end of input at position 7, expected an expression"),
        ("", 0, "unexpected end of input at position 0, expected an expression"),
        ("   ", 3, "unexpected end of input"),
        ("a eq 'abc", 5, "unterminated string literal at position 5"),
        ("a eq #", 5, "unexpected character '#' at position 5, expected an expression"),
        ("(a eq 1", 7, "unexpected end of input at position 7, expected an operator or ')'"),
        ("a eq 1)", 6, "unexpected ')' at position 6, expected an operator or end of input"),
        ("a eqb", 2, "unexpected 'eqb'"),
        ("a eq1", 2, "unexpected 'eq1'"),
        ("a == 1", 2, "unexpected character '='"),
        ("a eq 1 and", 10, "expected an expression"),
        ("and a", 4, "unexpected 'a'"),
        ("length(a b)", 9, "expected an operator, ',' or ')'"),
        ("length(a,)", 9, "expected an expression"),
        ("a desc", 2, "unexpected 'desc'"),
        ("geo.(a)", 4, "expected a name"),
        ("a eq 5m", 6, "unexpected 'm'"),
        ("a eq 1 -5", 7, "unexpected '-5'"),
        ("a eq 2020-01-01T", 15, "unexpected"),
        ("x eq '" + "y" * 50, 5, "unterminated string"),
    ],
)
def test_filter_syntax_errors(text: str, position: int, message: str) -> None:
    err = fails(parse_filter, text)
    assert err.field == "$filter"
    assert err.position == position
    assert message in err.detail


def test_long_tokens_are_shortened_in_messages() -> None:
    err = fails(parse_filter, "a eq 1 " + "z" * 100)
    assert "'zzzzzzzzzzzzzzzzzzzz...'" in err.detail


def test_depth_limit() -> None:
    assert f("not " * (MAX_DEPTH - 1) + "a") is not None
    err = fails(parse_filter, "not " * MAX_DEPTH + "a")
    assert "nested deeper than" in err.detail
    assert err.position == 4 * MAX_DEPTH  # the innermost node
    err = fails(parse_filter, " or ".join(["a eq 1"] * (MAX_DEPTH + 1)))
    assert "nested deeper than" in err.detail
    err = fails(parse_orderby, "x, " + "-" * (MAX_DEPTH + 1) + "a")
    assert err.field == "$orderby"


def test_deep_parentheses_do_not_recurse() -> None:
    assert parse_filter("(" * 5000 + "a" + ")" * 5000) == Path(("a",), 0)
    assert fails(parse_filter, "(" * 5000 + "a").field == "$filter"
    assert fails(parse_filter, "length(" * 3000 + "a" + ")" * 3000).field == "$filter"


# --- $orderby ---------------------------------------------------------------------------


def test_orderby() -> None:
    assert [strip(o) for o in parse_orderby("phenomenonTime DESC")] == [OrderBy(P("phenomenonTime"), True)]
    assert [strip(o) for o in parse_orderby("Datastream/name asc, id, length(name) desc, result Asc")] == [
        OrderBy(P("Datastream", "name"), False),
        OrderBy(P("id"), False),
        OrderBy(FunctionCall("length", (P("name"),)), True),
        OrderBy(P("result"), False),
    ]
    assert [strip(o) for o in parse_orderby("result add 1 desc")] == [
        OrderBy(BinaryOp("add", P("result"), L(1, "int")), True)
    ]
    assert [strip(o) for o in parse_orderby("description desc, ascending")] == [
        OrderBy(P("description"), True),
        OrderBy(P("ascending"), False),
    ]
    assert parse_orderby("a, b desc")[1].expr.pos == 3


@pytest.mark.parametrize(
    ("text", "position"), [("", 0), ("a,", 2), ("a desc desc", 7), ("a b", 2), (",a", 0), ("a desc,,b", 7)]
)
def test_orderby_errors(text: str, position: int) -> None:
    err = fails(parse_orderby, text)
    assert (err.field, err.position) == ("$orderby", position)


# --- $select ----------------------------------------------------------------------------


def test_select() -> None:
    assert parse_select("name") == ["name"]
    assert parse_select("id,name, description ") == ["id", "name", "description"]
    assert parse_select("@iot.id,properties/owner,Datastreams") == ["id", "properties/owner", "Datastreams"]
    assert parse_select("properties/some-key,Thing/@iot.id") == ["properties/some-key", "Thing/id"]


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 0, "missing property name"),
        ("a,,b", 2, "missing property name"),
        ("a, ", 3, "missing property name"),
        ("a b", 0, "invalid property 'a b'"),
        ("id, na me", 4, "invalid property"),
        ("a/", 0, "invalid property"),
        ("1abc", 0, "invalid property"),
        ("a('x')", 0, "invalid property"),
    ],
)
def test_select_errors(text: str, position: int, message: str) -> None:
    err = fails(parse_select, text)
    assert (err.field, err.position) == ("$select", position)
    assert message in err.detail


# --- $expand ----------------------------------------------------------------------------


def test_expand_simple() -> None:
    assert parse_expand("Datastreams") == [Expand(("Datastreams",))]
    assert parse_expand("Datastreams, Locations") == [Expand(("Datastreams",)), Expand(("Locations",))]
    assert parse_expand("Datastreams/Observations") == [Expand(("Datastreams", "Observations"))]


def test_expand_nested_options() -> None:
    text = (
        "Datastreams($select=name,id;$expand=Observations($top=1;$orderby=phenomenonTime desc)),Locations"
    )
    [datastreams, locations] = parse_expand(text)
    assert locations == Expand(("Locations",))
    assert datastreams.path == ("Datastreams",)
    assert datastreams.options.select == ["name", "id"]
    [observations] = datastreams.options.expand
    assert observations.path == ("Observations",)
    assert observations.options.top == 1
    assert [strip(o) for o in observations.options.orderby] == [OrderBy(P("phenomenonTime"), True)]


def test_expand_all_nested_options() -> None:
    text = (
        "Datastreams/Observations($filter=result gt 5 and name eq 'a,b;c)';$select=result, @iot.id;"
        "$orderby=result desc,id;$top=2;$skip=3;$count=true;$expand=FeatureOfInterest($select=name))"
    )
    [item] = parse_expand(text)
    assert item.path == ("Datastreams", "Observations")
    options = item.options
    assert strip(options.filter) == BinaryOp(
        "and", BinaryOp("gt", P("result"), L(5, "int")), BinaryOp("eq", P("name"), L("a,b;c)", "string"))
    )
    assert options.select == ["result", "id"]
    assert [strip(o) for o in options.orderby] == [OrderBy(P("result"), True), OrderBy(P("id"), False)]
    assert (options.top, options.skip, options.count) == (2, 3, True)
    assert options.expand == [Expand(("FeatureOfInterest",), QueryOptions(select=["name"]))]


def test_expand_paths_and_options_together() -> None:
    assert parse_expand("Datastreams/Observations($top=2)") == [
        Expand(("Datastreams", "Observations"), QueryOptions(top=2))
    ]
    assert parse_expand("Thing/Datastreams( $top = 2 ; $count=false ) , Sensor") == [
        Expand(("Thing", "Datastreams"), QueryOptions(top=2, count=False)),
        Expand(("Sensor",)),
    ]


def test_expand_nested_positions_are_in_expand_text() -> None:
    text = "Datastreams($filter=name eq 'x')"
    [item] = parse_expand(text)
    assert item.options.filter.left == Path(("name",), text.index("name"))
    assert item.options.filter.right.pos == text.index("'x'")


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("", 0, "missing navigation property"),
        ("Datastreams,,Locations", 12, "missing navigation property"),
        ("Data streams", 0, "invalid navigation path"),
        ("Datastreams/", 0, "invalid navigation path"),
        ("Datastreams)", 11, "unbalanced ')'"),
        ("Datastreams(($top=1)", 11, "unclosed '('"),
        ("Datastreams($top=1)x", 19, "unexpected 'x'"),
        ("Datastreams($top=x)", 17, "expected a non-negative integer"),
        ("Datastreams($top=-1)", 17, "expected a non-negative integer"),
        ("Datastreams($skip=1.5)", 18, "expected a non-negative integer"),
        ("Datastreams($count=yes)", 19, "expected true or false"),
        ("Datastreams($foo=1)", 12, "unknown option '$foo'"),
        ("Datastreams($resultFormat=dataArray)", 12, "unknown option '$resultFormat'"),
        ("Datastreams($top)", 12, "unknown option '$top'"),
        ("Datastreams($top=1;)", 19, "missing option"),
        ("Datastreams($top=1;$skip=1;$top=2)", 27, "option '$top' given twice"),
        ("Datastreams()", 12, "missing option"),
        ("Datastreams($filter=a eq)", 24, "unexpected end of input at position 24"),
        ("Locations,Datastreams($filter=a eq 'x)", 35, "unterminated string"),
        ("A($expand=B($filter=x eq 'a)' xx))", 30, "unexpected 'xx' at position 30"),
        ("A($expand=B($select=a b))", 20, "invalid property 'a b'"),
        ("A($expand=B($orderby=a desc desc))", 28, "unexpected 'desc'"),
        ("A($expand=B($expand=C,))", 22, "missing navigation property"),
        ("A($select=a;$filter=foo(1))", 20, "unknown function 'foo'"),
    ],
)
def test_expand_errors(text: str, position: int, message: str) -> None:
    err = fails(parse_expand, text)
    assert (err.field, err.position) == ("$expand", position)
    assert message in err.detail
    assert f"at position {position}" in err.detail


def test_expand_depth_limit() -> None:
    def nested(depth: int) -> str:
        return "A($expand=" * depth + "B" + ")" * depth

    assert parse_expand(nested(MAX_EXPAND_DEPTH))
    err = fails(parse_expand, nested(MAX_EXPAND_DEPTH + 1))
    assert "nested deeper than" in err.detail
    assert fails(parse_expand, nested(3000)).field == "$expand"


def test_limits_are_settings() -> None:
    small = QueryLimits(max_expand_depth=2, max_expression_depth=50, max_expression_nodes=10)
    assert parse_query_options({"$expand": "A($expand=B($expand=C))"}, small)
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query_options({"$expand": "A($expand=B($expand=C($expand=D)))"}, small)
    assert raised.value.field == "$expand" and "max_expand_depth" in raised.value.detail
    assert parse_query_options({"$filter": "a eq 1 and b eq 2"}, small)  # 7 parts
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query_options({"$filter": "a eq 1 and b eq 2 and c eq 3"}, small)  # 11 parts
    assert raised.value.field == "$filter" and "max_filter_nodes" in raised.value.detail
    with pytest.raises(QuerySyntaxError) as raised:  # inside $expand too
        parse_query_options({"$expand": "A($filter=a eq 1 and b eq 2 and c eq 3)"}, small)
    assert raised.value.field == "$expand"


# --- parse_query_options ----------------------------------------------------------------


def test_query_options_all() -> None:
    options = parse_query_options(
        {
            "$filter": "result gt 5",
            "$expand": "Datastream",
            "$select": "result,phenomenonTime",
            "$orderby": "phenomenonTime desc",
            "$top": "10",
            "$skip": "20",
            "$count": "true",
            "$resultFormat": "dataArray",
            "other": "ignored",
            "api_key": "$filter",
        }
    )
    assert strip(options.filter) == BinaryOp("gt", P("result"), L(5, "int"))
    assert options.expand == [Expand(("Datastream",))]
    assert options.select == ["result", "phenomenonTime"]
    assert [strip(o) for o in options.orderby] == [OrderBy(P("phenomenonTime"), True)]
    assert (options.top, options.skip, options.count) == (10, 20, True)
    assert options.result_format == "dataArray"


def test_query_options_defaults() -> None:
    assert parse_query_options({}) == QueryOptions()
    assert parse_query_options({"foo": "bar", "page": "2"}) == QueryOptions()
    options = parse_query_options({"$count": "FALSE", "$top": "0"})
    assert (options.count, options.top, options.skip) == (False, 0, 0)


def test_query_options_top_is_not_clamped() -> None:
    assert parse_query_options({"$top": "1000000000"}).top == 1_000_000_000


@pytest.mark.parametrize(
    ("params", "field", "position"),
    [
        ({"$xyz": "1"}, "$xyz", 0),
        ({"$Filter": "a eq 1"}, "$Filter", 0),
        ({"$top": "-1"}, "$top", 0),
        ({"$top": "ten"}, "$top", 0),
        ({"$top": ""}, "$top", 0),
        ({"$top": " 5x"}, "$top", 1),
        ({"$top": "1e3"}, "$top", 0),
        ({"$top": "٣"}, "$top", 0),
        ({"$skip": "1.0"}, "$skip", 0),
        ({"$count": "1"}, "$count", 0),
        ({"$count": ""}, "$count", 0),
        ({"$resultFormat": " "}, "$resultFormat", 0),
        ({"$filter": "a eq"}, "$filter", 4),
        ({"$orderby": "a,"}, "$orderby", 2),
        ({"$select": "a,,b"}, "$select", 2),
        ({"$expand": "A($top=x)"}, "$expand", 7),
    ],
)
def test_query_options_errors(params: dict[str, str], field: str, position: int) -> None:
    err = fails(parse_query_options, params)
    assert (err.field, err.position) == (field, position)
    assert err.status == 400


def test_query_options_whitespace_around_numbers() -> None:
    options = parse_query_options({"$top": " 3 ", "$skip": "4", "$count": " true"})
    assert (options.top, options.skip, options.count) == (3, 4, True)


# --- robustness -------------------------------------------------------------------------

_SEEDS = [
    "Datastream/Thing/name eq 'x''y' and not (result gt -5.5e2 or id eq @iot.id)",
    "substringof('a', name) or geo.intersects(location, geography'POINT(1 2)')",
    "phenomenonTime ge 2020-01-01T00:00:00.5+02:00 and phenomenonTime lt 2020-02-01",
    "resultTime sub duration'P1DT2H' gt now() mod 3 div 2 mul 1",
    "parameters/some-key ne null and time(phenomenonTime) le 12:30",
    "Datastreams($select=name,id;$expand=Observations($top=1;$orderby=phenomenonTime desc)),Locations",
    "Datastreams/Observations($filter=result gt 5;$skip=2;$count=true),Thing",
    "phenomenonTime DESC, length(name) asc",
]
_PIECES = [
    " ", "(", ")", "'", "''", ",", ";", "/", "-", ".", "=", "$", "@", "eq", "and", "not", "or", "add",
    "desc", "1", "1.5e", "2020-01-01", "T", "12:", "Z", "+02:00", "duration'", "geography'", "P1D",
    "length(", "geo.", "$top=", "$expand=", "$filter=", "true", "null", "x", "é", "\x00", "\n", "ü'",
]


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        i = rng.randint(0, len(text))
        action = rng.random()
        if action < 0.4:
            text = text[:i] + rng.choice(_PIECES) + text[i:]
        elif action < 0.7:
            text = text[:i] + text[i + rng.randint(1, 5) :]
        else:
            j = rng.randint(0, len(text))
            text = text[:i] + text[j : j + rng.randint(1, 8)] + text[i:]
    return text


def _random_text(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return _mutate(rng, rng.choice(_SEEDS))
    if rng.random() < 0.5:
        return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 15)))
    return "".join(chr(rng.randint(0, 0x2FF)) for _ in range(rng.randint(0, 30)))


def test_only_query_syntax_errors_are_raised() -> None:
    rng = random.Random(20240601)
    parsers = [parse_filter, parse_orderby, parse_select, parse_expand]
    outcomes = {"ok": 0, "error": 0}
    for _ in range(4000):
        text = _random_text(rng)
        for parse in parsers:
            try:
                parse(text)
                outcomes["ok"] += 1
            except QuerySyntaxError as err:
                outcomes["error"] += 1
                assert err.field in ("$filter", "$orderby", "$select", "$expand"), text
                assert isinstance(err.position, int), text
                assert 0 <= err.position <= len(text), text
        name = rng.choice(["$filter", "$top", "$skip", "$count", "$expand", "$select", "$orderby", "$bogus"])
        try:
            parse_query_options({name: text, "plain": text})
        except QuerySyntaxError as err:
            assert err.field == name
    assert outcomes["ok"] > 200  # the mutations keep some inputs valid
    assert outcomes["error"] > 1000


# --- round trip: random trees printed with minimal parentheses parse back the same ------

_PRECEDENCE = {"or": 1, "and": 2, "eq": 3, "ne": 3, "gt": 4, "ge": 4, "lt": 4, "le": 4}
_PRECEDENCE |= {"add": 5, "sub": 5, "mul": 6, "div": 6, "mod": 6}
_UNARY = 7


def _precedence(node: object) -> int:
    if isinstance(node, BinaryOp):
        return _PRECEDENCE[node.op]
    return _UNARY if isinstance(node, (Not, Negate)) else 8


def _unparse(node: object) -> str:
    if isinstance(node, BinaryOp):
        level = _PRECEDENCE[node.op]
        left, right = _unparse(node.left), _unparse(node.right)
        left = f"({left})" if _precedence(node.left) < level else left
        right = f"({right})" if _precedence(node.right) <= level else right
        return f"{left} {node.op} {right}"
    if isinstance(node, (Not, Negate)):
        inner = _unparse(node.operand)
        plain_number = isinstance(node.operand, Literal) and node.operand.kind in ("int", "float")
        if _precedence(node.operand) < _UNARY or (isinstance(node, Negate) and plain_number):
            inner = f"({inner})"
        return f"not {inner}" if isinstance(node, Not) else f"-{inner}"
    if isinstance(node, FunctionCall):
        return f"{node.name}({', '.join(_unparse(a) for a in node.args)})"
    if isinstance(node, Path):
        return "/".join(node.segments)
    assert isinstance(node, Literal)
    if node.kind == "string":
        return "'" + node.value.replace("'", "''") + "'"
    if node.kind in ("int", "float"):
        return repr(node.value)
    return {True: "true", False: "false", None: "null"}[node.value]


def _random_tree(rng: random.Random, depth: int) -> object:
    choice = rng.random() if depth > 0 else 0.0
    if choice < 0.3:
        return rng.choice(
            [
                P(rng.choice(["a", "order", "notes"])),
                P("properties", rng.choice(["owner", "some-key", "and"])),
                L(rng.randint(-99, 99), "int"),
                L(rng.choice([1.5, -0.001, 2.5e-07, 1e22]), "float"),
                L(rng.choice(["", "it's", "a,(b)", "ü"]), "string"),
                L(rng.choice([True, False]), "bool"),
                L(None, "null"),
            ]
        )
    if choice < 0.75:
        op = rng.choice(list(_PRECEDENCE))
        return BinaryOp(op, _random_tree(rng, depth - 1), _random_tree(rng, depth - 1))
    if choice < 0.85:
        return rng.choice([Not, Negate])(_random_tree(rng, depth - 1))
    name = rng.choice(["substring", "concat", "length", "now", "geo.distance", "st_relate"])
    arity = rng.choice(FUNCTION_ARITY[name])
    return FunctionCall(name, tuple(_random_tree(rng, depth - 1) for _ in range(arity)))


def test_random_trees_round_trip() -> None:
    rng = random.Random(7)
    for _ in range(1500):
        tree = _random_tree(rng, rng.randint(0, 6))
        text = _unparse(tree)
        assert f(text) == tree, text
