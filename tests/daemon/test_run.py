"""Submitted processes run in the daemon's worker OS processes, on both backends and both brokers."""

from __future__ import annotations

import time

import pytest

from jupyter_prov.daemon import daemon_status, wait
from jupyter_prov.engine import submit
from jupyter_prov.orm import Float, Int, ProcessState
from tests.daemon.processes import AddChildren, Nested, add, fail


def test_submit_and_wait(daemon):
    status = daemon_status(daemon)
    assert status["running"] and len(status["workers"]) == 2
    assert all(w["alive"] and w["pid"] for w in status["workers"]) and status["supervisor"]["pid"]

    node = submit(add, x=Int(1), y=Int(2))
    assert node.process_state is ProcessState.CREATED
    node = wait(node, timeout=30)
    assert node.is_finished_ok and node.outputs.result.value == 3

    chain = wait(submit(AddChildren, count=Int(5)), timeout=60)
    assert chain.is_finished_ok, chain.attributes
    assert chain.outputs.total.value == sum(i + 1 for i in range(5))
    children = [c for c in chain.called if c.process_label == "slow_add"]
    assert len(children) == 5 and all(c.is_finished_ok for c in children)

    nested = wait(submit(Nested, count=Int(3)), timeout=60)
    assert nested.is_finished_ok and nested.outputs.total.value == 6


def test_a_failing_process_is_excepted_and_its_error_kept(daemon):
    node = wait(submit(fail, x=Int(4)), timeout=30)
    assert node.process_state is ProcessState.EXCEPTED
    assert "bad value 4" in node.get_attribute("exception")


def test_many_submissions_spread_over_both_workers(daemon):
    nodes = [submit(add, x=Int(i), y=Int(i)) for i in range(60)]
    done = [wait(node, timeout=120) for node in nodes]
    assert [n.outputs.result.value for n in done] == [2 * i for i in range(60)]
    from jupyter_prov.daemon import leases
    from jupyter_prov.orm import current

    assert leases.counts(current.get_storage()) == {}


def test_submitting_with_no_daemon_warns_with_the_command_to_start_it(daemon_profile):
    from jupyter_prov.daemon import DaemonNotRunningWarning, submission

    submission._warned.clear()
    submission._checked.clear()
    with pytest.warns(DaemonNotRunningWarning, match="jprov -p .* daemon start"):
        node = submit(add, x=Int(1), y=Int(1))
    assert node.process_state is ProcessState.CREATED
    # it runs once a daemon starts
    from jupyter_prov.daemon import start_daemon

    start_daemon(daemon_profile, 1)
    assert wait(node, timeout=30).outputs.result.value == 2


def test_autostart_option_starts_the_daemon_on_submit(daemon_profile):
    from jupyter_prov.config import get_config
    from jupyter_prov.daemon import is_running, submission
    from jupyter_prov.orm import current

    config = get_config()
    config.profiles[daemon_profile.name].options["daemon_autostart"] = True
    config.save()
    current.load_profile(daemon_profile.name)
    current.get_profile().options["daemon_autostart"] = True
    submission._checked.clear()
    start = time.monotonic()
    node = submit(add, x=Int(2), y=Int(3))
    assert is_running(daemon_profile)
    assert wait(node, timeout=30).outputs.result.value == 5
    assert time.monotonic() - start < 30
    config.profiles[daemon_profile.name].options.pop("daemon_autostart")
    config.save()


def test_a_process_defined_in_a_function_is_not_queued_and_says_why(daemon_profile):
    from jupyter_prov.daemon import NotSubmittableWarning, leases
    from jupyter_prov.engine import calcfunction
    from jupyter_prov.orm import current

    @calcfunction
    def local_add(x, y):
        return x + y

    with pytest.warns(NotSubmittableWarning, match="cannot import it.*NOT queued.*importable module"):
        node = submit(local_add, x=Int(1), y=Int(2))
    assert leases.get(current.get_storage(), node.pk) is None


def test_wait_times_out_with_the_state_named(daemon_profile):
    from jupyter_prov.daemon import WaitTimeout

    with pytest.warns(Warning):
        node = submit(add, x=Int(1), y=Float(1.0))
    start = time.monotonic()
    with pytest.raises(WaitTimeout, match="still created"):
        wait(node, timeout=1.5)
    assert time.monotonic() - start < 5
