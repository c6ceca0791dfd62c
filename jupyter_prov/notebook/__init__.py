"""Notebook provenance: the IPython extension that records every cell execution.

``%load_ext jupyter_prov`` (or ``%load_ext jupyter_prov.notebook``) registers the ``%provenance`` magics
and starts recording. Modules: :mod:`.cell_analysis` (what a cell's code reads and writes),
:mod:`.capture` (which values become which data nodes), :mod:`.recorder` (the IPython events),
:mod:`.writer` (the background thread that stores), :mod:`.file_audit` (files a cell opens),
:mod:`.lineage` (history, slices, lineage drawings), :mod:`.replay` (re-running a slice), :mod:`.magics`.
"""

from .extension import get_recorder, load_ipython_extension, unload_ipython_extension

__all__ = ["get_recorder", "load_ipython_extension", "unload_ipython_extension"]
