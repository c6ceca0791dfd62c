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


def test_lock_waits_must_be_positive_seconds():
    with pytest.raises(ValueError, match="positive"):
        backend.set_lock_waits(())
    with pytest.raises(ValueError, match="positive"):
        backend.set_lock_waits((0.001, 0))


def test_a_background_waiter_lets_a_foreground_writer_go_first(tmp_path):
    """A daemon worker waits longer between attempts than the kernel, so a kernel waiting for the same
    lock takes it first after the holder commits."""
    path = tmp_path / "lock.sqlite"
    holder, kernel, worker = _connect(path), _connect(path), _connect(path)
    holder.execute("CREATE TABLE t (who TEXT)")
    order: list[str] = []
    lock = threading.Lock()
    wins = {"kernel": 0, "worker": 0}

    def take(conn, who: str, waits) -> None:
        backend.begin_immediate(conn, waits)  # each "process" its own waits (both live in this one here)
        with lock:
            order.append(who)
        conn.execute("INSERT INTO t VALUES (?)", (who,))
        conn.execute("COMMIT")

    for _ in range(20):
        order.clear()
        holder.execute("BEGIN IMMEDIATE")
        threads = [threading.Thread(target=take, args=(worker, "worker", backend.BACKGROUND_LOCK_WAITS)),
                   threading.Thread(target=take, args=(kernel, "kernel", (0.0002, 0.0005, 0.001, 0.002)))]
        for thread in threads:
            thread.start()
        time.sleep(0.03)  # both are waiting now
        holder.execute("COMMIT")
        for thread in threads:
            thread.join()
        wins[order[0]] += 1
    assert wins["kernel"] >= 13, wins  # ~18 of 20 expected; equal waits would give ~10
