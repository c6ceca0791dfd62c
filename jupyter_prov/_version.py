"""The one version string of jupyter-prov: ``version`` in ``pyproject.toml``, read from the installed package's
metadata, so a release changes it in one place.

``jprov --version``, :data:`jupyter_prov.__version__` and the ``jprov_version`` an archive records all
read it here. Reading package metadata imports :mod:`importlib.metadata` (~25 ms, measured with
``python -X importtime``: 30 times ``import jupyter_prov`` itself), so nothing imports this module at start-up:
``jupyter_prov.__version__`` loads it on first use and ``jprov`` only for ``--version``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("jupyter-prov")
except PackageNotFoundError:  # the sources on sys.path without `pip install` (no metadata to read)
    __version__ = "0+unknown"

__all__ = ["__version__"]
