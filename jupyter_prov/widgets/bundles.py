"""The front-end bundles of the widgets: ES modules built from ``labextension/`` into ``static/`` by
``pip install`` (esbuild, via hatch-jupyter-builder). Nothing is loaded from a CDN."""

from __future__ import annotations

import pathlib

STATIC = pathlib.Path(__file__).parent / "static"


def bundle(name: str) -> pathlib.Path | str:
    """The bundle's path, or (not built) a module that says how to build it in place of the widget."""
    path = STATIC / name
    if path.exists():
        return path
    return ("export default { render({ el }) { el.textContent = 'jupyter-prov: the widget bundle " + name +
            " is missing; reinstall with pip install -e .[dev] (it builds labextension/)'; } };")
