"""`jprov daemon restart` is graceful, and a failure caused by a worker's old copy of a module says so.

- A process that fails because its worker imported the scientist's module before it was edited names the
  module and the fix (`jprov daemon restart`) in its exit message or its report; a first import never
  raises that alarm.
- A restart lets running steps reach their checkpoint: a work chain step is not run twice and the next
  step runs in a new worker; a calcfunction still running is given the restart's ``--timeout`` (it is not
  killed after the daemon's stop timeout and run again from the start).

The behaviour does not depend on the broker: the embedded one is used.
"""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from jupyter_prov.cli import main
from jupyter_prov.daemon import restart_daemon, start_daemon, wait
from jupyter_prov.engine import submit
from jupyter_prov.orm import Int

MODULE = '''
import os
import time

from jupyter_prov.engine import WorkChain, calcfunction
from jupyter_prov.orm import Int

MARKS = {marks!r}


def mark(what):
    with open(MARKS, "a") as handle:
        handle.write(f"{{what}} {{os.getpid()}}\\n")


@calcfunction
def add_one(x):
    return x + 1


@calcfunction
def boom(x):
    raise ValueError(f"bad value {{x.value}}")


@calcfunction
def slow(x):
    mark("slow-start")
    time.sleep(4)
    mark("slow-end")
    return x + 1


class TwoSteps(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.outline(cls.first, cls.second)
        spec.output("result", valid_type=Int)

    def first(self):
        mark("first")
        time.sleep(4)

    def second(self):
        mark("second")
        self.out("result", Int(self.inputs.x.value + 2).store())
'''

ADDED = '''

@calcfunction
def double(x):
    return x * 2
'''


@pytest.fixture
def broker_kind():
    return "embedded"


@pytest.fixture
def user_module(daemon_profile, tmp_path, monkeypatch):
    """A module of the scientist's, importable here and by the daemon's workers: (module, marks file, path)."""
    name = f"h3_user_{uuid.uuid4().hex[:8]}"
    marks = tmp_path / "marks.txt"
    marks.touch()
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(MODULE.format(marks=str(marks))))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ["PYTHONPATH"]]))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    yield module, marks, path
    sys.modules.pop(name, None)


def _edit(path: Path, extra: str):
    """Change the file as an editor does (its mtime moves on even on a coarse clock)."""
    stat = path.stat()
    path.write_text(path.read_text() + extra)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def _marks(marks: Path) -> list[tuple[str, int]]:
    return [(what, int(pid)) for what, pid in (line.split() for line in marks.read_text().splitlines())]


def _wait_for_mark(marks: Path, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(m == what for m, _ in _marks(marks)):
            return
        time.sleep(0.05)
    raise AssertionError(f"no {what!r} mark within {timeout} s: {marks.read_text()!r}")


def _report(profile, pk) -> str:
    return CliRunner().invoke(main, ["-p", profile.name, "process", "report", str(pk)], catch_exceptions=False).output


def test_a_process_new_to_an_old_worker_names_the_fix(daemon_profile, user_module):
    module, _marks_file, path = user_module
    start_daemon(daemon_profile, 1)
    assert wait(submit(module.add_one, x=Int(1)), timeout=60).is_finished_ok  # the worker imports the module
    _edit(path, ADDED)
    module = importlib.reload(module)
    failed = wait(submit(module.double, x=Int(2)), timeout=60)
    assert failed.is_excepted
    message = failed.get_attribute("exception")
    assert "jprov daemon restart" in message and module.__name__ in message, message

    restart_daemon(daemon_profile, timeout=30)
    redone = wait(submit(module.double, x=Int(2)), timeout=60)
    assert redone.is_finished_ok and redone.outputs.result.value == 4


def test_a_changed_function_run_by_an_old_worker_says_so(daemon_profile, user_module):
    module, _marks_file, path = user_module
    start_daemon(daemon_profile, 1)
    assert wait(submit(module.add_one, x=Int(1)), timeout=60).is_finished_ok
    _edit(path, "\n\n@calcfunction\ndef add_one(x, y):\n    return x + y\n")
    module = importlib.reload(module)
    failed = wait(submit(module.add_one, x=Int(1), y=Int(2)), timeout=60)
    assert failed.is_excepted
    said = (failed.get_attribute("exception") or "") + _report(daemon_profile, failed.pk)
    assert "jprov daemon restart" in said, said


def test_a_first_import_raises_no_alarm(daemon_profile, user_module):
    module, _marks_file, _path = user_module
    start_daemon(daemon_profile, 1)
    failed = wait(submit(module.boom, x=Int(3)), timeout=60)
    assert failed.is_excepted and "bad value 3" in failed.get_attribute("exception")
    said = failed.get_attribute("exception") + _report(daemon_profile, failed.pk)
    assert "daemon restart" not in said


def test_restart_lets_a_work_chain_step_reach_its_checkpoint(daemon_profile, user_module):
    module, marks, _path = user_module
    start_daemon(daemon_profile, 1)
    chain = submit(module.TwoSteps, x=Int(1))
    _wait_for_mark(marks, "first")
    restart_daemon(daemon_profile, timeout=60)
    chain = wait(chain, timeout=90)
    assert chain.is_finished_ok and chain.outputs.result.value == 3
    seen = _marks(marks)
    firsts = [pid for what, pid in seen if what == "first"]
    seconds = [pid for what, pid in seen if what == "second"]
    assert len(firsts) == 1, f"the first step ran again: {seen}"
    assert len(seconds) == 1 and seconds[0] != firsts[0], f"the old worker went on past the checkpoint: {seen}"


def test_restart_gives_a_running_calcfunction_its_timeout(daemon_profile, user_module):
    module, marks, _path = user_module
    start_daemon(daemon_profile, 1, stop_timeout=1)  # the daemon's own stop timeout is short
    node = submit(module.slow, x=Int(1))
    _wait_for_mark(marks, "slow-start")
    restart_daemon(daemon_profile, timeout=60)
    node = wait(node, timeout=90)
    assert node.is_finished_ok
    starts = [pid for what, pid in _marks(marks) if what == "slow-start"]
    assert len(starts) == 1, f"killed and run again from the start: {_marks(marks)}"


def test_cli_restart_takes_a_timeout_and_prints_json(daemon_profile):
    import json

    start_daemon(daemon_profile, 1)
    result = CliRunner().invoke(main, ["-p", daemon_profile.name, "daemon", "restart", "--timeout", "20", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["running"] and len(status["workers"]) == 1
