"""A notebook's provenance id in the real JupyterLab page (Debian Chromium, Playwright): the lab extension
writes the id the kernel recorded into ``metadata.jupyter_prov.notebook_id`` (saved with the file); after a
kernel restart, and in a new kernel, yesterday's value is found; after a rename (the file browser's contents call) the next
session is grouped with the earlier ones under the same id and recorded at the new path; File > Duplicate
makes a copy that loses the original's id and gets its own from its own kernel.

One lab per backend (the test's profile, SQLite and PostgreSQL). The lab is started with ``LabApp.expose_app_in_browser`` (``window.jupyterapp``) so the test drives it with
JupyterLab's own commands, as its menus do.
"""

from __future__ import annotations

import json
import os
import sys
import time

import nbformat
import pytest

from tests.notebook._kernel import output_text, table_rows

from .conftest import REPO, running_lab

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SOURCES = ["%load_ext jupyter_prov", "x = 41", "x = x + 1", "%provenance history x", "%provenance sessions"]


@pytest.fixture
def jupyter_lab(subprocess_env, tmp_path):
    """A JupyterLab (with ``window.jupyterapp``) whose kernels record into the test's profile (both backends)."""
    extra = tmp_path / "extra-config"
    extra.mkdir()
    for name in ("jupyter_lab_config.json", "jupyter_server_config.json"):
        (extra / name).write_text(json.dumps({"LabApp": {"expose_app_in_browser": True}}))
    # the kernel runs on this Python, whatever `python3` kernelspec the machine has installed
    spec = tmp_path / "jupyter-data" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    jupyter_path = os.pathsep.join(p for p in (str(tmp_path / "jupyter-data"), os.environ.get("JUPYTER_PATH")) if p)
    env = dict(subprocess_env, JUPYTER_CONFIG_PATH=str(extra), JUPYTER_PATH=jupyter_path,
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    with running_lab(tmp_path, env) as lab:
        yield lab


# the page's helpers: find an open notebook by path, run one cell and return its outputs, read its metadata
HELPERS = """
window.jprovTest = {
  widget(path) {
    for (const w of window.jupyterapp.shell.widgets('main')) if (w.context && w.context.path === path) return w;
    return null;
  },
  async open(path) {
    const app = window.jupyterapp;
    const widget = await app.commands.execute('docmanager:open', { path, factory: 'Notebook' });
    await widget.context.ready;
    await widget.context.sessionContext.ready;
    return true;
  },
  status(path) {
    const w = this.widget(path);
    const kernel = w && w.context.sessionContext.session && w.context.sessionContext.session.kernel;
    return kernel ? { id: kernel.id, status: kernel.status, session_path: w.context.sessionContext.session.path } : null;
  },
  async run(path, index) {
    const app = window.jupyterapp, w = this.widget(path);
    app.shell.activateById(w.id);
    w.content.activeCellIndex = index;
    w.content.deselectAll();
    await app.commands.execute('notebook:run-cell');
    const cell = w.content.widgets[index];
    const deadline = Date.now() + 60000;
    while (cell.model.executionCount === null || cell.model.executionState === 'running'
           || w.context.sessionContext.session.kernel.status !== 'idle') {
      if (Date.now() > deadline) throw new Error('cell ' + index + ' did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    return cell.model.outputs.toJSON();
  },
  notebookId(path) {
    const meta = this.widget(path).context.model.getMetadata('jupyter_prov');
    return meta && meta.notebook_id ? meta.notebook_id : null;
  },
  dirty(path) { return this.widget(path).context.model.dirty; },
  async save(path) {
    const app = window.jupyterapp, w = this.widget(path);
    app.shell.activateById(w.id);
    await app.commands.execute('docmanager:save');
    return !w.context.model.dirty;
  },
  async restart(path) {
    await this.widget(path).context.sessionContext.restartKernel();
    return true;
  },
  async newKernel(path) {  // Kernel > Change Kernel… to the same kind: a new kernel, with a new id
    await this.widget(path).context.sessionContext.changeKernel({ name: 'python3' });
    return true;
  },
};
"""


def _saved_id(path):
    return (nbformat.read(path, as_version=4).metadata.get("jupyter_prov") or {}).get("notebook_id")


def _sessions():
    from jupyter_prov.orm import Dict, QueryBuilder
    from jupyter_prov.views.sessions import SESSION_LABEL

    rows = QueryBuilder().append(Dict, filters={"label": SESSION_LABEL}, project="*", tag="d")
    return sorted((row[0] for row in rows.all()), key=lambda n: n.pk)


def _wait(predicate, timeout=60, what="the condition"):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.2)
    return value


def test_notebook_id_in_metadata_across_restart_rename_and_duplicate(lab_page, jupyter_lab):
    lab, root = lab_page, jupyter_lab["root"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in SOURCES])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "analysis.ipynb")
    lab.goto()
    lab.wait_for("window.jupyterapp && window.jupyterapp.commands.hasCommand('notebook:run-cell')", 120)
    lab.page.evaluate(HELPERS)
    js = "window.jprovTest"

    def run(path, index):
        return output_text({"outputs": lab.page.evaluate(f"([p, i]) => {js}.run(p, i)", [path, index])})

    # day one: open, run; the front end writes the id the kernel recorded into the notebook's metadata
    lab.page.evaluate(f"(p) => {js}.open(p)", "analysis.ipynb")
    lab.wait_for(f"{js}.status('analysis.ipynb')?.status === 'idle'", 120)
    assert lab.page.evaluate(f"(p) => {js}.notebookId(p)", "analysis.ipynb") is None  # no session recorded yet
    for index in (0, 1, 2):
        run("analysis.ipynb", index)
    notebook_id = lab.wait_for(f"{js}.notebookId('analysis.ipynb')", 30)
    first = _wait(_sessions, what="a recorded session")
    assert [s.get("notebook_id") for s in first] == [notebook_id]
    assert first[0].get("notebook_path") == str(root / "analysis.ipynb")
    assert lab.page.evaluate(f"(p) => {js}.save(p)", "analysis.ipynb")
    assert _saved_id(root / "analysis.ipynb") == notebook_id  # saved with the file
    lab.screenshot("id-written")

    # the next day: the kernel restarted; x is gone from the namespace, yesterday's versions are found
    kernel = lab.page.evaluate(f"(p) => {js}.status(p)", "analysis.ipynb")
    lab.page.evaluate(f"(p) => {js}.restart(p)", "analysis.ipynb")
    lab.wait_for(f"{js}.status('analysis.ipynb')?.status === 'idle'", 120)
    run("analysis.ipynb", 0)
    rows = table_rows(run("analysis.ipynb", 3))
    assert [(r["version"], r["session"], r["value"]) for r in rows] == [("1", "s1", "41"), ("2", "s1", "42")]
    sessions = table_rows(run("analysis.ipynb", 4))
    assert len(sessions) == 2 and sessions[1]["session"].endswith("(this one)")
    assert {s.get("notebook_id") for s in _sessions()} == {notebook_id}
    assert len({s.get("session") for s in _sessions()}) == 2

    # renamed and moved from the page (the file browser's contents call); the kernel is restarted there
    (root / "paper").mkdir()
    lab.page.evaluate("() => window.jupyterapp.serviceManager.contents.rename('analysis.ipynb', 'paper/final.ipynb')")
    new_path = "paper/final.ipynb"
    lab.wait_for(f"{js}.widget('{new_path}') && {js}.status('{new_path}')?.session_path === '{new_path}'", 30)
    lab.page.evaluate(f"(p) => {js}.restart(p)", new_path)
    lab.wait_for(f"{js}.status('{new_path}')?.status === 'idle'", 120)
    assert lab.page.evaluate(f"(p) => {js}.status(p)", new_path)["id"] == kernel["id"]  # restarted, not replaced
    run(new_path, 0)
    rows = table_rows(run(new_path, 3))
    assert [(r["session"], r["value"]) for r in rows] == [("s1", "41"), ("s1", "42")]
    sessions = table_rows(run(new_path, 4))
    assert len(sessions) == 3 and sessions[2]["notebook"] == str(root / "paper" / "final.ipynb")
    assert {s.get("notebook_id") for s in _sessions()} == {notebook_id}  # one notebook, three sessions
    assert lab.page.evaluate(f"(p) => {js}.notebookId(p)", new_path) == notebook_id
    assert lab.page.evaluate(f"(p) => {js}.save(p)", new_path)
    assert _saved_id(root / "paper" / "final.ipynb") == notebook_id
    lab.screenshot("renamed")

    # the next day for real: a new kernel (a new kernel id) on the renamed notebook
    lab.page.evaluate(f"(p) => {js}.newKernel(p)", new_path)
    lab.wait_for(f"{js}.status('{new_path}')?.status === 'idle' && {js}.status('{new_path}').id !== '{kernel['id']}'",
                 120)
    run(new_path, 0)
    rows = table_rows(run(new_path, 3))
    assert [(r["session"], r["value"]) for r in rows] == [("s1", "41"), ("s1", "42")]
    sessions = table_rows(run(new_path, 4))
    assert len(sessions) == 4 and sessions[3]["session"].endswith("(this one)")
    assert len({s.get("kernel_id") for s in _sessions()}) == 2
    assert lab.page.evaluate(f"(p) => {js}.save(p)", new_path)

    # File > Duplicate: the copy carries the id on disk; opened, it loses it; its kernel records its own
    lab.page.evaluate(f"() => window.jupyterapp.commands.execute('docmanager:duplicate')")
    copy = _wait(lambda: next(iter(sorted((root / "paper").glob("final-Copy*.ipynb"))), None), 30, "a copy")
    copy_path = f"paper/{copy.name}"
    assert _saved_id(copy) == notebook_id  # a byte copy of the saved original
    lab.page.evaluate(f"(p) => {js}.open(p)", copy_path)
    lab.wait_for(f"{js}.status('{copy_path}')?.status === 'idle'", 120)
    lab.wait_for(f"{js}.notebookId('{copy_path}') === null", 30)
    _wait(lambda: _saved_id(copy) is None, 30, "the copy saved without the original's id")
    for index in (0, 1):
        run(copy_path, index)
    copy_id = lab.wait_for(f"{js}.notebookId('{copy_path}')", 30)
    assert copy_id != notebook_id
    assert lab.page.evaluate(f"(p) => {js}.save(p)", copy_path)
    assert _saved_id(copy) == copy_id and _saved_id(root / "paper" / "final.ipynb") == notebook_id
    by_notebook: dict[str, list[str]] = {}
    for session in _sessions():
        by_notebook.setdefault(session.get("notebook_id"), []).append(session.get("notebook_path"))
    assert by_notebook == {notebook_id: [str(root / "analysis.ipynb")] * 2 + [str(root / "paper" / "final.ipynb")] * 2,
                           copy_id: [str(copy)]}
    assert lab.page.evaluate(f"(p) => {js}.notebookId(p)", new_path) == notebook_id  # the original keeps its id
    lab.screenshot("duplicated")
