"""The storage backend: one SQL database (SQLite or PostgreSQL) plus one file repository.

Everything above this layer talks to the database through :class:`StorageBackend`: transactions
(nested calls share the outer one), bulk insert/update (callers never loop row by row), and the
schema-version check. SQLite runs in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing with "database is locked".
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import Connection, Engine, Table, bindparam, create_engine, event, func, select, text, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ..errors import StorageError  # defined in the base layer, re-exported here
from . import bulk, schema
from .json_text import dumps
from .repository import Repository

SQLITE_BUSY_TIMEOUT_MS = 60_000
#: SQLite ``PRAGMA synchronous`` levels a profile may choose (profile option ``sqlite_synchronous``). In WAL
#: mode ``normal`` (the default) syncs the log at checkpoints only: a power cut or OS crash (not a crash of
#: the process) can lose the last committed transactions, never corrupt the database. ``full`` (aiida-core's
#: setting) syncs at every commit, so a committed transaction survives a power cut: one fsync per write
#: transaction (issue #21 measures both).
SQLITE_SYNCHRONOUS = ("normal", "full")
#: the threads of this OS process that write to SQLite take turns on this lock (:meth:`StorageBackend.write_turn`)
_sqlite_writes = threading.RLock()


class SchemaVersionError(StorageError):
    """The database schema is not the one this version of jupyter-prov uses."""


_json_dumps = dumps  # floats stay floats on JSONB; text the ORM encoded already passes as it is (json_text.py)


def create_sql_engine(url: str, *, sqlite_synchronous: str = "normal", **kwargs: Any) -> Engine:
    """An SQLAlchemy engine set up for our use of the dialect (``sqlite_synchronous``: see SQLITE_SYNCHRONOUS)."""
    synchronous = str(sqlite_synchronous).strip().lower()
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise StorageError(f"sqlite_synchronous {sqlite_synchronous!r} is not one of {', '.join(SQLITE_SYNCHRONOUS)}")
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"storage URL {url!r} is not a valid database URL ({exc})") from None
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, json_serializer=_json_dumps,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                               **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # 16 MiB: enough now that UUIDs are time-ordered (index inserts append); 64 MiB cost 48 MB of peak
            # RSS in a 100k-node store_all for no measurable speed (docs/performance.md)
            cursor.execute("PRAGMA cache_size=-16384")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
                try:
                    begin_immediate(bulk.driver_of(connection.connection))
                except sqlite3.OperationalError as exc:
                    raise sa_exc.OperationalError("BEGIN IMMEDIATE", None, exc) from exc
            else:
                connection.exec_driver_sql("BEGIN")

        return engine
    if dialect == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, json_serializer=_json_dumps, pool_pre_ping=True, **kwargs)
    raise StorageError(f"storage URL {url!r}: unsupported database {dialect!r} (use sqlite or postgresql)")


#: waits between attempts to take SQLite's write lock (seconds): short, because writers hold it briefly
_LOCK_WAITS: tuple[float, ...] = (0.0002, 0.0005, 0.001, 0.002)
#: the waits of a background process (a daemon worker): longer, so that the scientist's own process
#: (a kernel submitting work) wins the lock when both wait for it
BACKGROUND_LOCK_WAITS = (0.004, 0.006, 0.008, 0.010)


def set_lock_waits(waits: tuple[float, ...]) -> None:
    """Set how long this process waits between attempts to take SQLite's write lock."""
    global _LOCK_WAITS
    if not waits or any(w <= 0 for w in waits):
        raise ValueError(f"lock waits must be positive seconds, got {waits!r}")
    _LOCK_WAITS = tuple(waits)


#: SQLite's result code for a lock held by another connection (``sqlite3.SQLITE_BUSY`` from Python 3.11 on)
_SQLITE_BUSY = 5


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether ``exc`` is SQLITE_BUSY (Python 3.10's sqlite3 has no error codes: its message says so)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code == _SQLITE_BUSY if code is not None else str(exc).startswith("database is locked")


def begin_immediate(driver: sqlite3.Connection, waits: tuple[float, ...] | None = None) -> None:
    """``BEGIN IMMEDIATE`` on a sqlite3 connection, waiting for the write lock in short steps.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between attempts, so a writer that finds
    the lock taken often sleeps far longer than the holder keeps it (a commit in WAL mode takes well
    under a millisecond): with the daemon's workers writing, ``submit()`` spent ~4 ms per call waiting
    there. Here the attempt does not wait (``busy_timeout`` 0 for the BEGIN only) and is retried
    every 0.2-2 ms (``waits``, default this process's: see :func:`set_lock_waits`), for up to
    ``SQLITE_BUSY_TIMEOUT_MS`` like the busy handler.
    """
    import time

    waits = waits or _LOCK_WAITS

    deadline = None
    driver.execute("PRAGMA busy_timeout=0")
    try:
        attempt = 0
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                now = time.monotonic()
                if deadline is None:
                    deadline = now + SQLITE_BUSY_TIMEOUT_MS / 1000
                elif now > deadline:
                    raise
            time.sleep(waits[min(attempt, len(waits) - 1)])
            attempt += 1
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


class StorageBackend:
    """SQL database + repository of one profile."""

    def __init__(self, url: str, repository_folder: str | Path, *, engine_kwargs: dict | None = None,
                 sqlite_synchronous: str = "normal"):
        self.url = url
        self.engine = create_sql_engine(url, sqlite_synchronous=sqlite_synchronous, **(engine_kwargs or {}))
        self.dialect = self.engine.dialect.name
        self.repository = Repository(repository_folder)
        self._local = threading.local()
        self.read_only = False

    # ---- life cycle -------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str, repository_folder: str | Path, *, initialise: bool = False,
             sqlite_synchronous: str = "normal") -> "StorageBackend":
        """Open a storage; with ``initialise`` an empty database is created at the newest schema.

        A database at another schema version is refused with the command that migrates it.
        ``sqlite_synchronous`` is SQLite's durability level (:data:`SQLITE_SYNCHRONOUS`; PostgreSQL ignores it).
        """
        backend = cls(url, repository_folder, sqlite_synchronous=sqlite_synchronous)
        try:
            from .migrations import current_revision, head_revision, upgrade

            revision = current_revision(backend.engine)
            if revision is None and initialise and backend.is_empty():
                upgrade(backend.engine)
                revision = head_revision()
            backend._check_revision(revision, head_revision())
        except OperationalError as exc:
            backend.close()
            raise StorageError(f"cannot reach the database at {backend.safe_url}: {exc.orig}") from None
        except Exception:
            backend.close()
            raise
        return backend

    def _check_revision(self, revision: str | None, head: str) -> None:
        if revision == head:
            return
        if revision is None:
            raise SchemaVersionError(
                f"the database at {self.safe_url} is not a jupyter-prov storage (no schema version); "
                "use an empty database, or create the profile with `jprov profile setup`"
            )
        from .migrations import known_revisions

        if revision not in known_revisions():
            raise SchemaVersionError(
                f"the database at {self.safe_url} has schema version {revision}, unknown to this jupyter-prov "
                "(written by a newer version?); upgrade jupyter-prov"
            )
        raise SchemaVersionError(
            f"the database at {self.safe_url} has schema version {revision}, this jupyter-prov needs {head}; "
            "back it up, then run `jprov storage migrate`"
        )

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def is_empty(self) -> bool:
        from sqlalchemy import inspect

        return not inspect(self.engine).get_table_names()

    def close(self) -> None:
        self.engine.dispose()
        self.repository.close()

    # ---- transactions -----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction; a nested call joins the outer one (all or nothing)."""
        outer = getattr(self._local, "connection", None)
        if outer is not None:
            yield outer
            return
        if self.read_only:
            raise StorageError("this storage is read-only")
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                self._local.connection = conn
                try:
                    yield conn
                finally:
                    self._local.connection = None

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for reading; inside a transaction it is the transaction's (sees its writes)."""
        outer = getattr(self._local, "connection", None)
        if outer is not None:
            yield outer
            return
        with self.engine.connect() as conn:
            yield conn

    @property
    def in_transaction(self) -> bool:
        return getattr(self._local, "connection", None) is not None or getattr(self._local, "raw", None) is not None

    @contextmanager
    def driver_transaction(self) -> Iterator[Any]:
        """A short write transaction straight on the database driver; yields a DB-API cursor.

        For the hot path of storing one node: SQLAlchemy's per-statement work (connection checkout,
        events, compiled-statement lookup, result objects) costs more than SQLite's own insert and commit.
        The driver connection is checked out of the engine's pool for the transaction (about 10 µs), so
        it has the same settings (WAL, busy timeout) and no thread holds a pooled connection for long.
        SQL must use the driver's placeholder (:attr:`placeholder`).
        Only for a transaction of its own: inside :meth:`transaction` use that one instead.
        Driver ``IntegrityError`` is raised as SQLAlchemy's, like every other write.
        """
        if self.in_transaction:
            raise StorageError("driver_transaction() cannot nest in another transaction")
        if self.read_only:
            raise StorageError("this storage is read-only")
        raw = self.engine.raw_connection()
        driver = bulk.driver_of(raw)
        cursor = driver.cursor()
        self._local.raw = cursor
        broken = False
        try:
            if self.dialect == "sqlite":
                begin_immediate(driver)
            yield cursor
            driver.commit()
        except BaseException as exc:
            try:
                driver.rollback()
            except Exception:  # noqa: BLE001 - the connection is broken: drop it, raise the first error
                broken = True
            if isinstance(exc, self.engine.dialect.loaded_dbapi.IntegrityError):
                raise sa_exc.IntegrityError("driver transaction", None, exc) from exc
            if isinstance(exc, self.engine.dialect.loaded_dbapi.OperationalError):
                raise sa_exc.OperationalError("driver transaction", None, exc) from exc
            raise
        finally:
            self._local.raw = None
            try:
                cursor.close()
            except Exception:  # noqa: BLE001 - closing a cursor of a broken connection
                broken = True
            if broken:
                raw.invalidate()
            else:
                raw.close()  # back to the pool

    @contextmanager
    def write_turn(self) -> Iterator[None]:
        """On SQLite, the threads of this OS process take turns to write; on PostgreSQL nothing happens.

        Waiting on a Python lock wakes the next writer at once, while SQLite's busy handler sleeps for
        milliseconds between retries (many graph tasks of one process ending together). Re-entrant:
        a thread holding its turn may open nested transactions. Other OS processes still queue on
        SQLite's own lock (:func:`begin_immediate`).
        """
        if self.dialect != "sqlite":
            yield
            return
        with _sqlite_writes:
            yield

    @contextmanager
    def write_cursor(self) -> Iterator[Any]:
        """A DB-API cursor to write with: the open transaction's (driver or SQLAlchemy), else a new driver one.

        For the few-row hot path (:func:`.bulk.insert_one`): joining an open SQLAlchemy transaction
        uses its driver connection, so the rows commit or roll back with it.
        """
        if not self.in_transaction:
            with self.driver_transaction() as cursor:
                yield cursor
            return
        raw = getattr(self._local, "raw", None)
        if raw is not None:  # inside a driver transaction: its cursor
            yield raw
            return
        with self.transaction() as conn:
            cursor = bulk.driver_of(conn.connection).cursor()
            try:
                yield cursor
            finally:
                cursor.close()

    @property
    def placeholder(self) -> str:
        """The driver's parameter placeholder (``?`` for sqlite3, ``%s`` for psycopg)."""
        return "?" if self.dialect == "sqlite" else "%s"

    # ---- bulk operations --------------------------------------------------------------------
    def bulk_insert(self, table: Table, rows: Sequence[dict], *, return_ids: bool = False) -> list[int]:
        """Insert many rows in one round of statements; ids in the order of ``rows`` if asked."""
        if not rows:
            return []
        with self.transaction() as conn:
            if return_ids:
                ids = self.allocate_ids(conn, table, len(rows))
                self.insert_many(conn, table, [{**row, "id": pk} for row, pk in zip(rows, ids)])
                return ids
            self.insert_many(conn, table, list(rows))
            return []

    def allocate_ids(self, conn: Connection, table: Table, count: int) -> list[int]:
        """Reserve ``count`` primary keys of ``table`` inside the write transaction ``conn``.

        Inserting rows with known ids lets a bulk insert run as one ``executemany`` instead of a
        statement per row with ``RETURNING`` (SQLite cannot keep the order of a batched ``RETURNING``).
        On SQLite the write lock of the transaction makes ``MAX(id)`` safe; PostgreSQL draws from the sequence.
        """
        if count <= 0:
            return []
        if self.dialect == "sqlite":
            start = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one() + 1
            return list(range(start, start + count))
        sequence = f"{table.name}_id_seq"
        return list(conn.execute(
            text("SELECT nextval(:seq) FROM generate_series(1, :n)"), {"seq": sequence, "n": count}
        ).scalars())

    def insert_many(self, conn: Connection, table: Table, rows: Sequence[dict]) -> None:
        """Insert rows (all with the same keys) as fast as the driver allows, inside ``conn``'s transaction.

        SQLite: one ``executemany`` of pre-encoded values; PostgreSQL: ``COPY`` (:mod:`.bulk`, the one
        fast write path).
        """
        bulk.insert_rows(conn, self.dialect, table, rows)

    def write_graph(self, count: int, node_rows: Iterable[dict], links: Sequence[tuple[int, int, str, str]], *,
                    batch_size: int = 50_000) -> list[int]:
        """Insert ``count`` node rows (every column but ``id``) and links between them, in one transaction;
        the new node pks in row order. ``links`` are ``(input index, output index, link type, label)``.

        Straight into the tables, for generated graphs (tests, benchmarks): no ORM objects, no link rules.
        Rows are read from ``node_rows`` ``batch_size`` at a time, so a large graph is never all in memory.
        """
        rows = iter(node_rows)
        with self.transaction() as conn:
            pks = self.allocate_ids(conn, schema.nodes, count)
            for start in range(0, count, batch_size):
                batch = []
                for pk, row in zip(pks[start:start + batch_size], rows):
                    row["id"] = pk
                    batch.append(row)
                self.insert_many(conn, schema.nodes, batch)
            for start in range(0, len(links), batch_size):
                self.insert_many(conn, schema.links, [
                    {"input_id": pks[s], "output_id": pks[t], "label": label, "type": link_type}
                    for s, t, link_type, label in links[start:start + batch_size]])
        return pks

    def bulk_update(self, table: Table, rows: Sequence[dict]) -> None:
        """Update many rows by id: every row has ``id`` and the same other keys."""
        if not rows:
            return
        keys = [key for key in rows[0] if key != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({key: bindparam(f"_v_{key}") for key in keys})
        )
        params = [{"_id": row["id"], **{f"_v_{key}": row[key] for key in keys}} for row in rows]
        with self.transaction() as conn:
            conn.execute(stmt.execution_options(synchronize_session=False), params)

    # ---- settings ---------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self.connection() as conn:
            row = conn.execute(select(schema.settings.c.val).where(schema.settings.c.key == key)).first()
        return default if row is None else row[0]

    def set_setting(self, key: str, value: Any, description: str = "") -> None:
        from datetime import datetime, timezone

        table = schema.settings
        with self.transaction() as conn:
            done = conn.execute(
                update(table).where(table.c.key == key).values(val=value, time=datetime.now(timezone.utc))
            ).rowcount
            if not done:
                conn.execute(table.insert().values(key=key, val=value, description=description,
                                                   time=datetime.now(timezone.utc)))

    # ---- information and maintenance --------------------------------------------------------
    def counts(self) -> dict[str, int]:
        tables = {
            "users": schema.users, "computers": schema.computers, "nodes": schema.nodes,
            "links": schema.links, "groups": schema.groups, "comments": schema.comments, "logs": schema.logs,
        }
        with self.connection() as conn:
            return {name: conn.execute(select(func.count()).select_from(t)).scalar_one() for name, t in tables.items()}

    def info(self) -> dict[str, Any]:
        from .migrations import current_revision

        return {
            "url": self.safe_url,
            "backend": self.dialect,
            "schema_version": current_revision(self.engine),
            "entities": self.counts(),
            "repository": self.repository.info(),
        }

    def referenced_object_keys(self) -> set[str]:
        """Every repository key named by some node's file tree."""
        from .file_tree import iter_keys

        keys: set[str] = set()
        with self.connection() as conn:
            result = conn.execution_options(yield_per=2000).execute(
                select(schema.nodes.c.repository_metadata).where(schema.nodes.c.repository_metadata != text("'{}'"))
                if self.dialect == "sqlite"
                else select(schema.nodes.c.repository_metadata)
            )
            for (tree,) in result:
                keys.update(iter_keys(tree or {}))
        return keys

    def maintain(self, *, full: bool = False, dry_run: bool = False) -> dict[str, Any]:
        """Reclaim repository objects no node references; ``full`` also repacks and vacuums the database."""
        # the function, not its result: it is read again once the repository is this process's alone
        report: dict[str, Any] = {"repository": self.repository.maintain(self.referenced_object_keys, full=full, dry_run=dry_run)}
        if full and not dry_run:
            if self.dialect == "sqlite":
                # VACUUM cannot run in a transaction: use the driver connection (autocommit, see _on_connect)
                raw = self.engine.raw_connection()
                try:
                    driver = bulk.driver_of(raw)
                    driver.execute("VACUUM")
                    driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    raw.close()
            else:
                with self.engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
            report["database"] = "vacuumed"
        return report
