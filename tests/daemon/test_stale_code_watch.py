"""The worker's code watch (daemon/stale_code.py) without a daemon: the order of events that a loaded
machine produces, made deterministic.

A run's result is committed before the worker notes the module files it loaded, so the scientist may
already have edited the module in between (seen once at load 16 under xdist: the changed function then
ran on the worker's old code). A file modified after the run began counts as changed.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import uuid
from dataclasses import dataclass, field

from jupyter_prov.daemon.stale_code import RESTART_HINT, CodeWatch


@dataclass
class Ran:
    """What the watch reads of a process node: its type and its recorded source hash."""

    process_type: str
    attributes: dict = field(default_factory=dict)

    def get_attribute(self, key, default=None):
        return self.attributes.get(key, default)


def _module(tmp_path, monkeypatch, text="def f(x):\n    return x\n"):
    name = f"watched_{uuid.uuid4().hex[:8]}"
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name), path


def _edit(path, extra="\n\ndef f(x, y):\n    return x + y\n"):
    stat = path.stat()
    path.write_text(path.read_text() + extra)
    os.utime(path, ns=(stat.st_atime_ns, max(time.time_ns(), stat.st_mtime_ns + 1_000_000)))


def test_an_edit_between_the_commit_and_the_note_is_caught(tmp_path, monkeypatch):
    watch = CodeWatch()
    started = time.time_ns()
    module, path = _module(tmp_path, monkeypatch)  # the run imports the module...
    _edit(path)  # ...its result is committed, and the scientist edits the file before the worker notes it
    watch.ran(Ran(f"{module.__name__}:f", {"source_hash": "old"}), started)
    stale = watch.stale_before_run(lambda: Ran(f"{module.__name__}:f", {"source_hash": "new"}))
    assert stale is not None and RESTART_HINT in stale[1]
    sys.modules.pop(module.__name__, None)


def test_a_file_unchanged_since_the_run_began_raises_no_alarm(tmp_path, monkeypatch):
    watch = CodeWatch()
    module, path = _module(tmp_path, monkeypatch)
    old = path.stat()
    os.utime(path, ns=(old.st_atime_ns, time.time_ns() - 10_000_000_000))  # written well before the run
    started = time.time_ns()
    watch.ran(Ran(f"{module.__name__}:f", {"source_hash": "h"}), started)
    assert watch.stale_before_run(lambda: Ran(f"{module.__name__}:f", {"source_hash": "h"})) is None
    _edit(path)
    stale = watch.stale_before_run(lambda: Ran(f"{module.__name__}:f", {"source_hash": "h2"}))
    assert stale is not None  # an edit after the note is seen as before
    sys.modules.pop(module.__name__, None)
