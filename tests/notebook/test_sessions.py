"""A notebook beyond one kernel session (#18): the environment of each session, the notebook's identity
across restarts and renames, yesterday's values found again, in real kernels on both backends.

Each "session" is a new ipykernel (nbclient) on the same profile, with ``JPY_SESSION_NAME`` set to the
notebook's path as JupyterLab sets it, and cell ids sent as JupyterLab sends them.
"""

from __future__ import annotations

import json
import re
import sys

import nbformat
import pytest

from ._kernel import output_text, recorded_cells, run_notebook, table_rows

pytestmark = pytest.mark.slow


def _notebook(path, sources, prefix):
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell in enumerate(cells):
        cell["id"] = f"{prefix}-{index:02d}"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def _session(env, path, cwd, order=None):
    return run_notebook(path, dict(env, JPY_SESSION_NAME=str(path)), cwd, order=order).cells


def _nodes_labelled(label):
    from jupyter_prov.orm import Dict, QueryBuilder

    return [row[0] for row in QueryBuilder().append(Dict, filters={"label": label}, project="*").all()]


def test_a_restarted_kernel_finds_yesterdays_value_and_the_sessions_are_grouped(subprocess_env, tmp_path):
    path = _notebook(tmp_path / "analysis.ipynb", [
        "%load_ext jupyter_prov", "x = 41", "x = x + 1", "%provenance env"], "restart")
    first = _session(subprocess_env, path, tmp_path)
    env_rows = {r[""]: r["value"] for r in table_rows(output_text(first[3]))}
    assert env_rows["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert re.fullmatch(r"\d+ \(environment [0-9a-f]{12}\)", env_rows["distributions"])
    assert env_rows["notebook"] == str(path) and env_rows["host"]

    # the next day: a new kernel, the notebook opened again; x is not in the namespace any more
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(s) for s in [
            "%load_ext jupyter_prov", "y = 1", "%provenance show x", "%provenance history x",
            "%provenance history x --all-sessions", "%provenance sessions", "%provenance history x@s1"]]), path)
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"restart-{index + 10:02d}"
    nbformat.write(notebook, path)
    second = _session(subprocess_env, path, tmp_path)
    assert "cell [3]: x = x + 1" in output_text(second[2]) and "int: 42" in output_text(second[2])
    for cell in (second[3], second[4], second[6]):  # no version this session: the earlier ones are shown
        rows = table_rows(output_text(cell))
        assert [(r["version"], r["session"], r["value"]) for r in rows] == [("1", "s1", "41"), ("2", "s1", "42")]
    sessions = table_rows(output_text(second[5]))
    assert [(r["#"], r["cells"]) for r in sessions] == [("1", "2"), ("2", "1")]
    assert sessions[1]["session"].endswith("(this one)") and sessions[0]["environment"] == sessions[1]["environment"]

    cells = recorded_cells()
    assert len({c.get_attribute("session") for c in cells}) == 2
    assert len({c.get_attribute("notebook_id") for c in cells}) == 1  # one notebook, two sessions
    environments = _nodes_labelled("python environment")
    assert len(environments) == 1  # the same environment is one node
    assert {c.get_attribute("environment") for c in cells} == {environments[0].get("hash")}
    session_nodes = _nodes_labelled("notebook session")
    assert len(session_nodes) == 2 and all(s.get("kernel_id") for s in session_nodes)


def test_a_renamed_notebook_keeps_its_identity_and_its_history(subprocess_env, tmp_path):
    old = _notebook(tmp_path / "draft.ipynb", ["%load_ext jupyter_prov", "result = [1, 2]"], "rename")
    _session(subprocess_env, old, tmp_path)
    new = tmp_path / "final.ipynb"
    old.rename(new)  # renamed in JupyterLab: the cells keep their ids
    notebook = nbformat.read(new, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("%provenance history result"))
    notebook.cells[-1]["id"] = "rename-02"
    nbformat.write(notebook, new)
    cells = _session(subprocess_env, new, tmp_path, order=[0, 2])  # the value's cell is not run again
    rows = table_rows(output_text(cells[2]))
    assert [(r["session"], r["value"]) for r in rows] == [("s1", "[1, 2]")]

    # a copy (the old file still there) is another notebook
    copy = tmp_path / "copy.ipynb"
    copy.write_text(new.read_text())
    _session(subprocess_env, copy, tmp_path)
    by_notebook = {}
    for session in _nodes_labelled("notebook session"):
        by_notebook.setdefault(session.get("notebook_id"), set()).add(session.get("notebook_path"))
    assert sorted(map(sorted, by_notebook.values())) == [[str(copy)], sorted([str(new), str(old)])]


DISTRIBUTION = """\
Metadata-Version: 2.1
Name: tiny-dep
Version: {version}
"""


def _install_tiny(site, version):
    """A distribution with one module, installed by hand into ``site`` (a folder put on sys.path)."""
    for old in site.glob("tiny_dep-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    info = site / f"tiny_dep-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(DISTRIBUTION.format(version=version))
    (site / "tiny_dep.py").write_text(f"VERSION = {version!r}\n")


def test_env_diff_names_the_package_that_changed_between_sessions(subprocess_env, tmp_path):
    site = tmp_path / "site"
    _install_tiny(site, "1.0")
    env = dict(subprocess_env, PYTHONPATH=f"{site}:{subprocess_env.get('PYTHONPATH', '')}".rstrip(":"))
    path = _notebook(tmp_path / "deps.ipynb", [
        "%load_ext jupyter_prov", "import tiny_dep\nmade = tiny_dep.VERSION"], "deps")
    _session(env, path, tmp_path)
    _install_tiny(site, "2.0")
    notebook = nbformat.read(path, as_version=4)
    for index, source in enumerate(["%provenance env --diff made", "%provenance env"]):
        notebook.cells.append(nbformat.v4.new_code_cell(source))
        notebook.cells[-1]["id"] = f"deps-{index + 2:02d}"
    nbformat.write(notebook, path)
    cells = _session(env, path, tmp_path, order=[0, 2, 3])  # the next day: `made` is yesterday's value
    text = output_text(cells[2])
    assert "1 difference(s)" in text
    assert [(r[""], r["then"], r["now"]) for r in table_rows(text)] == [("tiny-dep", "1.0", "2.0")]
    assert len(_nodes_labelled("python environment")) == 2  # two environments, one node each
    summary = {r[""]: r["value"] for r in table_rows(output_text(cells[3]))}
    assert summary["git"] == "-"  # tmp_path is not in a git work tree


def test_git_state_of_the_notebook_folder_and_of_a_local_module(subprocess_env, tmp_path):
    import subprocess

    work = tmp_path / "repo"
    work.mkdir()
    (work / "helpers.py").write_text("def twice(v):\n    return 2 * v\n")
    git = ["git", "-C", str(work), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "helpers.py"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "helpers"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    (work / "helpers.py").write_text("def twice(v):\n    return v + v\n")  # dirty
    path = _notebook(work / "nb.ipynb", [
        "%load_ext jupyter_prov", "import helpers\nz = helpers.twice(2)", "%provenance env"], "git")
    python_path = ":".join(p for p in (str(work), subprocess_env.get("PYTHONPATH", "")) if p)
    cells = _session(dict(subprocess_env, PYTHONPATH=python_path), path, work)
    summary = {r[""]: r["value"] for r in table_rows(output_text(cells[2]))}
    assert summary["git"].startswith(f"{work} @ {commit[:12]}") and "changed file(s)" in summary["git"]
    assert summary["module helpers"] == f"{work} @ {commit[:12]}, dirty"
    cell = next(c for c in recorded_cells() if "helpers.twice" in c.get_attribute("source"))
    assert cell.get_attribute("local_modules")["helpers"]["commit"] == commit
    assert json.dumps(cell.get_attribute("local_modules"))  # plain JSON


def test_environment_is_read_from_the_folder_names_like_importlib_metadata():
    import importlib.metadata

    from jupyter_prov.notebook.environment import distributions, normalize_name

    expected = {}
    for dist in importlib.metadata.distributions():
        expected.setdefault(normalize_name(dist.metadata["Name"]), dist.version)
    assert distributions() == dict(sorted(expected.items()))

