"""The one version string of jupyter-prov. A release changes it here and nowhere else.

The package metadata takes it from this file (``[tool.hatch.version]`` in ``pyproject.toml``), and
``jprov --version``, :data:`jupyter_prov.__version__` and the ``jprov_version`` an archive records read it
here. The other way round (this module asking ``importlib.metadata``) costs ~45 ms CPU per ``jprov --version``
(measured at load 14: 0.225 -> 0.27 s) for importing ``importlib.metadata``, and says ``0+unknown`` when the
sources run without ``pip install``; a plain string costs nothing and is right for the code that runs.
"""

__version__ = "0.1.0"
