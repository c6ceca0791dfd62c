"""A module no test submits a process from: importing it touches the file named by ``JPROV_TEST_SENTINEL``.

It stands for any module on a worker's path that an archive or a database row could name.
"""

import os
from pathlib import Path

_sentinel = os.environ.get("JPROV_TEST_SENTINEL")
if _sentinel:
    Path(_sentinel).touch()


def touch(*_args, **_kwargs):
    """Never called: the worker must refuse to import this module at all."""
    raise AssertionError("tests.engine.not_allowed was imported and called")
