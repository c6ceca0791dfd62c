"""A SQLite writer that finds the write lock taken waits in short steps, not SQLite's 1-100 ms sleeps."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from jupyter_prov.storage import backend


def _connect(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA busy_timeout={backend.SQLITE_BUSY_TIMEOUT_MS}")
    return conn


def test_begin_immediate_gets_the_lock_soon_after_the_holder_commits(tmp_path):
    path = tmp_path / "lock.sqlite"
    holder, waiter = _connect(path), _connect(path)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    released = {}

    def release_later():
        time.sleep(0.3)
        holder.execute("INSERT INTO t VALUES (1)")
        released["at"] = time.monotonic()  # just before: the waiter may run before this thread does again
        holder.execute("COMMIT")

    thread = threading.Thread(target=release_later)
    thread.start()
    backend.begin_immediate(waiter)
    got = time.monotonic()
    thread.join()
    waiter.execute("INSERT INTO t VALUES (2)")
    waiter.execute("COMMIT")
    assert got >= released["at"]
    assert got - released["at"] < 0.05  # SQLite's own handler would be sleeping 25-100 ms by now
    assert [r[0] for r in waiter.execute("SELECT x FROM t ORDER BY x")] == [1, 2]
    # the connection's busy timeout is back for the statements after the BEGIN
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == backend.SQLITE_BUSY_TIMEOUT_MS


def test_begin_immediate_gives_up_after_the_busy_timeout(tmp_path, monkeypatch):
    path = tmp_path / "lock.sqlite"
    holder, waiter = _connect(path), _connect(path)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(backend, "SQLITE_BUSY_TIMEOUT_MS", 200)
    start = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        backend.begin_immediate(waiter)
    assert 0.2 <= time.monotonic() - start < 2
    assert not waiter.in_transaction
    holder.execute("COMMIT")
