"""Running the test notebooks in real kernels and reading back what they recorded."""

from __future__ import annotations

from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from sqlalchemy import select

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"


class LabLikeClient(NotebookClient):
    """Sends each cell's id in the request metadata (``cellId``), as JupyterLab does; nbclient does not."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        kc, cell_id = self.kc, cell.get("id")

        def execute(code, silent=False, store_history=True, user_expressions=None, allow_stdin=None,
                    stop_on_error=True):
            content = {"code": code, "silent": silent, "store_history": store_history,
                       "user_expressions": user_expressions or {}, "allow_stdin": False, "stop_on_error": stop_on_error}
            msg = kc.session.msg("execute_request", content, metadata={"cellId": cell_id})
            kc.shell_channel.send(msg)
            return msg["header"]["msg_id"]

        kc.execute = execute
        return await super().async_execute_cell(cell, cell_index, execution_count, store_history)

    execute_cell = run_sync(async_execute_cell)


def run_notebook(name: str | Path, env: dict, cwd: Path, order: list[int] | None = None, timeout: int = 180):
    """Execute ``tests/notebooks/<name>`` in a new ipykernel (cells in ``order`` if given); returns the notebook."""
    notebook = nbformat.read(NOTEBOOKS / name if isinstance(name, str) else name, as_version=4)
    client = LabLikeClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(cwd)}})
    if order is None:
        client.execute(env=env)
        return notebook
    with client.setup_kernel(env=env):
        for index in order:
            client.execute_cell(notebook.cells[index], index)
    return notebook


def output_text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        data = output.get("data", {})
        if "text/plain" in data:
            parts.append(data["text/plain"])
        if output.get("output_type") == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
    return "".join(parts)


def recorded_cells():
    """Every recorded cell execution in the profile, in recording order."""
    from jupyter_prov.orm import current
    from jupyter_prov.orm.nodes.node import load_nodes
    from jupyter_prov.storage import schema

    with current.get_storage().connection() as conn:
        pks = conn.execute(select(schema.nodes.c.id).where(schema.nodes.c.node_type == "process.cell")).scalars().all()
    cells = load_nodes(pks)
    return sorted(cells, key=lambda c: (c.get_attribute("session"), c.get_attribute("sequence")))


def inputs(node) -> dict:
    return {t.link_label: t.node for t in node.get_incoming(("input_calc", "input_work"))}


def outputs(node) -> dict:
    return {t.link_label: (t.link_type.value, t.node) for t in node.get_outgoing(("create", "return"))}


def table_rows(text: str) -> list[dict[str, str]]:
    """The rows of a table as ``%provenance`` prints it in text (title, header, dashes, rows), by column."""
    lines = text.splitlines()
    dashes = next(i for i, line in enumerate(lines) if line.startswith("-") and set(line) <= {"-", " "})
    spans, start = [], 0
    for part in lines[dashes].split("  "):
        if part:
            spans.append((start, start + len(part)))
        start += len(part) + 2
    spans[-1] = (spans[-1][0], None)  # the last column is not cut

    def cut(line):
        return [line[a:b].strip() if b is not None else line[a:].strip() for a, b in spans]

    header = cut(lines[dashes - 1])
    return [dict(zip(header, cut(line))) for line in lines[dashes + 1:] if line.strip()]
