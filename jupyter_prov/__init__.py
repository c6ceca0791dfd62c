"""jupyter-prov: a Jupyter-first provenance store and workflow engine.

The public API is small:

- ``load_profile(name=None)``: open a profile (the zero-config ``default`` one on SQLite if none exists).
- ``orm``: the provenance model: data kinds (``Int``, ``Float``, ``Str``, ``Bool``, ``Dict``, ``List``,
  ``Array``, ``File``, ``Folder``, ``RemoteFolder``), process nodes, ``Group``, ``Comment``, ``Log``,
  ``User``, ``Computer``; ``load_node``, ``store_all``, ``to_data``.

Everything not named here may change between versions.
"""

from . import orm
from .orm import Node, load_node, load_profile, store_all, to_data

__version__ = "0.1.0"

__all__ = ["orm", "Node", "load_node", "load_profile", "store_all", "to_data", "__version__"]
