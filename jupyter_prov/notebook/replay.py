"""Re-execute a slice in a fresh kernel and compare the value's hash with the recorded one.

The replay kernel is a child of the user's kernel: what it writes to its stderr (ipykernel's warning
that it runs over TCP without encryption, at every start) would reach the user's cell output through
the kernel's captured file descriptors, so it goes to a temporary file instead, read only when the
replay fails. Tracebacks of a failing replayed cell carry ANSI colours; the error kept is plain text.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass

from .lineage import Slice
from .views import plain_text

_MARK = "JPROV-REPLAY-HASH:"


@dataclass
class ReplayResult:
    name: str
    recorded_hash: str | None
    replayed_hash: str | None
    cells: int
    error: str | None = None

    @property
    def comparable(self) -> bool:
        """Both values have a content hash (a reference value, e.g. a function or a module, has none)."""
        return self.error is None and self.recorded_hash is not None and self.replayed_hash is not None

    @property
    def why_not_comparable(self) -> str | None:
        if self.error is not None:
            return self.error
        if not self.comparable:
            return "reference value"
        return None

    @property
    def matches(self) -> bool:
        return self.comparable and self.recorded_hash == self.replayed_hash


def replay_source(source: str) -> str:
    """A cell's source without provenance magics (the replay kernel does not record)."""
    return "\n".join(line for line in source.splitlines()
                     if not line.strip().startswith(("%provenance", "%%provenance", "%load_ext jupyter_prov")))


def _this_python_kernel_manager():
    """A kernel manager for an ipykernel on this very interpreter (``sys.executable``).

    The kernelspec named ``python3`` can belong to another environment than the kernel that asks for the
    replay (a conda env kernel started from JupyterLab in the base env); this one cannot.
    """
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str, *args: object, **kwargs: object) -> KernelSpec:
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name=f"Python ({sys.executable})", language="python")

    return AsyncKernelManager(kernel_name="jprov-replay", kernel_spec_manager=ThisPython())


def replay_slice(piece: Slice, name: str, *, cwd: str | None = None, kernel_name: str | None = None,
                 timeout: int = 600) -> ReplayResult:
    """Run the cells of ``piece`` in a new kernel (nbclient), then hash the value of ``name`` there.

    The kernel runs on this Python (``sys.executable``), or on the kernelspec ``kernel_name`` if given.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    cells = [nbformat.v4.new_code_cell(replay_source(src)) for src in piece.sources()]
    cells.append(nbformat.v4.new_code_cell(
        "from jupyter_prov.notebook.capture import value_hash as _jprov_value_hash\n"
        f"print({_MARK!r} + str(_jprov_value_hash({name})))"
    ))
    notebook = nbformat.v4.new_notebook(cells=cells)
    env = dict(os.environ)
    env["JPROV_RECORD"] = "0"
    client = NotebookClient(notebook, timeout=timeout, kernel_name=kernel_name or "",
                            km=None if kernel_name else _this_python_kernel_manager(),
                            resources={"metadata": {"path": cwd or os.getcwd()}})
    recorded = piece.target.node_hash if _has_content_hash(piece.target) else None
    with tempfile.TemporaryFile() as kernel_log:
        try:
            client.execute(env=env, stdout=kernel_log, stderr=kernel_log)
        except CellExecutionError as exc:
            lines = plain_text(str(exc)).strip().splitlines() or ["the replayed cell failed"]
            return ReplayResult(name, recorded, None, len(piece.cells), error=lines[-1][:500])
        except Exception as exc:  # noqa: BLE001 - the kernel did not start or died: say why, in one line
            kernel_log.seek(0)
            tail = plain_text(kernel_log.read()[-2000:].decode("utf-8", "replace")).strip().splitlines()
            detail = f" ({tail[-1][:300]})" if tail else ""
            return ReplayResult(name, recorded, None, len(piece.cells),
                                error=f"the replay kernel failed: {type(exc).__name__}: {exc}{detail}"[:500])
    replayed = None
    for output in notebook.cells[-1].get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(_MARK):
                value = line[len(_MARK):].strip()
                replayed = None if value == "None" else value
    return ReplayResult(name, recorded, replayed, len(piece.cells))


def _has_content_hash(node) -> bool:
    """Whether the node's hash is its content's: a reference (an opaque Python value) only has a fingerprint."""
    return node.node_type != "data.reference"
