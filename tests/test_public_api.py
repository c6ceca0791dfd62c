"""The public API named in jupyter_prov/__init__.py is importable as the docs and issues write it."""

import pytest

import jupyter_prov


def test_every_public_name_resolves():
    for name in jupyter_prov.__all__:
        assert getattr(jupyter_prov, name) is not None, name


def test_the_imports_the_tutorials_use():
    from jupyter_prov import (  # noqa: F401
        ArchiveReader, QueryBuilder, WorkChain, calcfunction, graph, launch_shell_job, run, run_get_node, submit,
        task, wait, workfunction,
    )


def test_unknown_names_are_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        getattr(jupyter_prov, "no_such_thing")


def _in_a_fresh_interpreter(code: str) -> str:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_version_is_written_once_and_the_metadata_takes_it_from_there():
    from importlib.metadata import version
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    from jupyter_prov import _version

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "jupyter_prov/_version.py"
    assert jupyter_prov.__version__ == _version.__version__ == version("jupyter-prov")


def test_importing_the_package_loads_nothing_heavy():
    heavy = ("sqlalchemy", "numpy", "disk_objectstore", "kombu", "rich", "click", "importlib.metadata")
    probe = f"import sys, jupyter_prov; print(sorted(set({heavy!r}) & set(sys.modules)))"
    assert _in_a_fresh_interpreter(probe) == "[]"


def test_all_the_lazy_table_and_the_type_checking_imports_name_the_same_names():
    """One table (``_LAZY``) says where each public name comes from; ``__all__`` and what type checkers see agree."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(jupyter_prov))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    typed = {alias.asname or alias.name for node in ast.walk(block) if isinstance(node, ast.ImportFrom)
             for alias in node.names}
    lazy = set(jupyter_prov._LAZY)
    assert typed == lazy
    assert set(jupyter_prov.__all__) == lazy | {"__version__"}
