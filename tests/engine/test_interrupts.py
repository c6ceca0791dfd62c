"""The guarantee of engine/interrupts.py: a kill is raised inside the process's own code, never inside the
engine's bookkeeping; one requested meanwhile waits for the next boundary."""

from __future__ import annotations

import threading
import time

from jupyter_prov.engine import interrupts
from jupyter_prov.engine.interrupts import ProcessKilled, engine_code, request_kill, user_code

PK = 10**9  # a pk no stored process has: only the registry of this test uses it


def _run_in_thread(body):
    outcome: dict = {}

    def target():
        interrupts.register(PK)
        try:
            body(outcome)
        except ProcessKilled:
            outcome["killed"] = True
        finally:
            interrupts.unregister(PK)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def test_a_kill_interrupts_user_code_at_once():
    ready = threading.Event()

    def body(outcome):
        with user_code():
            ready.set()
            end = time.monotonic() + 30
            while time.monotonic() < end:
                time.sleep(0.005)
            outcome["ran to the end"] = True

    thread, outcome = _run_in_thread(body)
    ready.wait(5)
    start = time.monotonic()
    assert request_kill(PK, "test") is True
    thread.join(5)
    assert outcome == {"killed": True} and time.monotonic() - start < 0.5


def test_a_kill_during_engine_bookkeeping_waits_for_the_next_boundary():
    in_engine, requested = threading.Event(), threading.Event()

    def body(outcome):
        with user_code():
            with engine_code():  # e.g. a child process being stored while the step runs
                in_engine.set()
                requested.wait(5)
                end = time.monotonic() + 0.3
                while time.monotonic() < end:  # bytecodes run here: an exception would land in them
                    time.sleep(0.005)
                outcome["bookkeeping done"] = True
            outcome["never here"] = True  # the boundary back into user code raises the kill

    thread, outcome = _run_in_thread(body)
    in_engine.wait(5)
    assert request_kill(PK, "test") is True
    requested.set()
    thread.join(5)
    assert outcome == {"bookkeeping done": True, "killed": True}


def test_a_kill_of_a_process_that_no_thread_runs_does_nothing():
    assert request_kill(PK + 1, "test") is False
    assert not interrupts.is_executing(PK + 1)
