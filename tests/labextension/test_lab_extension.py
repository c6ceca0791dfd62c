"""The lab extension in a real JupyterLab page, used as a scientist would (Debian Chromium, Playwright).

One ``jupyter lab`` serves the module (tests/labextension/conftest.py). The Provenance sidebar starts the
daemon, shows a submitted work chain move from created to running as it happens, kills it with its kill
button and shows it killed; the status bar follows. A node found in Search opens in the graph viewer, which
comes back after a reload (the layout restorer) and from a deep link. ``tutorial.aiida`` double-clicked in
the file browser opens the archive viewer without the file's content ever being downloaded.
"""

from __future__ import annotations

import json
import time
import warnings

import pytest

from .conftest import ARCHIVES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _row(state_tab: str, pk: int) -> str:
    return f'#jupyter-prov-sidebar .jp-prov-process[data-pk="{pk}"]'


def test_sidebar_starts_the_daemon_shows_a_work_chain_live_and_kills_it(lab_page, lab_profile):
    from jupyter_prov.daemon import submission
    from jupyter_prov.engine import submit
    from jupyter_prov.orm import Float, load_node
    from tests.daemon.processes import LongSteps

    lab = lab_page
    lab.goto()
    lab.open_sidebar()
    status = lab.page.locator(".jp-prov-status")
    status.wait_for(timeout=30_000)
    lab.wait_for("document.querySelector('.jp-prov-status').dataset.daemon === 'down'", 60)
    width_before = status.bounding_box()["width"]

    # Daemon: start it from the page
    lab.section("daemon")
    lab.page.locator(".jp-prov-daemon-start").click()
    lab.wait_for("document.querySelector('.jp-prov-daemon').dataset.running === 'true' && "
                 "Number(document.querySelector('.jp-prov-daemon').dataset.workers) >= 1", 90)
    lab.screenshot("daemon-started")
    lab.wait_for("document.querySelector('.jp-prov-status').dataset.daemon === 'up'", 30)

    # a work chain submitted from Python shows up and moves through its states while we watch
    lab.section("processes")
    submission._warned.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        node = submit(LongSteps, seconds=Float(8.0))
    row = _row("running", node.pk)
    seen: list[str] = []
    deadline = time.monotonic() + 90
    while "running" not in seen:
        assert time.monotonic() < deadline, f"#{node.pk} never shown running; seen {seen}"
        state = lab.page.evaluate(f"() => document.querySelector('{row}')?.dataset.state ?? null")
        if state and (not seen or seen[-1] != state):
            seen.append(state)
        lab.page.wait_for_timeout(100)
    assert lab.page.evaluate("() => document.querySelector('#jupyter-prov-sidebar').dataset.events") == "push"
    lab.wait_for("Number(document.querySelector('.jp-prov-status').dataset.running) >= 1", 30)
    assert status.bounding_box()["width"] == width_before  # fixed width: the count changed, the item did not move
    lab.screenshot("running")

    # kill it from the sidebar; it ends killed (at its next checkpoint) and the page shows it without a reload
    lab.page.locator(f"{row} .jp-prov-kill").click()
    lab.page.locator('#jupyter-prov-sidebar .jp-prov-subtab[data-tab="failed"]').click()
    deadline = time.monotonic() + 90
    while load_node(node.pk).process_state.value != "killed":
        assert time.monotonic() < deadline, f"#{node.pk} not killed: {load_node(node.pk).process_state}"
        time.sleep(0.2)
    killed_at = time.monotonic()
    lab.wait_for(f"document.querySelector('{row}')?.dataset.state === 'killed'", 20)
    shown_after = time.monotonic() - killed_at
    assert shown_after < 10, f"the sidebar showed the kill {shown_after:.1f} s after it happened (poll is 30 s)"
    lab.wait_for("document.querySelector('.jp-prov-status').dataset.running === '0'", 10)  # the status bar too
    lab.screenshot("killed")

    # Daemon: stop it from the page
    lab.section("daemon")
    lab.page.locator(".jp-prov-daemon-stop").click()
    lab.wait_for("document.querySelector('.jp-prov-daemon').dataset.running === 'false'", 90)


def test_search_opens_the_graph_viewer_which_the_layout_and_a_deep_link_restore(lab_page, jupyter_lab):
    from jupyter_prov.engine import run_get_node
    from jupyter_prov.orm import Float
    from jupyter_prov.testing.examples import Relax, silicon

    _, chain = run_get_node(Relax, structure=silicon(), pressure=Float(0.5))
    result = next(t.node for t in chain.get_outgoing() if t.link_type.value == "return")
    lab = lab_page
    lab.goto()
    lab.open_sidebar()
    lab.section("search")
    lab.page.locator('#jupyter-prov-sidebar [name="identifier"]').fill(result.uuid[:13])
    lab.page.locator("#jupyter-prov-sidebar .jp-prov-search-go").click()
    hit = lab.page.locator(f'#jupyter-prov-sidebar .jp-prov-node[data-pk="{result.pk}"]')
    hit.wait_for(timeout=30_000)
    assert lab.page.locator("#jupyter-prov-sidebar .jp-prov-node").count() == 1
    lab.screenshot("search")
    hit.click()
    panel = f'.jp-prov-graph-panel[data-root-pk="{result.pk}"]'
    lab.page.wait_for_selector(f"{panel} .jprov-cy canvas", timeout=60_000)
    lab.wait_for(f"document.querySelector('{panel}').jprovView.store.nodes.has({chain.pk})", 60)
    lab.wait_for(f"document.querySelector('{panel}').jprovView.root.dataset.laidOut !== undefined", 120)
    lab.screenshot("graph-viewer")

    # the layout is saved with the viewer in it; a reload brings it back
    workspaces = jupyter_lab["workspaces"]
    deadline = time.monotonic() + 30
    while not any(result.uuid in p.read_text() for p in workspaces.glob("*.jupyterlab-workspace")):
        assert time.monotonic() < deadline, "the workspace was never saved with the graph viewer"
        time.sleep(0.2)
    lab.page.reload()
    lab.page.wait_for_selector(f"{panel} .jprov-cy canvas", timeout=120_000)
    lab.wait_for(f"document.querySelector('{panel}').jprovView.store.nodes.size > 1", 60)
    lab.screenshot("restored")

    # a deep link opens the work chain's graph
    lab.goto(f"jprov-node={chain.uuid}")
    lab.page.wait_for_selector(f'.jp-prov-graph-panel[data-root-pk="{chain.pk}"] .jprov-cy canvas', timeout=120_000)


@pytest.mark.skipif(ARCHIVES is None, reason="shared/data/aiida-archives/tutorial.aiida is not on this machine")
def test_double_clicked_archive_opens_in_place_and_its_nodes_open_in_the_graph_viewer(lab_page):
    expected = json.loads((ARCHIVES / "tutorial.expected.json").read_text())
    lab = lab_page
    lab.goto()
    lab.open_left("filebrowser")
    lab.page.locator(".jp-DirListing-itemText", has_text="tutorial.aiida").dblclick()
    archive = ".jp-prov-archive[data-path='tutorial.aiida']"
    lab.page.wait_for_selector(f"{archive}[data-inspected='true']", timeout=60_000)
    lab.wait_for(f"Number(document.querySelector(\"{archive}\").dataset.loaded) > 0", 60)
    rows = lab.page.locator(f"{archive} tbody tr").count()
    total = expected["counts"]["nodes"]
    assert rows == min(100, total), (rows, total)
    assert f"of {total} nodes" in lab.page.locator(f"{archive} .jp-prov-footer").inner_text()
    icon = lab.page.locator(".jp-DirListing-item", has_text="tutorial.aiida").locator("svg[data-icon='jupyter-prov:archive']")
    assert icon.count() == 1, "the archive has its own icon in the file browser"
    lab.screenshot("archive")
    # the file's content never came to the page: the contents API was asked for metadata only
    fetched = [u for u in lab.requests if "/api/contents/tutorial.aiida?" in u]
    assert fetched and all("content=0" in u for u in fetched), fetched  # (its checkpoints list is metadata too)
    assert not [u for u in lab.requests if "/files/tutorial.aiida" in u]

    # a node of the archive opens in the graph viewer, read from the archive
    first = lab.page.locator(f"{archive} tbody tr").first
    pk = first.get_attribute("data-pk")
    first.click()
    panel = f'.jp-prov-graph-panel[data-archive="tutorial.aiida"][data-root-pk="{pk}"]'
    lab.page.wait_for_selector(f"{panel}[data-loaded='true'] .jprov-cy canvas", timeout=60_000)
    lab.wait_for(f"document.querySelector('{panel}').jprovView.root.dataset.laidOut !== undefined", 120)
    assert lab.page.evaluate(f"() => document.querySelector('{panel}').jprovView.store.nodes.size") > 1
    lab.screenshot("archive-graph")

    # Import into profile…: a dry run first, cancelled here
    lab.open_left("filebrowser")
    lab.page.locator(".jp-DirListing-itemText", has_text="tutorial.aiida").dblclick()
    lab.page.locator(f"{archive} .jp-prov-import").click()
    dialog = lab.page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    assert "dry run" in dialog.inner_text()
    lab.screenshot("import-dry-run")
    dialog.locator(".jp-mod-reject").click()


def test_a_saved_notebook_draws_its_graph_output_from_the_server(lab_page, jupyter_lab):
    """An output of the graph MIME type names nodes only; the page draws them from the server, no kernel run."""
    from jupyter_prov.orm import Int

    seed = Int(7).store()
    notebook = {
        "cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "source": "graph", "execution_count": 1,
                   "outputs": [{"output_type": "display_data", "metadata": {},
                                "data": {"application/vnd.jupyter-prov.graph+json": {"roots": [seed.uuid]},
                                         "text/plain": "<ProvenanceGraph>"}}]}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (jupyter_lab["root"] / "saved-graph.ipynb").write_text(json.dumps(notebook))
    lab = lab_page
    lab.page.goto(f"{jupyter_lab['url']}/lab/tree/saved-graph.ipynb?token={jupyter_lab['token']}")
    panel = f'.jp-OutputArea .jp-prov-graph-output .jp-prov-graph-panel[data-root-pk="{seed.pk}"]'
    lab.page.wait_for_selector(f"{panel}[data-loaded='true'] .jprov-cy canvas", timeout=120_000)
    assert lab.page.evaluate(f"() => document.querySelector('{panel}').jprovView.store.nodes.has({seed.pk})")
    lab.screenshot("saved-graph")
