"""An attribute search on PostgreSQL reads its page from a window of candidates in the order asked (issue #16:
the planner's one-row estimate of a JSON filter made it scan and sort every node); the pages are the very
pages of the plain statement, whether the window holds a full page or falls back (both backends)."""

from __future__ import annotations

import pytest

from jupyter_prov.orm import lineage_queries
from jupyter_prov.testing.graphs import DICT, INT, GraphSpec, write_spec
from jupyter_prov.views import nodes


@pytest.fixture
def dicts(profile):
    spec = GraphSpec()
    for i in range(600):
        spec.add(DICT, {"x": i % 10, "rare": i % 97 == 0})
    for i in range(20):
        spec.add(INT, {"value": i})
    return write_spec(spec)


@pytest.mark.parametrize("attributes", [{"x": 3}, {"rare": True}, {"x": {"<": 5}}, {"missing": 1}])
@pytest.mark.parametrize("order_by, descending", [("ctime", True), ("ctime", False), ("pk", True)])
def test_windowed_pages_are_the_plain_pages(dicts, monkeypatch, attributes, order_by, descending):
    def pages():
        return [nodes.search(node_type="data.", attributes=attributes, order_by=order_by, descending=descending,
                             offset=offset, limit=limit, count_cap=None)
                for offset, limit in ((0, 5), (0, 50), (7, 13), (40, 30), (290, 20), (590, 50))]

    monkeypatch.setattr(lineage_queries, "_WINDOW", 40)  # small: some pages fill within it, some fall back
    windowed = pages()
    used = []
    real = lineage_queries._windowed_page
    monkeypatch.setattr(lineage_queries, "_windowed_page", lambda *a, **k: used.append(1) or real(*a, **k))
    assert pages() == windowed
    monkeypatch.setattr(lineage_queries, "_windowed_page", lambda *a, **k: None)  # always the plain statement
    assert pages() == windowed
    if dicts.pks and nodes.current.get_storage().dialect == "postgresql":
        assert used  # the windowed plan was asked on PostgreSQL
