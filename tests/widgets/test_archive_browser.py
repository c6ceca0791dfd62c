"""ArchiveBrowser on the kernel side, over the AiiDA tutorial archive read in place: its metadata and
groups, a filtered node table, the graph of a group or a selection (the shared graph protocol, wrapped),
and import — a dry run first that changes nothing, then the import.

The comm is the recorder of ``wire.py``; the archive reader, the views and the import are real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("anywidget")

from jupyter_prov.orm import Node, QueryBuilder
from jupyter_prov.views import graph as g
from jupyter_prov.widgets import ArchiveBrowser

from .wire import ask, connect

#: the checkout sits beside shared/ (/work/main beside /work/shared); a clone elsewhere reads /work/shared
_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "data" / "aiida-archives" / "tutorial.aiida"
TUTORIAL = _BESIDE if _BESIDE.exists() else Path("/work/shared/data/aiida-archives/tutorial.aiida")


@pytest.fixture
def tutorial(profile):
    if not TUTORIAL.exists():
        pytest.skip(f"the AiiDA tutorial archive is not at {TUTORIAL}")
    return TUTORIAL


def _count() -> int:
    return QueryBuilder().append(Node).count()


def test_metadata_counts_and_groups(tutorial):
    browser = ArchiveBrowser(tutorial)
    wire = connect(browser)
    ask(browser, {"type": "info"})
    (content, _), = wire.take()
    info = content["info"]
    assert info["format"] == "aiida" and info["counts"]["nodes"] == 55 and info["counts"]["groups"] == 2
    assert info["node_types"]["data.int"] == 17 and info["node_types"]["process.workflow.workchain"] == 1
    assert [(gr["label"], gr["count"]) for gr in info["groups"]] == [("tutorial-inputs", 9), ("tutorial-results", 5)]
    assert "pks" not in info["groups"][0], "the info is small: a group's nodes come when it is opened"


def test_the_node_table_filters_by_type_label_and_group(tutorial):
    browser = ArchiveBrowser(tutorial)
    wire = connect(browser)
    ask(browser, {"type": "nodes", "node_type": "data.int", "limit": 5, "request": 7})
    (content, _), = wire.take()
    assert (content["type"], content["request"], content["total"], len(content["items"])) == ("nodes", 7, 17, 5)
    assert {item["node_type"] for item in content["items"]} == {"data.int"}
    ask(browser, {"type": "nodes", "text": "add", "offset": 0})
    (content, _), = wire.take()
    assert content["total"] == 3 and all("add" in item["label"] for item in content["items"])
    results = next(gr for gr in browser.info()["groups"] if gr["label"] == "tutorial-results")
    ask(browser, {"type": "nodes", "group": results["pk"]})
    (content, _), = wire.take()
    assert content["total"] == 5
    ask(browser, {"type": "nodes", "offset": -1})
    (content, _), = wire.take()
    assert content["type"] == "error" and "offset must be a non-negative integer" in content["message"]


def test_the_graph_of_a_group_is_drawn_from_the_archive_without_importing_it(tutorial):
    browser = ArchiveBrowser(tutorial)
    wire = connect(browser)
    before = _count()
    inputs = next(gr for gr in browser.info()["groups"] if gr["label"] == "tutorial-inputs")
    ask(browser, {"type": "group", "pk": inputs["pk"]})
    (content, _), = wire.take()
    assert content["type"] == "graph_open" and len(content["roots"]) == 9
    assert browser.selection == content["roots"]
    ask(browser, {"type": "graph", "graph": content["graph"], "request": {"type": "snapshot", "reason": "render"}})
    (reply, buffers), = wire.take()
    shown = g.decode(buffers)
    assert reply["message"]["kind"] == "snapshot" and set(content["roots"]) <= {r.pk for r in shown.nodes}
    assert len(shown.nodes) > 9 and shown.links, "one link around the group's nodes"
    ask(browser, {"type": "graph_open", "pks": []})
    assert "select at least one node" in wire.take()[0][0]["message"]
    assert _count() == before, "browsing imports nothing"


def test_import_is_a_dry_run_first_then_the_import(tutorial):
    browser = ArchiveBrowser(tutorial)
    wire = connect(browser)
    ask(browser, {"type": "import", "dry_run": True})
    (content, _), = wire.take()
    assert content["dry_run"] is True and content["result"]["dry_run"] is True
    assert content["result"]["counts"]["nodes"] == 55 and _count() == 0
    ask(browser, {"type": "import", "dry_run": False})
    (content, _), = wire.take()
    assert content["dry_run"] is False and _count() == 55


def test_a_missing_archive_is_refused_in_one_line(profile, tmp_path):
    from jupyter_prov.archive import ArchiveError

    with pytest.raises(ArchiveError, match="does not exist or is not a file"):
        ArchiveBrowser(tmp_path / "nothing.aiida")
