"""binder/ builds an environment in which the notebooks under notebooks/ run top to bottom.

Binder (repo2docker) is not run here; the test checks what would break it: postBuild installs this
package with extras that exist, and every module a notebook imports comes from the standard library, from
this package, or from a requirement that install brings.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shlex
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _project() -> dict:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _installed_extras() -> list[str]:
    """The extras of ``pip install -e ".[a,b]"`` in binder/postBuild."""
    for line in (BINDER / "postBuild").read_text().splitlines():
        words = shlex.split(line, comments=True)
        if "install" in words and "pip" in words:
            for word in words:
                match = re.fullmatch(r"\.(?:\[([\w,-]*)\])?", word)
                if match:
                    return [e for e in (match.group(1) or "").split(",") if e]
    raise AssertionError("binder/postBuild does not `pip install` the repository (.)")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalize(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0))


def _imported_modules(notebook: Path) -> set[str]:
    modules = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def test_postbuild_installs_the_package_with_existing_extras():
    assert os.access(BINDER / "postBuild", os.X_OK), "binder/postBuild must be executable"
    extras = _installed_extras()
    assert set(extras) <= set(_project()["optional-dependencies"]), extras
    assert "notebook" in extras  # ipykernel and nbclient: the magics and `%provenance slice --run`
    assert "graphviz" in (BINDER / "apt.txt").read_text().split()  # `dot` for `%provenance show`


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.name for n in NOTEBOOKS])
def test_every_module_a_notebook_imports_is_installed_by_binder(notebook):
    project = _project()
    installed = {_requirement_name(r) for r in project["dependencies"]}
    for extra in _installed_extras():
        installed |= {_requirement_name(r) for r in project["optional-dependencies"][extra]}
    installed.add(_normalize(project["name"]))
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module in sorted(_imported_modules(notebook)):
        if module in sys.stdlib_module_names:
            continue
        providers = {_normalize(d) for d in distributions.get(module, [module])}
        if not providers & installed:
            missing.append(f"{module} (from {', '.join(sorted(providers))})")
    assert not missing, f"{notebook.name} imports what binder/ does not install: {missing}"
