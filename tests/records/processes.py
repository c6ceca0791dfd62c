"""Processes of the records tests that the daemon's workers import (this module is on their PYTHONPATH)."""

from jupyter_prov.engine import calcfunction


@calcfunction
def train(data):
    """A model "trained" on ``data``: twice its value."""
    return {"model": data.value * 2}
