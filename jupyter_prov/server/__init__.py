"""The jupyter_server extension: REST under ``/jupyter-prov/api/`` and process/daemon events on the event bus.

``pip install jupyter-prov`` enables it (``jupyter-config/jupyter_server_config.d/jupyter_prov.json``,
installed as shared data into ``etc/jupyter``); ``jupyter server extension list`` shows it. The routes
and their parameters are listed in :mod:`jupyter_prov.server.routes`; every handler reads through
``jupyter_prov.views`` (or the daemon's and the archive's public functions) and never touches SQL.
"""

from __future__ import annotations


def _jupyter_server_extension_points() -> list[dict]:
    from .app import JupyterProvApp

    return [{"module": "jupyter_prov.server", "app": JupyterProvApp}]


def __getattr__(name: str):
    if name == "__version__":  # `jupyter server extension list` prints it; read on first use (see _version.py)
        from .._version import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
