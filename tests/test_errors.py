"""Every exception class jupyter-prov defines is in one tree rooted at ``JprovError`` (see ``jupyter_prov/errors.py``).

A face catches ``JprovError`` once and prints one line; an error class outside the tree would reach a user as a
traceback. The check imports every module of the package and looks at the classes each one defines.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import pytest

import jupyter_prov
from jupyter_prov.errors import JprovError, JprovWarning

# Outside the tree on purpose, with the reason.
OUTSIDE_THE_TREE = {
    # raised asynchronously inside a process's own code to stop it: a BaseException so that the process's
    # own ``except Exception`` cannot swallow a kill
    "jupyter_prov.engine.interrupts.ProcessKilled",
}

# Modules that need an optional front end to import; they are checked when it is installed.
OPTIONAL = ("jupyter_prov.widgets", "jupyter_prov.server")


def _package_modules():
    for info in pkgutil.walk_packages(jupyter_prov.__path__, "jupyter_prov."):
        if info.name.startswith("jupyter_prov.testing") or ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        yield info.name


def _exception_classes():
    found = []
    for name in _package_modules():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except ImportError:
            if name.startswith(OPTIONAL):
                continue
            raise
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == name and issubclass(obj, BaseException):
                found.append(obj)
    return found


EXCEPTIONS = _exception_classes()


def test_the_package_defines_exceptions_at_all():
    assert len(EXCEPTIONS) > 20


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_exception_class_derives_from_the_root(cls):
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    if qualified in OUTSIDE_THE_TREE:
        assert not issubclass(cls, Exception), f"{qualified} is allowed outside the tree only as a BaseException"
        return
    if issubclass(cls, Warning):
        assert issubclass(cls, JprovWarning), f"{qualified} is a warning outside JprovWarning"
    else:
        assert issubclass(cls, JprovError), f"{qualified} does not derive from JprovError"


def test_layer_errors_keep_their_builtin_meaning():
    from jupyter_prov.daemon.events import WaitTimeout
    from jupyter_prov.orm.exceptions import NotExistent, ValidationError

    assert issubclass(NotExistent, LookupError)
    assert issubclass(ValidationError, ValueError)
    assert issubclass(WaitTimeout, TimeoutError)


def test_the_tree_imports_nothing_so_every_layer_can_use_it():
    import ast

    from jupyter_prov import errors

    tree = ast.parse(inspect.getsource(errors))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    assert imported == ["__future__"]
