"""The process engine: process functions, work chains, graph workflows, caching and checkpoints.

Everything runs in plain synchronous Python (threads only where graph tasks run concurrently), so
the same code works in a script, in a notebook cell and in a daemon worker.
"""

from .caching import configure_caching, disable_caching, enable_caching
from .exit_codes import ExitCode
from .functions import calcfunction, workfunction
from .graphs import graph, task
from .launch import run, run_get_node, run_get_pk, submit, submit_many
from .outline import if_, return_, while_
from .ports import PortValidationError
from .process import Process, ProcessError
from .runner import continue_process
from .spec import ProcessSpec
from .workchains import ToContext, WorkChain, append_, assign_

__all__ = [
    "calcfunction", "workfunction", "WorkChain", "run", "run_get_node", "run_get_pk", "submit", "submit_many", "task",
    "graph", "while_", "if_", "return_", "ToContext", "append_", "assign_", "enable_caching", "disable_caching",
    "configure_caching", "ExitCode", "Process", "ProcessError", "ProcessSpec", "PortValidationError",
    "continue_process", "CalcJob", "launch_shell_job",
]

#: imported on first use (they need the transports, which import paramiko)
_LAZY = {"CalcJob": "jupyter_prov.engine.calcjobs", "launch_shell_job": "jupyter_prov.engine.shell_jobs",
         "ShellJob": "jupyter_prov.engine.shell_jobs"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'jupyter_prov.engine' has no attribute {name!r}")
