"""notebook/lineage.py renders ``%provenance show``'s text from views.lineage.ancestry: each node under
the one it feeds, a repeated node marked ``(see above)``, and a cut ancestry says that it is cut."""

from __future__ import annotations

from jupyter_prov.notebook.lineage import LineageView, lineage_text
from tests.views.test_lineage import _session


def test_the_text_is_the_ancestry_as_an_indented_tree(profile):
    (first, second, _), (x1, y, _) = _session()
    assert lineage_text(y).splitlines() == [
        f"float: 3.0 <{y.pk}>",
        f"  create y <- cell [2]: y = x * 1.5 <{second.pk}>",
        f"    input_calc x <- int: 2 <{x1.pk}>",
        f"      create x <- cell [1]: x = 2 <{first.pk}>",
    ]
    assert repr(LineageView(y)) == lineage_text(y)


def test_a_cut_ancestry_says_so(profile):
    _, (_, y, _) = _session()
    lines = lineage_text(y, max_nodes=2).splitlines()
    assert len(lines) == 3 and lines[-1].startswith("… (more than 2 nodes")
