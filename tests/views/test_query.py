"""views.query: a QueryBuilder's rows as column names and JSON-ready values."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from jupyter_prov.orm import Group, Int, Node, QueryBuilder
from jupyter_prov.views import query
from tests.views.test_nodes import assert_plain


def test_rows_are_plain_with_entities_as_references_and_times_in_utc(profile):
    x = Int(3, label="three").store()
    qb = QueryBuilder().append(Node, tag="n", project=["*", "ctime", "attributes.value"])
    result = query.rows(qb)
    assert_plain(result)
    json.dumps(result)
    assert result["columns"] == ["*", "ctime", "attributes.value"]
    [[ref, ctime, value]] = result["rows"]
    assert ref == {"pk": x.pk, "uuid": x.uuid, "class": "Int"} and value == 3
    assert datetime.fromisoformat(ctime).utcoffset() == timedelta(0) and datetime.fromisoformat(ctime) == x.ctime


def test_columns_name_their_tag_when_the_query_projects_from_two(profile):
    group = Group("g").store()
    x = Int(1).store()
    group.add_nodes([x])
    qb = QueryBuilder().append(Group, tag="g", project=["label", "*"]).append(Node, with_group="g", tag="n",
                                                                              project=["id"])
    result = query.rows(qb)
    assert result["columns"] == ["g.label", "g.*", "n.id"]
    assert result["rows"] == [["g", {"pk": group.pk, "class": "Group"}, x.pk]]
