"""ProvenanceGraph in a real JupyterLab page (Debian Chromium driven by Playwright, never a downloaded one).

A work chain and a fan of additions are stored in the test's profile; a notebook cell shows the graph
of the work chain's result. The test then uses it as a person would: clicks a node and reads its
details, loads its ancestors, expands and collapses the work chain, clusters and opens a fan, searches,
and exports SVG. The page must request nothing but the lab server (no CDN): the bundles come from the
Python package. Screenshots go to the test's tmp dir (``screenshots/``).
Without jupyterlab/playwright/chromium the test skips with the reason; under ``CI=true`` it fails.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from jupyter_prov.engine import run_get_node
from jupyter_prov.orm import Float, Int
from jupyter_prov.testing.examples import Relax, add, silicon

from ..notebook.test_jupyterlab import _notebook_in_chromium

pytestmark = pytest.mark.slow
STATIC = Path(__file__).resolve().parents[2] / "jupyter_prov" / "widgets" / "static" / "graph.js"


def _view(page, expression: str):
    """Evaluate ``expression`` with ``view`` bound to the widget's GraphView in the page."""
    return page.evaluate(
        "expr => { const root = document.querySelector('.jprov-graph'); const view = root.parentElement.jprovView;"
        " return (new Function('view', 'return (' + expr + ')'))(view); }", expression)


def _click_node(page, node_id: str, double: bool = False) -> None:
    """A real mouse click on the node's place on the canvas."""
    box = page.locator(".jprov-cy").bounding_box()
    pos = _view(page, f"view.cy.getElementById('{node_id}').renderedPosition()")
    if not (0 < pos["x"] < box["width"] and 0 < pos["y"] < box["height"]):
        _view(page, "view.fit()")
        page.wait_for_timeout(200)
        pos = _view(page, f"view.cy.getElementById('{node_id}').renderedPosition()")
    x, y = box["x"] + pos["x"], box["y"] + pos["y"]
    if double:
        page.mouse.dblclick(x, y)
    else:
        page.mouse.click(x, y)


def _wait(page, expression: str, timeout: float = 120) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = _view(page, expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never had {expression}")
        page.wait_for_timeout(100)


# the page is the same on both backends (tests/views/test_graph.py covers PostgreSQL); a lab session
# takes 1-2 minutes here, up to 10 on a machine loaded by other work
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=True)
def test_provenance_graph_in_jupyterlab(lab, profile, tmp_path):
    assert STATIC.exists(), "the widget bundle is built by pip install -e . (npm run build in labextension/)"
    result, chain = run_get_node(Relax, structure=silicon(), pressure=Float(0.5))
    structure = chain.get_outgoing()
    result_pk = next(t.node.pk for t in structure if t.link_type.value == "return")
    seed = Int(3)
    for i in range(12):
        add(seed, Int(100 + i))
    root: Path = lab["root"]
    (root / "graph.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": "", "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }))
    shots = tmp_path / "screenshots"
    shots.mkdir()
    foreign: list[str] = []
    with _notebook_in_chromium(lab, "graph.ipynb", shots) as notebook:
        page = notebook.page
        console = tmp_path / "console.log"
        page.on("console", lambda message: console.open("a").write(f"{message.type}: {message.text}\n"))
        page.on("pageerror", lambda error: console.open("a").write(f"pageerror: {error}\n"))
        page.on("crash", lambda _: console.open("a").write("crash\n"))
        page.on("request", lambda request: None if request.url.startswith((lab["url"], "blob:", "data:"))
                else foreign.append(request.url))
        notebook.run(0, "from jupyter_prov.orm import load_profile, load_node\nload_profile()\n"
                        "from jupyter_prov.widgets import ProvenanceGraph\n"
                        f"graph = ProvenanceGraph(load_node({result_pk}), depth=1)\ngraph")
        page.wait_for_selector(".jprov-graph .jprov-cy canvas", timeout=60_000)
        _wait(page, "view.root.dataset.laidOut !== undefined && view.store.nodes.size > 1", 120)
        notebook.screenshot("first-paint", 0)
        shown = _view(page, "view.cy.nodes().map(n => n.id())")
        assert f"n{result_pk}" in shown and f"n{chain.pk}" in shown, shown

        # click a node: its details (uuid, attributes) in the panel
        _click_node(page, f"n{result_pk}")
        page.wait_for_selector(".jprov-details .jprov-section-attributes", timeout=120_000)
        details = page.locator(".jprov-details").inner_text()
        assert load_uuid(result_pk) in details and "formula" in details
        notebook.screenshot("details", 0)

        # ancestors of the work chain (its inputs)
        _click_node(page, f"n{chain.pk}")
        _wait(page, f"view.state.selection === {chain.pk} && "
                    f"document.querySelector('.jprov-details h4').textContent.endsWith('#{chain.pk}')")
        before = _view(page, "view.store.nodes.size")
        page.locator(".jprov-details .jprov-node-ancestors").click()
        _wait(page, f"view.store.nodes.size > {before}")
        inputs = {t.node.pk for t in chain.get_incoming()}
        _wait(page, " && ".join(f"view.store.nodes.has({pk})" for pk in inputs))

        # the work chain collapsed: its steps hidden in it; expanded: a compound node holding them; collapsed again
        steps = [n.pk for n in chain.called]
        assert _view(page, f"view.cy.getElementById('n{steps[0]}').empty()")
        assert "steps" in _view(page, f"view.cy.getElementById('n{chain.pk}').data('text')")
        page.locator(".jprov-details .jprov-expand-workflow").click()
        _wait(page, f"view.cy.getElementById('n{steps[-1]}').nonempty() && "
                    f"view.cy.getElementById('n{steps[-1]}').data('parent') === 'n{chain.pk}'", 120)
        _wait(page, " && ".join(f"view.cy.getElementById('n{pk}').data('parent') === 'n{chain.pk}'" for pk in steps), 120)
        _wait(page, f"view.positioned.has('n{steps[0]}') && view.positioned.has('n{steps[-1]}')", 120)
        page.wait_for_timeout(300)
        notebook.screenshot("workflow-expanded", 0)
        page.locator(".jprov-details .jprov-collapse-workflow").click()
        _wait(page, f"view.cy.getElementById('n{steps[-1]}').empty()")
        assert _view(page, f"view.cy.nodes().filter(n => n.data('parent') === 'n{chain.pk}').length") == 0

        # search: the calculations named relax_step light up
        page.locator(".jprov-search").fill("relax")
        _wait(page, "Number(view.root.dataset.matches) >= 1")

        # find a node that is not shown (the fan's seed) and expand it: twelve additions become "× 12"
        page.locator(".jprov-search").fill(f"pk:{seed.pk}")
        page.locator(".jprov-search").press("Enter")
        _wait(page, f"view.store.nodes.has({seed.pk}) && view.cy.getElementById('n{seed.pk}').nonempty()")
        page.locator(".jprov-search").fill("")
        _click_node(page, f"n{seed.pk}")
        _wait(page, f"view.state.selection === {seed.pk} && "
                    f"document.querySelector('.jprov-details h4').textContent.endsWith('#{seed.pk}')")
        page.locator(".jprov-details .jprov-node-descendants").click()
        label = _wait(page, "(view.cy.nodes().filter(n => n.data('kind') === 'cluster')[0] || {data: () => ''}).data('text')")
        assert label == "× 12 CalcFunction", label
        notebook.screenshot("cluster", 0)
        cluster = _view(page, "view.cy.nodes().filter(n => n.data('kind') === 'cluster')[0].id()")
        _click_node(page, cluster)
        _wait(page, "view.cy.nodes().filter(n => n.data('kind') === 'cluster').length === 0")

        # export SVG: a file with the nodes shown
        with page.expect_download(timeout=120_000) as download:
            page.locator(".jprov-export-svg").click()
        svg_path = shots / "export.svg"
        download.value.save_as(str(svg_path))
        svg = svg_path.read_text()
        assert svg.startswith("<svg") and f'data-id="n{result_pk}"' in svg and f'data-id="n{seed.pk}"' in svg
        notebook.screenshot("final", 0)
        errors = _view(page, "view.root.dataset.error || ''")
    assert not foreign, f"the page requested non-local URLs: {foreign[:5]}"
    assert "layout failed" not in errors


def load_uuid(pk: int) -> str:
    from jupyter_prov.orm import load_node

    return load_node(pk).uuid
