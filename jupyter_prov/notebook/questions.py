"""The ``%provenance`` questions that reach beyond this kernel session: versions of every session of the
notebook, files on disk, diffs of two versions, cells deleted or edited since, slices saved as notebooks.

The data comes from :mod:`jupyter_prov.views` (``sessions``, ``notebook_files``, ``value_diff``,
``lineage``); this module picks versions by the ``NAME@…`` forms and turns answers into tables and files.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from ..orm import Node, load_node
from ..views import sessions as session_views
from ..views.lineage import versions
from .magic_errors import ProvenanceError
from .views import TableView


def _session_numbers(notebook_id: str | None) -> dict[str, int]:
    return {row["session"]: row["number"] for row in session_views.sessions(notebook_id or "")}


def _versions(name: str, notebook_id: str | None) -> list[dict[str, Any]]:
    """Every version of ``name`` in every session of the notebook, numbered 1… (with the session's number)."""
    if not notebook_id:
        return []
    cells = session_views.cell_pks(notebook_id)
    rows = versions(name, cells)
    sessions_of = session_views.sessions_of_cells([row["cell"]["pk"] for row in rows])
    numbers = _session_numbers(notebook_id)
    for row in rows:
        session = sessions_of.get(row["cell"]["pk"])
        row["session"], row["session_number"] = session, numbers.get(session or "")
    return rows


def select_version(name: str, selector: str, notebook_id: str | None) -> Node | None:
    """``NAME`` (the latest version of any session), ``NAME@N`` (version N), ``NAME@sK`` (the latest of
    session K), ``NAME@<session id prefix>``."""
    rows = _versions(name, notebook_id)
    if selector.isdigit():
        number = int(selector)
        chosen = [row for row in rows if row["version"] == number]
    elif selector:
        if selector[:1] == "s" and selector[1:].isdigit():
            chosen = [row for row in rows if row["session_number"] == int(selector[1:])]
        else:
            chosen = [row for row in rows if (row["session"] or "").startswith(selector)]
    else:
        chosen = rows
    return load_node(chosen[-1]["pk"]) if chosen else None


def history_all_sessions(name: str, selector: str, notebook_id: str | None, *, quiet: bool = False) -> TableView | None:
    """The history of ``name`` across the notebook's sessions (one session with ``@sK``/``@<id>``)."""
    if not name.isidentifier():
        raise ProvenanceError(f"%provenance history: {name!r} is not a variable name")
    rows = _versions(name, notebook_id)
    if selector:
        if selector[:1] == "s" and selector[1:].isdigit():
            rows = [row for row in rows if row["session_number"] == int(selector[1:])]
        elif selector.isdigit():
            rows = [row for row in rows if row["version"] == int(selector)]
        else:
            rows = [row for row in rows if (row["session"] or "").startswith(selector)]
    if not rows:
        if quiet:
            return None
        raise ProvenanceError(f"%provenance history: no recorded version of {name!r} in "
                              f"{'session ' + repr(selector) if selector else 'any session of this notebook'}")
    table = [[v["version"], f"s{v['session_number']}" if v["session_number"] else "-", v["pk"], v["type"], v["size"],
              v["value"], v["hash"], v["link_type"], v["cell"]["label"], v["cell"]["cell_id"], v["cell"]["started_at"][:23]]
             for v in rows]
    sessions = sorted({v["session_number"] for v in rows if v["session_number"]})
    return TableView(["version", "session", "node", "type", "shape/len", "value", "hash", "link", "cell", "cell id",
                      "started"], table, f"history of {name} in {len(sessions)} session(s) of this notebook")


def file_history(pattern: str, command: str) -> TableView:
    """Every recorded version of the files matching ``pattern``: which cell wrote it, which read it, and
    which versions changed outside the notebook."""
    from ..views.notebook_files import file_versions, recorded_paths

    paths = recorded_paths(pattern)
    if not paths:
        raise ProvenanceError(f"%provenance {command}: no recorded file matches {pattern!r} "
                              "(a file is recorded when a recorded cell reads or writes it)")
    rows = []
    for path in paths:
        for v in file_versions(path):
            writer = v["written_by"]
            made = (f"{writer['label']} (cell id {writer['cell_id']})" if writer else
                    "changed outside the notebook" if v["changed_outside"] else "on disk before")
            readers = ", ".join(c["label"] or "" for c in v["read_by"]) or "-"
            rows.append([path, v["version"], v["pk"], v["hash"], v["size"], made, readers])
    return TableView(["file", "version", "node", "hash", "bytes", "made by", "read by"], rows,
                     f"{len(paths)} file(s) matching {pattern}")


def stale_cells_warning(node: Node, notebook_path: str | None) -> str | None:
    """A warning when ``node`` depends on cells deleted from the notebook or edited since (hidden state).

    The notebook is read as saved on disk, and only cells that ran before it was last saved are judged (a
    cell run since may not be in the file yet: JupyterLab saves every two minutes). Cells found deleted are
    marked (extra ``deleted_from_notebook``).
    """
    from datetime import datetime, timezone

    from .lineage import compute_slice
    from .sessions import notebook_file

    _, ids, sources = notebook_file(notebook_path)
    if not ids or not notebook_path:
        return None
    try:
        saved = datetime.fromtimestamp(os.path.getmtime(notebook_path), tz=timezone.utc).isoformat()
    except OSError:
        return None
    deleted, edited = [], []
    for cell in compute_slice(node).cells:
        cell_id = cell.get_attribute("cell_id", None)
        if not cell_id or (cell.get_attribute("ended_at", None) or cell.get_attribute("started_at", "")) >= saved:
            continue
        if cell_id not in sources:
            deleted.append(cell)
            if not cell.get_extra("deleted_from_notebook", False):
                cell.set_extra("deleted_from_notebook", True)
        elif sources[cell_id].strip() != (cell.get_attribute("source", "") or "").strip():
            edited.append(cell)
    if not deleted and not edited:
        return None
    parts = []
    if deleted:
        parts.append(f"{len(deleted)} cell(s) no longer in the notebook: "
                     + ", ".join(f"{c.label} (cell id {c.get_attribute('cell_id')})" for c in deleted))
    if edited:
        parts.append(f"{len(edited)} cell(s) whose source differs from the notebook's now: "
                     + ", ".join(f"{c.label} (cell id {c.get_attribute('cell_id')})" for c in edited))
    return "jupyter-prov: warning: this value depends on " + "; ".join(parts)


def diff_versions(args: list[str], notebook_id: str | None) -> TableView:
    """``NAME`` (its latest two versions) or ``NAME@A NAME@B`` (versions as ``history --all-sessions`` numbers them)."""
    from ..views.value_diff import diff_values

    names = {a.partition("@")[0] for a in args}
    if len(names) != 1:
        raise ProvenanceError("%provenance diff compares two versions of one variable: NAME@A NAME@B")
    name = names.pop()
    if not name.isidentifier():
        raise ProvenanceError(f"%provenance diff: {name!r} is not a variable name")
    rows = _versions(name, notebook_id)
    if len(args) == 1:
        if "@" in args[0]:
            raise ProvenanceError("%provenance diff takes NAME (the latest two versions) or NAME@A NAME@B")
        if len(rows) < 2:
            raise ProvenanceError(f"%provenance diff: {name!r} has {len(rows)} recorded version(s), two are needed")
        pair = rows[-2:]
    else:
        pair = []
        for arg in args:
            selector = arg.partition("@")[2]
            if not selector.isdigit():
                raise ProvenanceError(f"%provenance diff: {arg!r} is not NAME@N (a version number of history)")
            found = [row for row in rows if row["version"] == int(selector)]
            if not found:
                raise ProvenanceError(f"%provenance diff: {name!r} has no version {selector} (it has {len(rows)})")
            pair.append(found[0])
    before, after = load_node(pair[0]["pk"]), load_node(pair[1]["pk"])
    table = [["made by", f"{pair[0]['cell']['label']} (s{pair[0]['session_number']})",
              f"{pair[1]['cell']['label']} (s{pair[1]['session_number']})"]]
    table += [[r["what"], r["before"], r["after"]] for r in diff_values(before, after)]
    return TableView(["", f"{name}@{pair[0]['version']}", f"{name}@{pair[1]['version']}"], table,
                     f"diff of {name}: version {pair[0]['version']} -> {pair[1]['version']}")


def save_slice(piece: Any, name: str, target: str, *, copy_inputs: bool = False) -> str:
    """Write the slice as a notebook (``.ipynb``) or a script (``.py``): a header with the environment and
    the input files, the cells in order, a last cell that checks the value's hash. Returns the path."""
    import nbformat

    from .replay import replay_source

    if not target.endswith((".ipynb", ".py")):
        raise ProvenanceError(f"%provenance slice --to: {target!r} is neither a .ipynb nor a .py file")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise ProvenanceError(f"%provenance slice --to: folder {os.path.dirname(target)!r} does not exist")
    files = sorted({str(f.get_attribute("path", f.label)) for f in piece.files})
    copied = []
    if copy_inputs and files:
        inputs = os.path.join(folder, os.path.splitext(os.path.basename(target))[0] + "_inputs")
        os.makedirs(inputs, exist_ok=True)
        for path in files:
            if os.path.isfile(path):
                shutil.copy2(path, os.path.join(inputs, os.path.basename(path)))
                copied.append(os.path.join(inputs, os.path.basename(path)))
    facts = session_views.environment_of_value(piece.target) or {}
    env, session = facts.get("environment") or {}, facts.get("session") or {}
    imported = {i.split(".")[0] for cell in piece.cells for i in (cell.get_attribute("imports", []) or [])}
    distributions = env.get("distributions") or {}
    versions_used = {k: v for k, v in distributions.items() if k in {n.replace("_", "-").lower() for n in imported}}
    recorded = piece.target.node_hash if piece.target.node_type != "data.reference" else None
    header = [f"# Slice of `{name}`: {len(piece.cells)} cell(s), saved by jupyter-prov", "",
              f"- made in session {str(session.get('session', '?'))[:8]} started {str(session.get('started_at', '?'))[:19]} "
              f"on {session.get('host', '?')}",
              f"- Python {env.get('python_version', '?')} ({env.get('executable', '?')}), "
              f"{len(distributions)} distributions (environment {str(env.get('hash', '?'))[:12]})"]
    if versions_used:
        header.append("- imported: " + ", ".join(f"{k} {v}" for k, v in sorted(versions_used.items())))
    if files:
        header.append("- input files read from disk: " + ", ".join(f"`{p}`" for p in files))
    if copied:
        header.append("- copies of the input files: " + ", ".join(f"`{p}`" for p in copied))
    check = ("from jupyter_prov.notebook.capture import value_hash as _jprov_value_hash\n"
             f"_jprov_hash = _jprov_value_hash({name})\n"
             + (f"assert _jprov_hash == {recorded!r}, f'the hash of {name} differs: {{_jprov_hash}} != {recorded}'\n"
                f"print('the hash of {name} matches the recorded one: {recorded[:12]}')"
                if recorded else f"print('{name} has no content hash (a reference value): not compared')"))
    sources = [replay_source(src) for src in piece.sources()]
    if target.endswith(".ipynb"):
        cells = [nbformat.v4.new_markdown_cell("\n".join(header))]
        cells += [nbformat.v4.new_code_cell(src) for src in sources]
        cells.append(nbformat.v4.new_code_cell(check))
        nbformat.write(nbformat.v4.new_notebook(cells=cells), target)
    else:
        text = "\n".join("# " + line if line else "#" for line in header) + "\n"
        text += "".join(f"\n# %%\n{src}\n" for src in sources) + f"\n# %%\n{check}\n"
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    return target
