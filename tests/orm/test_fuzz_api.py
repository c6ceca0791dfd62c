"""Fuzzing the public ORM API: whatever goes in, only our errors (or ValueError/TypeError) come out.

Attributes of every JSON shape (and of shapes JSON does not have: NaN, huge ints, NUL, deep nesting)
either store and load back equal, type for type, or are refused with a clear error; QueryBuilder
filters, pks, limits and offsets of any value give rows or a clear error, never a driver's exception.
Each test is bounded (``max_examples``) to take well under 30 s per backend.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_prov.orm import Dict, Int, Node, OrmError, QueryBuilder, Str, load_node, load_nodes
from jupyter_prov.orm.querybuilder.filters import OPERATORS

try:  # the package's one exception root, where it exists
    from jupyter_prov.errors import JprovError as _Root
except ImportError:  # pragma: no cover - before the root existed, the ORM's was the one
    _Root = OrmError

ALLOWED = (_Root, OrmError, ValueError, TypeError)
FUZZ = settings(max_examples=50, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


def _deep(levels: int):
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


_EDGE_INTS = st.sampled_from([0, -1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**30, -(10**400)])
_EDGE_FLOATS = st.sampled_from([1e16, 1e308, -1e308, 5e-324, -0.0, 0.1, 1e-7, 2.0**53, float("nan"), float("inf")])
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), _EDGE_INTS, st.floats(), _EDGE_FLOATS,
    st.text(max_size=20), st.sampled_from(["", "\x00", "a\x00b", "e+", "'", '"', "\\", "%_", "\ud7ff", "\U0010ffff"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)),
    max_leaves=12,
) | st.integers(0, 3000).map(_deep) | st.builds(lambda v, n: {"k": _deep(n), "v": v}, scalars, st.integers(90, 110))


def same_json(a, b) -> bool:
    """Equal as JSON, type for type (an int is not a float, a bool not an int)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


@FUZZ
@given(value=json_values)
def test_attributes_store_and_load_back_equal_or_are_refused(profile, value):
    try:
        node = Dict({"x": value, "k": [value]})
        node.store()
    except ALLOWED as exc:
        assert str(exc)  # one clear line
        return
    loaded = load_node(node.pk)
    assert same_json(loaded.get_dict(), {"x": value, "k": [value]})


@FUZZ
@given(value=json_values, key=st.text(max_size=8))
def test_extras_store_and_load_back_equal_or_are_refused(profile, value, key):
    node = Int(1).store()
    try:
        node.set_extra(key, value)
    except ALLOWED:
        assert load_node(node.pk).extras == {}
        return
    assert same_json(load_node(node.pk).extras, {key: value})


filter_keys = st.sampled_from([
    "id", "pk", "uuid", "label", "description", "ctime", "node_type", "process_type", "user_id",
    "attributes", "attributes.value", "attributes.x.y", "attributes.0", "attributes.a\x00", 'attributes."',
    "extras", "extras.tag", "attributes..", "nonsense", "",
])
operators = st.sampled_from([*OPERATORS, *(f"!{op}" for op in OPERATORS), "!=", "=", "and", "or", "not", "~", "??"])
filter_values = json_values | st.lists(scalars, max_size=50) | st.integers(0, 2000).map(lambda n: list(range(n)))


def _nested_filter(depth: int) -> dict:
    value: dict = {"attributes.value": 1}
    for _ in range(depth):
        value = {"not": value}
    return value


@FUZZ
@given(key=filter_keys, operator=operators, value=filter_values)
def test_querybuilder_filters_give_rows_or_a_clear_error(profile, key, operator, value):
    Int(1, label="one").store()
    Str("x").store()
    try:
        qb = QueryBuilder().append(Node, filters={key: {operator: value}}, project=["id", "attributes"])
        qb.all()
        qb.count()
    except ALLOWED as exc:
        assert str(exc)


@FUZZ
@given(depth=st.integers(0, 5000), limit=st.one_of(st.none(), st.integers(), _EDGE_INTS),
       offset=st.one_of(st.none(), st.integers(), _EDGE_INTS))
def test_nested_filters_limits_and_offsets_give_rows_or_a_clear_error(profile, depth, limit, offset):
    Int(1).store()
    try:
        qb = QueryBuilder().append(Int, filters=_nested_filter(depth))
        qb.limit(limit).offset(offset)
        rows = qb.all()
    except ALLOWED as exc:
        assert str(exc)
        return
    assert all(type(row[0]) is Int for row in rows)


pk_values = st.one_of(
    st.integers(), _EDGE_INTS, st.text(max_size=40), st.floats(), st.booleans(), st.none(),
    st.sampled_from(["-1", "0", "99999999999999999999999", "\x00", "abc\x00d", "%", "____", "1e5"]),
)


@FUZZ
@given(pk=pk_values)
def test_loading_by_any_pk_gives_the_node_or_a_clear_error(profile, pk):
    stored = Int(7).store()
    for load in (lambda: load_node(pk), lambda: load_node(pk=pk), lambda: load_nodes([pk]),
                 lambda: QueryBuilder().append(Node, filters={"id": pk}).all(),
                 lambda: QueryBuilder().append(Node, filters={"id": {"in": [pk, stored.pk]}}).all()):
        try:
            result = load()
        except (*ALLOWED, LookupError) as exc:
            assert str(exc)
            continue
        assert result is not None


@pytest.mark.parametrize("count", [999, 70_000])
def test_in_filters_with_many_values_work(profile, count):
    nodes = [Int(i) for i in range(3)]
    for node in nodes:
        node.store()
    wanted = [nodes[0].pk, nodes[2].pk]
    many = [*range(-count, 0), *wanted]
    assert sorted(QueryBuilder().append(Int, filters={"id": {"in": many}}, project="id").all(flat=True)) == wanted
    assert QueryBuilder().append(Int, filters={"id": {"!in": many}}, project="id").all(flat=True) == [nodes[1].pk]
    values = [*range(10, 10 + count), 0, 2]
    found = QueryBuilder().append(Int, filters={"attributes.value": {"in": values}}, project="attributes.value")
    assert sorted(found.all(flat=True)) == [0, 2]
    labels = [f"label {i}" for i in range(count)]
    assert QueryBuilder().append(Int, filters={"uuid": {"in": [nodes[1].uuid, *labels]}}).count() == 1
    texts = QueryBuilder().append(Int, filters={"attributes.value": {"in": [*labels, 1, "x"]}}, project="id")
    assert texts.all(flat=True) == [nodes[1].pk]


@pytest.mark.parametrize("filters", [
    {"attributes.value": 2**64}, {"attributes.value": {"<": -(2**70)}}, {"id": 2**64}, {"id": {">": 2**40}},
    {"attributes.value": float("nan")}, {"label": "a\x00"}, {"attributes.value": {"like": "%\x00"}},
    {"attributes.a\x00": 1}, {"extras": {"has_key": "k\x00"}}, {"attributes.value": {"in": ["x\x00", 1]}},
    {"uuid": {"in": ["a\x00"] * 300}}, _nested_filter(1_000),
])
def test_odd_filter_values_give_rows_or_a_clear_error(profile, filters):
    Int(1).store()
    try:
        QueryBuilder().append(Node, filters=filters).all()
    except ALLOWED as exc:
        assert str(exc)
