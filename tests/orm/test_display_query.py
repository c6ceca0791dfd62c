"""A QueryBuilder in a notebook shows its first 50 rows, its count and how many more there are."""

from __future__ import annotations

from jupyter_prov.orm import Int, QueryBuilder, store_all
from jupyter_prov.orm.display import MAX_ROWS


def test_a_long_query_shows_its_first_rows_and_says_how_many_more(profile):
    store_all([Int(i, label=f"n{i}") for i in range(MAX_ROWS + 10)])
    qb = QueryBuilder().append(Int, tag="i", project=["label", "attributes.value"]).order_by({"i": "id"})
    html = qb._repr_html_()
    assert f"{MAX_ROWS + 10} rows" in html and "… 10 more" in html
    assert html.count("<tr><td") == MAX_ROWS + 1  # the rows and the "more" line
    assert "i.label" in html and ">n0<" in html and f">n{MAX_ROWS}<" not in html
    assert len(qb.all()) == MAX_ROWS + 10  # showing it did not change the query


def test_an_empty_query_shows_its_count(profile):
    assert "0 rows" in QueryBuilder().append(Int, project="label")._repr_html_()
