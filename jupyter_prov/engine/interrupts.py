"""Stopping a process that is running in another thread: pause and kill requests that act within a second.

Two mechanisms, from the gentlest:

- **At a boundary.** A process run with an ``interrupted`` callback (daemon workers pass one) asks it
  at every safe point — after each work chain step is checkpointed, at every poll of a calc job — and
  gives control back to its caller when a pause or kill was requested. Nothing is lost: the state
  in the database is the checkpoint just written.
- **In the middle of Python code.** A kill of a process whose thread is executing the process's *own*
  code (the body of a calcfunction or workfunction, a work chain step) cannot wait for the boundary: the
  body may run for hours. :func:`request_kill` then raises :class:`ProcessKilled` in that thread
  (CPython's ``PyThreadState_SetAsyncExc``: the thread raises it as if its own code had, the way the
  main thread raises ``KeyboardInterrupt`` on Ctrl-C).
  The exception is only ever *sent* while the thread is inside a :func:`user_code` region, never while
  the engine records state; a kill requested while the engine works is kept and raised at the next
  boundary instead. Every process on the thread's stack catches it in
  :meth:`~jupyter_prov.engine.process.Process.execute` and ends ``killed`` exactly once.

Limits (documented for users in ``docs/how-to/run-in-the-background.md``): an asynchronous exception is
noticed between Python bytecodes, so one long blocking call — ``time.sleep(600)``, a long numpy or
Fortran routine, a read from a socket — is interrupted only when it returns to Python; and code that
catches ``BaseException`` and carries on delays the kill to the end of its region, where the engine
raises it again. The exception may land inside a database call made by the user code: that call's
transaction is rolled back, so the store stays consistent.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Callable, Literal

#: what an ``interrupted`` callback returns: ``"kill"``, ``"pause"`` or ``None`` (go on)
Interrupted = Callable[[], "str | None"]


class ProcessKilled(BaseException):
    """Raised inside a thread running a process that was killed (a ``BaseException``, like ``KeyboardInterrupt``,
    so that ``except Exception`` in user code does not swallow it)."""


class _Guard:
    """The interrupt state of one thread."""

    __slots__ = ("ident", "lock", "modes", "kill", "sent")

    def __init__(self, ident: int):
        self.ident = ident
        self.lock = threading.Lock()
        self.modes: list[bool] = []  # a stack: True inside user code, False inside the engine
        self.kill: tuple[int, str] | None = None  # (pk of the killed process, message)
        self.sent = False  # an asynchronous ProcessKilled was sent and maybe not yet raised


_local = threading.local()
_guards: dict[int, _Guard] = {}
#: pk of each stored process executing now → the thread executing it
_running: dict[int, int] = {}
_registry_lock = threading.Lock()


def guard() -> _Guard:
    """The interrupt state of the calling thread."""
    try:
        return _local.guard
    except AttributeError:
        ident = threading.get_ident()
        g = _local.guard = _Guard(ident)
        with _registry_lock:
            _guards[ident] = g
        return g


def _set_async(ident: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(exc) if exc else None)


def withdraw(g: _Guard) -> None:
    """Cancel a sent exception that was not raised yet (called under ``g.lock``, by the thread itself)."""
    if g.sent:
        g.sent = False
        _set_async(g.ident, None)


class _Region:
    __slots__ = ("user", "g")

    def __init__(self, user: bool):
        self.user = user

    def __enter__(self) -> None:
        g = self.g = guard()
        with g.lock:
            withdraw(g)
            g.modes.append(self.user)
            pending = g.kill is not None
        if pending and self.user:
            with g.lock:
                g.modes.pop()
            raise ProcessKilled()

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:  # never swallows the exception
        g = self.g
        with g.lock:
            if g.modes:
                g.modes.pop()
            late = g.sent
            withdraw(g)
            back_in_user_code = bool(g.modes) and g.modes[-1] and g.kill is not None
        if exc_type is ProcessKilled:
            return False
        if self.user and late:
            raise ProcessKilled()  # sent, not raised yet (or swallowed by the user code): raise it here
        if not self.user and back_in_user_code:
            raise ProcessKilled()  # requested while the engine worked: this is the boundary
        return False


def user_code() -> _Region:
    """``with user_code():`` around the process's own code: a kill may interrupt it there."""
    return _Region(True)


def engine_code() -> _Region:
    """``with engine_code():`` around the engine's bookkeeping: a kill waits until it is done."""
    return _Region(False)


def register(pk: int) -> None:
    with _registry_lock:
        _running[pk] = threading.get_ident()


def unregister(pk: int) -> None:
    """``pk`` stops executing in this thread: a kill that came too late for it is dropped."""
    g = guard()
    with _registry_lock:
        if _running.get(pk) == g.ident:
            del _running[pk]
        with g.lock:
            if g.kill is not None and g.kill[0] == pk:
                g.kill = None
                withdraw(g)


def is_executing(pk: int) -> bool:
    """Whether a thread of this OS process executes the stored process ``pk`` now."""
    return pk in _running


def request_kill(pk: int, message: str) -> bool:
    """Kill the process ``pk`` executing in a thread of this OS process; ``False`` if none executes it.

    If that thread is inside the process's own code, :class:`ProcessKilled` is raised there at once;
    otherwise at the next boundary (:func:`check`, or the next entry into user code).
    """
    with _registry_lock:  # held throughout: the process cannot stop executing meanwhile (see unregister)
        ident = _running.get(pk)
        g = _guards.get(ident) if ident is not None else None
        if g is None:
            return False
        with g.lock:
            if g.kill is None:
                g.kill = (pk, message)
            if g.modes and g.modes[-1] and not g.sent:
                g.sent = True
                _set_async(g.ident, ProcessKilled)
    return True


def back_in_user_code() -> bool:
    """Whether the calling thread returns into user code with a kill pending (raise it at this boundary)."""
    g = guard()
    with g.lock:
        return bool(g.modes) and g.modes[-1] and g.kill is not None


def check() -> None:
    """At a boundary: raise :class:`ProcessKilled` if a kill is pending for the calling thread."""
    if guard().kill is not None:
        raise ProcessKilled()


def handled(pk: int | None) -> tuple[bool, str]:
    """In the handler of :class:`ProcessKilled` for process ``pk``: ``(pk is the one killed, message)``.

    When ``pk`` is the killed process the request is done and cleared: its callers (if any) go on. ``None``
    (a process not stored) is never the one a kill names.
    """
    g = guard()
    with g.lock:
        withdraw(g)
        kill = g.kill
        if kill is None:
            return True, "killed"
        if kill[0] == pk:
            g.kill = None
            return True, kill[1]
    return False, f"caller {kill[0]} was killed"


def reset_modes(depth: int) -> None:
    """Drop region marks above ``depth`` (after a ``ProcessKilled`` that skipped their exits)."""
    g = guard()
    with g.lock:
        del g.modes[depth:]


__all__ = ["ProcessKilled", "check", "engine_code", "request_kill", "user_code"]
