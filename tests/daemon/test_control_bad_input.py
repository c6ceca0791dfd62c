"""Bad input to submit and to process control: a clear message naming the input, nothing changed, never a hang."""

from __future__ import annotations

import time

import pytest

from jupyter_prov.daemon import NotSubmittableWarning, kill, leases, pause, play
from jupyter_prov.engine import calcfunction, submit
from jupyter_prov.orm import Float, Int, ProcessState, current, load_node
from jupyter_prov.orm.exceptions import NotExistent, ValidationError
from tests.daemon.processes import slow_add

pytestmark = pytest.mark.filterwarnings("ignore:no daemon is running")


def test_a_process_defined_in_main_is_refused_at_submit_time(daemon_profile):
    """A notebook's or a script's own functions live in ``__main__``, which a worker cannot import."""

    def double(x):
        return x * 2

    double.__module__, double.__qualname__ = "__main__", "double"  # as if defined in a notebook cell
    process = calcfunction(double)
    with pytest.warns(NotSubmittableWarning, match=r"'__main__:double'.*in __main__ \(a notebook or a script\)"
                                                   r".*NOT queued.*importable module.*continue_process"):
        node = submit(process, x=Int(2))
    assert node.process_state is ProcessState.CREATED
    assert leases.get(current.get_storage(), node.pk) is None  # not queued: no worker will fail on it


@pytest.mark.parametrize("action", [kill, pause, play])
def test_unknown_pks_are_refused_before_anything_changes(daemon_profile, action):
    queued = submit(slow_add, x=Int(1), y=Int(1), seconds=Float(0)) if action is kill else None
    pks = ([queued.pk] if queued else []) + [987654]
    with pytest.raises(NotExistent, match="no process with pk 987654"):
        action(pks)
    if queued:
        assert not load_node(queued.pk).is_terminated  # the valid pk before the bad one was not killed
    with pytest.raises(NotExistent, match="no process with pk 'abc'"):
        action(["abc"])
    with pytest.raises(ValidationError, match="not a process"):
        action([Int(1).store().pk])


@pytest.fixture
def unreachable_broker(profile):
    from jupyter_prov.config import get_config
    from tests.daemon.conftest import make_daemon_profile

    prof = make_daemon_profile(profile, "unreachable")
    config = get_config()
    config.profiles[prof.name].broker = "amqp://guest:guest@127.0.0.1:1//"
    config.save()
    current.load_profile(prof.name)
    yield current.get_profile()
    current.load_profile(profile.name)


@pytest.mark.filterwarnings("ignore:cannot reach the broker")
def test_control_with_an_unreachable_broker_acts_on_the_database_and_never_hangs(unreachable_broker):
    node = submit(slow_add, x=Int(1), y=Int(1), seconds=Float(0))
    other = submit(slow_add, x=Int(2), y=Int(1), seconds=Float(0))
    start = time.monotonic()
    assert pause([other.pk]) == {other.pk: "paused"}
    assert kill([node.pk]) == {node.pk: "killed"}  # nobody runs them: no message is needed
    assert load_node(node.pk).is_killed and load_node(other.pk).get_attribute("paused")
    (outcome,) = play([other.pk]).values()  # the message that wakes a worker cannot be sent: it says so
    assert outcome.startswith("playing (the broker is unreachable: the request is recorded in the database")
    row = leases.get(current.get_storage(), other.pk)
    assert row["paused"] is False or row["paused"] == 0  # played in the database: workers' scan finds it
    assert time.monotonic() - start < 20
