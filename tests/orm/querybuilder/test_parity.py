"""Backend parity: every operator gives the answer Python expects, on SQLite and on PostgreSQL.

Each case runs once per backend (the ``profile`` fixture) against the same data; the expected answer is
written down here, so both databases are held to the same result, not merely to each other.
"""

from __future__ import annotations

import pytest

from jupyter_prov.orm import Dict
from jupyter_prov.orm.querybuilder import QueryBuilder, QueryError

VALUES = {
    "a": {"x": 1, "s": "apple", "f": 1.5, "b": True, "l": [1, 2, 3], "d": {"k": 1, "m": "z"}, "n": None},
    "b": {"x": 5, "s": "Banana", "f": -2.0, "b": False, "l": ["a"], "d": {"k": 2}},
    "c": {"x": "5", "s": "cherry_pie", "l": [], "d": {}},
    "d": {"x": 10.5, "s": "100%", "b": 1, "l": [1, "1", True]},
    "e": {"x": True, "s": "Äpfel", "nested": {"deep": {"v": 3}}},
    "f": {},
}
EXTRAS = {"a": {"tag": "t1"}, "b": {"tag": "t2", "score": 3}}

CASES = [
    ({"attributes.x": 5}, "b"),
    ({"attributes.x": {"==": 1}}, "a"),
    ({"attributes.x": "5"}, "c"),
    ({"attributes.x": True}, "e"),
    ({"attributes.x": {">": 4}}, "bd"),
    ({"attributes.x": {">=": 5}}, "bd"),
    ({"attributes.x": {"<": 5}}, "a"),
    ({"attributes.x": {"<=": 5}}, "ab"),
    ({"attributes.s": {">": "B"}}, "abce"),
    ({"attributes.s": {"<": "B"}}, "d"),
    ({"attributes.x": {"!==": 5}}, "acde"),
    ({"attributes.x": {"!=": 5}}, "acde"),
    ({"attributes.x": {"in": [1, "5"]}}, "ac"),
    ({"attributes.x": {"!in": [1, "5"]}}, "bde"),
    ({"attributes.s": {"like": "a%"}}, "a"),
    ({"attributes.s": {"like": "b%"}}, ""),
    ({"attributes.s": {"ilike": "b%"}}, "b"),
    ({"attributes.s": {"like": "cherry\\_%"}}, "c"),
    ({"attributes.s": {"like": "100\\%"}}, "d"),
    ({"attributes.s": {"like": "_pple"}}, "a"),
    ({"attributes.s": {"!like": "%a%"}}, "cde"),
    ({"attributes.f": {"is null": True}}, "cdef"),
    ({"attributes.f": {"is null": False}}, "ab"),
    ({"attributes.n": {"is null": True}}, "abcdef"),
    ({"attributes.l": {"contains": [1]}}, "ad"),
    ({"attributes.l": {"contains": ["1"]}}, "d"),
    ({"attributes.l": {"contains": [True]}}, "d"),
    ({"attributes.l": {"contains": [1, 2]}}, "a"),
    ({"attributes.d": {"contains": {"k": 1}}}, "a"),
    ({"attributes": {"contains": {"d": {"k": 2}}}}, "b"),
    ({"attributes": {"has_key": "b"}}, "abd"),
    ({"attributes.d": {"has_key": "m"}}, "a"),
    ({"attributes.l": {"of_length": 0}}, "c"),
    ({"attributes.l": {"longer": 1}}, "ad"),
    ({"attributes.l": {"shorter": 2}}, "bc"),
    ({"attributes.x": {"of_type": "number"}}, "abd"),
    ({"attributes.x": {"of_type": "string"}}, "c"),
    ({"attributes.x": {"of_type": "boolean"}}, "e"),
    ({"attributes.d": {"of_type": "object"}}, "abc"),
    ({"attributes.l": {"of_type": "array"}}, "abcd"),
    ({"attributes.n": {"of_type": "null"}}, "a"),
    ({"attributes.nested.deep.v": 3}, "e"),
    ({"attributes.l.0": 1}, "ad"),
    ({"attributes.f": {"<": 0}}, "b"),
    ({"attributes.f": 1.5}, "a"),
    ({"attributes.f": -2}, "b"),
    ({"attributes.b": False}, "b"),
    ({"attributes.b": 1}, "d"),
    ({"or": [{"attributes.x": 1}, {"attributes.x": "5"}]}, "ac"),
    ({"and": [{"attributes.x": {">": 0}}, {"attributes.x": {"<": 6}}]}, "ab"),
    ({"not": {"attributes.x": {"of_type": "number"}}}, "cef"),
    ({"attributes.x": {"and": [{">": 0}, {"<": 6}]}}, "ab"),
    ({"attributes.x": {"or": [{"==": 1}, {"==": 10.5}]}}, "ad"),
    ({"label": {"in": ["a", "b"]}}, "ab"),
    ({"label": {"!in": ["a", "b"]}}, "cdef"),
    ({"label": {">": "c"}}, "def"),
    ({"label": {"like": "_"}}, "abcdef"),
    ({"label": {"ilike": "A"}}, "a"),
    ({"label": {"like": "A"}}, ""),
    ({"extras.tag": "t1"}, "a"),
    ({"extras": {"has_key": "score"}}, "b"),
    ({"extras.score": {">=": 3}}, "b"),
    ({"id": {"is null": False}}, "abcdef"),
    ({"process_type": {"is null": True}}, "abcdef"),
]


@pytest.fixture
def dataset(profile):
    nodes = {}
    for label, value in VALUES.items():
        node = Dict(value, label=label, extras=EXTRAS.get(label))
        nodes[label] = node.store()
    return nodes


def labels(filters) -> str:
    qb = QueryBuilder().append(Dict, filters=filters, project="label")
    return "".join(sorted(qb.all(flat=True)))


@pytest.mark.parametrize("filters,expected", CASES, ids=[str(c[0]) for c in CASES])
def test_operator(dataset, filters, expected):
    assert labels(filters) == expected


def test_order_by_json_path_is_the_same_on_both(dataset):
    qb = QueryBuilder().append(Dict, project="label").order_by({"dict": {"attributes.x": "asc"}})
    assert qb.all(flat=True) == list("abdcef")
    qb = QueryBuilder().append(Dict, project="label").order_by({"dict": [{"attributes.x": {"order": "desc"}}]})
    assert qb.all(flat=True) == list("fecdba")
    qb = QueryBuilder().append(Dict, project="label").order_by({"dict": {"label": "desc"}})
    assert qb.all(flat=True) == list("fedcba")


def test_projections_keep_json_types(dataset):
    qb = QueryBuilder().append(Dict, project=["label", "attributes.b", "attributes.l", "attributes.d", "attributes.f"])
    rows = {row[0]: row[1:] for row in qb.all()}
    assert rows["a"] == [True, [1, 2, 3], {"k": 1, "m": "z"}, 1.5]
    assert rows["b"][0] is False
    assert rows["d"][0] == 1 and rows["d"][0] is not True
    assert rows["f"] == [None, None, None, None]


def test_whole_object_equality(dataset, backend_name):
    qb = QueryBuilder().append(Dict, filters={"attributes.d": {"==": {"k": 2}}}, project="label")
    if backend_name == "sqlite":
        with pytest.raises(QueryError, match="SQLite cannot compare whole JSON"):
            qb.all()
    else:
        assert qb.all(flat=True) == ["b"]


@pytest.mark.parametrize("filters,message", [
    ({"label": {"has_key": "x"}}, "works on JSON"),
    ({"label": {"<": 5}}, "needs a str"),
    ({"id": {"like": "1%"}}, "text columns"),
    ({"attributes.x": {"like": 5}}, "string pattern"),
    ({"attributes.x": {"<": True}}, "number or a string"),
    ({"attributes.x": {"<<": 1}}, "unknown operator"),
    ({"nonexistent": 1}, "no column"),
    ({"label.x": 1}, "not a JSON column"),
    ({"attributes.l": {"of_length": -1}}, "non-negative"),
    ({"attributes.l": {"in": 5}}, "list of values"),
    ({"attributes.x": {"of_type": "int"}}, "of_type"),
    ({"attributes.x": {}}, "empty operator"),
    ({"or": []}, "non-empty list"),
])
def test_bad_filters_raise_query_error(dataset, filters, message):
    with pytest.raises(QueryError, match=message):
        labels(filters)
