"""What a process *is*: the class behind a process or a ``module:qualname``, and the identity of its code.

These are the questions every part of the engine asks (launching, continuing, exposing another
process's ports, caching), so they live below :mod:`.process` and import nothing of the engine that
imports them: a process class is recognised by its ``is_process_class`` marker, not by ``issubclass``,
which is what lets :mod:`.spec` and :mod:`.caching` ask without importing :mod:`.process` (before this
module the engine's modules formed one import cycle through ``process.py``).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import sys
from typing import TYPE_CHECKING, Any

from ..errors import ProcessError
from . import allowed_modules

if TYPE_CHECKING:  # for the annotation only: this module must not import .process (see above)
    from .process import Process


def process_class_of(process: Any) -> type[Process]:
    """The process class of a process class or of a decorated process function (``@calcfunction``, ``@task``, ...)."""
    if isinstance(process, type):
        if getattr(process, "is_process_class", False):
            return process
    else:
        klass = getattr(process, "process_class", None)
        if isinstance(klass, type) and getattr(klass, "is_process_class", False):
            return klass
    raise ProcessError(f"{process!r} is not a process class or a @calcfunction/@workfunction/@task")


def import_process_type(process_type: str) -> Any:
    """The class or process function named by a ``"module:qualname"`` process type (imported, never unpickled).

    Only from a module this profile allows (see :mod:`.allowed_modules`): a process type is a string from a
    database row, and importing a module runs its code.
    """
    if not isinstance(process_type, str) or ":" not in process_type:
        raise ProcessError(f"process type {process_type!r} is not 'module:qualname'; the process cannot be loaded")
    allowed_modules.check(process_type)
    module_name, _, qualname = process_type.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ProcessError(f"cannot import process type {process_type!r}: {exc}") from exc
    return obj


# ---- code identity: what enters a process node's hash (and so the cache identity) -----------------
def source_of(obj: Any) -> str | None:
    """The source code of a class or function, or None when Python does not have it (built in the REPL)."""
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return None


def source_hash(source: str | None) -> str | None:
    return hashlib.sha256(source.encode()).hexdigest() if source else None


def package_version(module_name: str) -> str | None:
    """``__version__`` of the top-level package of ``module_name`` if it is imported and has one."""
    module = sys.modules.get(module_name.split(".")[0])
    return getattr(module, "__version__", None) if module else None


def core_version() -> str:
    """The version of jupyter-prov."""
    from .._version import __version__

    return __version__


def code_versions(module_name: str) -> dict[str, str | None]:
    """``{"core": jupyter-prov's version, "module": the version of the package that defines the code}``."""
    return {"core": core_version(), "module": package_version(module_name)}
