"""Submit queues: ``submit()`` finds where processes go through an entry point, never by naming the daemon."""

from __future__ import annotations

import subprocess
import sys
import warnings

from jupyter_prov.engine import queue as submit_queue
from jupyter_prov.engine import submit
from jupyter_prov.orm import ProcessState, load_node

from .processes import add


class RecordingQueue:
    """A queue that writes no rows and remembers what it was told."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.rows_for: list[list[int]] = []
        self.committed_calls: list[tuple[list, list]] = []

    def queueable(self, node):
        return not self.refuse

    def rows(self, pks):
        self.rows_for.append(list(pks))
        return []

    def committed(self, queued, refused):
        self.committed_calls.append((list(queued), list(refused)))

    def holds(self, pks):
        return []

    def kill(self, pks, message):
        raise AssertionError("nothing of this queue is killed here")


def test_the_daemon_is_the_declared_submit_queue_and_the_engine_does_not_import_it():
    code = (
        "import sys\n"
        "from jupyter_prov.engine import queue\n"
        "assert 'jupyter_prov.daemon' not in sys.modules, 'the engine imported the daemon'\n"
        "queues = queue.submit_queues()\n"
        "print(','.join(type(q).__module__ + '.' + type(q).__qualname__ for q in queues))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().split(",") == ["jupyter_prov.daemon.submission.DaemonQueue"]


def test_a_registered_queue_gets_the_rows_and_hears_of_the_commit(profile):
    recorder = RecordingQueue()
    submit_queue.register(recorder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no daemon runs here: the daemon's queue says so
            node = submit(add, 1, 2)
    finally:
        submit_queue.unregister(recorder)
    assert recorder.rows_for == [[node.pk]]
    assert recorder.committed_calls == [([node], [])]
    assert load_node(node.pk).process_state is ProcessState.CREATED
    assert recorder not in submit_queue.submit_queues()


def test_a_process_one_queue_cannot_run_is_stored_and_queued_nowhere(profile):
    refusing = RecordingQueue(refuse=True)
    submit_queue.register(refusing)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = submit(add, 1, 2)
    finally:
        submit_queue.unregister(refusing)
    from jupyter_prov.daemon import leases
    from jupyter_prov.orm import current

    assert refusing.rows_for == [] and refusing.committed_calls == [([], [node])]
    assert load_node(node.pk).process_state is ProcessState.CREATED
    assert leases.get(current.get_storage(), node.pk) is None  # the daemon's queue did not take it either


def test_register_is_idempotent():
    recorder = RecordingQueue()
    submit_queue.register(recorder)
    submit_queue.register(recorder)
    try:
        assert submit_queue.submit_queues().count(recorder) == 1
    finally:
        submit_queue.unregister(recorder)


def test_with_no_queue_at_all_submit_says_nothing_will_run_it(profile, monkeypatch):
    import pytest

    from jupyter_prov.engine import launch
    from jupyter_prov.errors import JprovWarning

    declared = submit_queue.submit_queues()
    monkeypatch.setattr(launch, "_warned_no_queue", False)
    for queue in declared:
        submit_queue.unregister(queue)
    try:
        with pytest.warns(JprovWarning, match="no submit queue is registered"):
            node = submit(add, 1, 2)
    finally:
        for queue in declared:
            submit_queue.register(queue)
    assert load_node(node.pk).process_state is ProcessState.CREATED
    assert submit_queue.submit_queues() == declared


def _dist(folder, name, version, entry_points=""):
    info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    if entry_points:
        (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_declared_queues_are_what_importlib_metadata_finds(tmp_path, monkeypatch):
    """The registry's own scan (it parses only the entry_points.txt naming the group) finds what a plain
    ``entry_points(group=...)`` finds: a queue of another distribution, not a shadowed second install."""
    from importlib.metadata import entry_points

    first, second = tmp_path / "first", tmp_path / "second"
    group = f"[{submit_queue.GROUP}]\n"
    _dist(first, "shadowed-plugin", "2.0", "[console_scripts]\nshadowed = shadowed.cli:main\n")
    _dist(second, "shadowed-plugin", "1.0", f"{group}shadowed = shadowed.queue:QUEUE\n")
    _dist(second, "extra-queue", "0.1", f"[console_scripts]\nextra = extra:main\n\n{group}extra = extra.queue:QUEUE\n")
    _dist(second, "unrelated", "3.0", "[console_scripts]\nunrelated = unrelated:main\n")
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))

    found = submit_queue.declared()
    assert [(ep.name, ep.value) for ep in found] == [("daemon", "jupyter_prov.daemon.submission:QUEUE"),
                                                     ("extra", "extra.queue:QUEUE")]
    assert found == sorted(entry_points(group=submit_queue.GROUP), key=lambda ep: ep.name)
