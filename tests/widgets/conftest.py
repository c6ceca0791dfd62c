"""Fixtures of the widget tests: the JupyterLab server of the browser tests (tests/notebook/test_jupyterlab.py)."""

from ..notebook.test_jupyterlab import lab  # noqa: F401 - the fixture, for the browser tests here
