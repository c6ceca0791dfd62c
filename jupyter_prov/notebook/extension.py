"""Loading and unloading the IPython extension: one recorder per shell, hooked to the cell events."""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from typing import Any

from .profile_loader import open_profile
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

#: seconds a SIGTERM leaves for pending records (a Jupyter server SIGKILLs 2.5 s after its SIGTERM)
SIGTERM_FLUSH_SECONDS = float(os.environ.get("JPROV_SIGTERM_FLUSH_SECONDS", "2.0"))
_previous_sigterm: Any = None
_sigterm_installed = False


def _on_sigterm(signum: int, frame: Any) -> None:
    """Write what is pending (small cells first), then let SIGTERM do what it did before."""
    for recorder in list(_recorders.values()):
        try:
            recorder.writer.flush(timeout=SIGTERM_FLUSH_SECONDS)
        except Exception:  # noqa: BLE001, S110 - terminating: never stand in the way
            pass
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
        return
    if previous == signal.SIG_IGN:
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _install_sigterm_flush() -> None:
    """Python ends at once on SIGTERM, without ``atexit``: a Jupyter server sends one when a kernel is slow
    to stop (shutdown, restart), so give the writer a short time first. Only from the main thread."""
    global _previous_sigterm, _sigterm_installed
    if _sigterm_installed or threading.current_thread() is not threading.main_thread():
        return
    try:
        _previous_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):  # not allowed here (embedded interpreter)
        return
    _sigterm_installed = True


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext jupyter_prov``: load the profile, register the magics, start recording.

    ``JPROV_RECORD=0`` in the environment loads the magics with recording off. When the profile does
    not load, the magics are registered all the same with recording off, and one line says why
    (``%provenance status`` says it again; ``%provenance on`` tries again).
    """
    from .magics import ProvenanceMagics

    if id(shell) in _recorders:
        return
    problem = open_profile()
    recorder = Recorder(shell)
    # loaded from a cell (``%load_ext``): the kernel is busy until that cell's ``post_run_cell``
    recorder.writer.kernel_busy()
    recorder.enabled = os.environ.get("JPROV_RECORD", "1").lower() not in ("0", "false", "off", "no")
    if problem:
        recorder.problem = problem
        recorder.enabled = False
        print(f"jupyter-prov: {problem}; recording is off (see `%provenance status`)", file=sys.stderr)
    _recorders[id(shell)] = recorder
    shell.events.register("pre_run_cell", recorder.pre_run_cell)
    shell.events.register("post_run_cell", recorder.post_run_cell)
    shell.register_magics(ProvenanceMagics(shell, recorder))
    _install_sigterm_flush()


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
