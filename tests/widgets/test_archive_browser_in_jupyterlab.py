"""ArchiveBrowser in a real JupyterLab page (Debian Chromium driven by Playwright) over the AiiDA tutorial
archive, read in place.

A notebook cell shows ``ArchiveBrowser(path)``; the test reads the metadata and the counts by type,
filters the node table by type and by a label fragment, opens a group's graph (the shared graph
component, on the archive's read-only storage), draws the graph of two nodes ticked in the table, and
imports: the first click is a dry run that says what would be added and changes nothing; "Import now"
imports. The page must request nothing but the lab server. Screenshots go to the test's tmp dir.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ..notebook.test_jupyterlab import _notebook_in_chromium
from .test_archive_browser import TUTORIAL

pytestmark = pytest.mark.slow
STATIC = Path(__file__).resolve().parents[2] / "jupyter_prov" / "widgets" / "static" / "archive_browser.js"


def _wait(page, expression: str, timeout: float = 120) -> object:
    """Until ``expression`` (with ``root`` the browser's element) is truthy in the page; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate("expr => { const root = document.querySelector('.jprov-archive');"
                              " return (new Function('root', 'return (' + expr + ')'))(root); }", expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"the page never had {expression}")
        page.wait_for_timeout(50)


def _count() -> int:
    from jupyter_prov.orm import Node, QueryBuilder

    return QueryBuilder().append(Node).count()


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=True)
def test_archive_browser_in_jupyterlab(lab, profile, tmp_path):
    if not TUTORIAL.exists():
        pytest.skip(f"the AiiDA tutorial archive is not at {TUTORIAL}")
    assert STATIC.exists(), "the widget bundles are built by pip install -e . (npm run build in labextension/)"
    root: Path = lab["root"]
    (root / "archive.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": "", "outputs": [], "execution_count": None}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }))
    shots = tmp_path / "screenshots"
    shots.mkdir()
    foreign: list[str] = []
    with _notebook_in_chromium(lab, "archive.ipynb", shots) as notebook:
        page = notebook.page
        page.on("request", lambda request: None if request.url.startswith((lab["url"], "blob:", "data:"))
                else foreign.append(request.url))
        notebook.run(0, "from jupyter_prov.widgets import ArchiveBrowser\n"
                        f"browser = ArchiveBrowser({str(TUTORIAL)!r})\nbrowser")
        _wait(page, "root && root.dataset.nodes === '55' && root.dataset.total === '55'")
        meta = page.locator(".jprov-archive-meta").inner_text()
        assert "aiida archive" in meta and "55 nodes" in meta and "2 groups" in meta, meta
        types = page.locator(".jprov-archive-types").inner_text()
        assert "data.int\t17" in types or "data.int 17" in types, types
        notebook.screenshot("archive-opened", 0)

        # filters: a type, then a label fragment
        page.locator(".jprov-filter-type").select_option("data.int")
        _wait(page, "root.dataset.total === '17'")
        assert set(page.locator(".jprov-archive-nodes tbody td:nth-child(3)").all_inner_texts()) == {"data.int"}
        page.locator(".jprov-filter-type").select_option("")
        page.locator(".jprov-filter-text").fill("add")
        _wait(page, "root.dataset.total === '3'")
        labels = page.locator(".jprov-archive-nodes tbody td:nth-child(4)").all_inner_texts()
        assert len(labels) == 3 and all("add" in label for label in labels), labels

        # a group: the table shows its nodes and the graph draws them from the archive
        page.locator(".jprov-filter-text").fill("")
        page.locator(".jprov-group-link", has_text="tutorial-results").click()
        _wait(page, "root.dataset.total === '5'")
        page.wait_for_selector(".jprov-archive-graph .jprov-cy canvas", timeout=60_000)
        _wait(page, "(v => v && v.store.nodes.size >= 5 && v.cy.nodes().length >= 5)"
                    "(document.querySelector('.jprov-archive-graph').jprovView)")
        notebook.screenshot("archive-group-graph", 0)

        # two nodes ticked in the table: the graph of that selection
        page.locator(".jprov-filter-group").select_option("")
        page.locator(".jprov-filter-text").fill("add")
        _wait(page, "root.dataset.total === '3'")
        boxes = page.locator(".jprov-archive-nodes tbody .jprov-select-node")
        picked = [int(page.locator(".jprov-archive-nodes tbody tr").nth(i).get_attribute("data-pk")) for i in (0, 1)]
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.locator(".jprov-graph-selection").click()
        _wait(page, "(v => v && " + " && ".join(f"v.store.nodes.has({pk})" for pk in picked) + ")"
                    "(document.querySelector('.jprov-archive-graph').jprovView)")
        assert _count() == 0, "browsing imports nothing"

        # import: a dry run first, which changes nothing; then the import
        page.locator(".jprov-import-dry").click()
        summary = page.locator(".jprov-import-summary")
        summary.wait_for(timeout=120_000)
        assert "Dry run" in summary.inner_text() and "55 nodes" in summary.inner_text(), summary.inner_text()
        assert _count() == 0
        notebook.screenshot("archive-dry-run", 0)
        page.locator(".jprov-import-confirm").click()
        page.locator(".jprov-import-done").wait_for(timeout=120_000)
        assert _count() == 55
        notebook.screenshot("archive-imported", 0)
    assert not foreign, f"the page requested non-local URLs: {foreign[:5]}"
