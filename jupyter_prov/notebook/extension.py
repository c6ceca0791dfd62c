"""Loading and unloading the IPython extension: one recorder per shell, hooked to the cell events."""

from __future__ import annotations

import atexit
import os
from typing import Any

from .recorder import Recorder

_recorders: dict[int, Recorder] = {}


def get_recorder(shell: Any = None) -> Recorder | None:
    """The recorder of ``shell`` (the running IPython shell when not given), if the extension is loaded."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return None
        shell = get_ipython()
    return _recorders.get(id(shell)) if shell is not None else None


def _flush_all() -> None:
    for recorder in list(_recorders.values()):
        try:
            recorder.close(timeout=float(os.environ.get("JPROV_FLUSH_TIMEOUT", "300")))
        except Exception:  # noqa: BLE001, S110 - interpreter shutting down
            pass


atexit.register(_flush_all)


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext jupyter_prov``: load the profile, register the magics, start recording.

    ``JPROV_RECORD=0`` in the environment loads the magics with recording off.
    """
    from ..orm import current
    from .magics import ProvenanceMagics

    if id(shell) in _recorders:
        return
    if current.get_profile() is None:
        current.load_profile()
    recorder = Recorder(shell)
    # loaded from a cell (``%load_ext``): the kernel is busy until that cell's ``post_run_cell``
    recorder.writer.kernel_busy()
    recorder.enabled = os.environ.get("JPROV_RECORD", "1").lower() not in ("0", "false", "off", "no")
    _recorders[id(shell)] = recorder
    shell.events.register("pre_run_cell", recorder.pre_run_cell)
    shell.events.register("post_run_cell", recorder.post_run_cell)
    shell.register_magics(ProvenanceMagics(shell, recorder))


def unload_ipython_extension(shell: Any) -> None:
    """``%unload_ext jupyter_prov``: stop recording, write what is pending."""
    recorder = _recorders.pop(id(shell), None)
    if recorder is None:
        return
    for event, callback in (("pre_run_cell", recorder.pre_run_cell), ("post_run_cell", recorder.post_run_cell)):
        try:
            shell.events.unregister(event, callback)
        except ValueError:
            pass
    recorder.close()
