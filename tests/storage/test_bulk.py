"""storage/bulk.py: the one fast write path writes what SQLAlchemy would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jupyter_prov.storage import bulk, schema
from jupyter_prov.storage.json_text import JsonText


def _node_row(uuid: str, user_id: int, when: datetime, **values) -> dict:
    return {"uuid": uuid, "node_type": "data.dict", "process_type": None, "label": "", "description": "",
            "ctime": when, "mtime": when, "user_id": user_id, "computer_id": None,
            "attributes": {"a": [1, 2.5, "x"], "nested": {"k": None}}, "extras": {}, "repository_metadata": {},
            "node_hash": None, **values}


@pytest.fixture
def user_id(storage) -> int:
    from jupyter_prov.orm import current

    return current.get_default_user().pk


def _uuid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def test_insert_rows_writes_json_and_utc_timestamps_as_sqlalchemy_reads_them(storage, user_id):
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
    rows = [_node_row(_uuid(i), user_id, when + timedelta(seconds=i)) for i in range(300)]
    rows[5]["attributes"] = JsonText('{"already": "text"}')  # encoded by the ORM already: passes as it is
    with storage.transaction() as conn:
        ids = storage.allocate_ids(conn, schema.nodes, len(rows))
        bulk.insert_rows(conn, storage.dialect, schema.nodes, [{**row, "id": pk} for row, pk in zip(rows, ids)])
    with storage.connection() as conn:
        stored = conn.execute(select(schema.nodes).order_by(schema.nodes.c.id)).mappings().all()
    assert [row["uuid"] for row in stored] == [row["uuid"] for row in rows]
    assert stored[0]["attributes"] == {"a": [1, 2.5, "x"], "nested": {"k": None}}
    assert stored[5]["attributes"] == {"already": "text"}
    ctime = stored[7]["ctime"]
    assert (ctime if ctime.tzinfo else ctime.replace(tzinfo=timezone.utc)) == when + timedelta(seconds=7)


def test_insert_one_returns_the_new_pk_and_caches_the_statement(storage, user_id):
    when = datetime.now(timezone.utc)
    with storage.driver_transaction() as cursor:
        first = bulk.insert_one(cursor, storage.dialect, schema.nodes, _node_row(_uuid(1), user_id, when))
        second = bulk.insert_one(cursor, storage.dialect, schema.nodes, _node_row(_uuid(2), user_id, when))
        bulk.insert_few(cursor, storage.dialect, schema.links, [
            {"input_id": first, "output_id": second, "label": "x", "type": "input_calc"}])
    assert second == first + 1
    with storage.connection() as conn:
        assert conn.execute(select(schema.nodes.c.uuid).where(schema.nodes.c.id == second)).scalar_one() == _uuid(2)
        assert conn.execute(select(schema.links.c.label)).scalars().all() == ["x"]


def test_insert_encoded_takes_rows_in_sqlites_stored_form(storage, user_id):
    stamp = "2026-01-02 03:04:05.000001"
    row = (_uuid(9), "data.int", None, "", "", stamp, stamp, user_id, None, '{"value": 3}', "{}", "{}", None)
    columns = ["uuid", "node_type", "process_type", "label", "description", "ctime", "mtime", "user_id",
               "computer_id", "attributes", "extras", "repository_metadata", "node_hash"]
    with storage.transaction() as conn:
        bulk.insert_encoded(conn, storage.dialect, schema.nodes, columns, [row])
    with storage.connection() as conn:
        stored = conn.execute(select(schema.nodes)).mappings().one()
    assert stored["attributes"] == {"value": 3}
    ctime = stored["ctime"]
    assert (ctime if ctime.tzinfo else ctime.replace(tzinfo=timezone.utc)) == datetime(
        2026, 1, 2, 3, 4, 5, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("how", ["rows", "encoded", "one", "few"])
def test_a_broken_constraint_is_sqlalchemys_integrity_error_and_nothing_is_written(storage, user_id, how):
    when = datetime.now(timezone.utc)
    row = _node_row(_uuid(1), user_id, when)
    with storage.transaction() as conn:
        bulk.insert_rows(conn, storage.dialect, schema.nodes, [row])
    columns = ["uuid", "node_type", "ctime", "mtime", "user_id", "attributes", "extras", "repository_metadata",
               "label", "description"]
    with pytest.raises(IntegrityError):
        if how in ("one", "few"):
            with storage.driver_transaction() as cursor:
                bulk.insert_one(cursor, storage.dialect, schema.nodes, _node_row(_uuid(2), user_id, when))
                if how == "one":
                    bulk.insert_one(cursor, storage.dialect, schema.nodes, dict(row))
                else:
                    bulk.insert_few(cursor, storage.dialect, schema.nodes, [dict(row)])
        else:
            with storage.transaction() as conn:
                bulk.insert_rows(conn, storage.dialect, schema.nodes, [_node_row(_uuid(2), user_id, when)])
                if how == "rows":
                    bulk.insert_rows(conn, storage.dialect, schema.nodes, [dict(row)])
                else:
                    stamp = "2026-01-02 03:04:05.000001"
                    bulk.insert_encoded(conn, storage.dialect, schema.nodes, columns, [
                        (_uuid(1), "data.int", stamp, stamp, user_id, "{}", "{}", "{}", "", "")])
    with storage.connection() as conn:
        assert conn.execute(select(schema.nodes.c.uuid)).scalars().all() == [_uuid(1)]


def test_postgres_parameter_limit_sets_the_rows_of_a_multi_row_statement():
    assert bulk.max_rows(13) == 65_535 // 13
    assert bulk.max_rows(13) * 13 <= bulk.POSTGRES_MAX_PARAMETERS
    assert bulk.max_rows(100_000) == 1


def test_many_rows_on_postgres_pass_the_parameter_limit(storage, user_id):
    """More values than PostgreSQL allows parameters in one statement: COPY carries no parameters."""
    when = datetime.now(timezone.utc)
    count = bulk.max_rows(13) + 100  # 13 node columns: over 65,535 values in total
    rows = [_node_row(_uuid(i), user_id, when) for i in range(count)]
    with storage.transaction() as conn:
        bulk.insert_rows(conn, storage.dialect, schema.nodes, rows)
    assert storage.counts()["nodes"] == count


def test_write_turn_lets_one_thread_of_a_process_write_at_a_time_on_sqlite(storage):
    import threading
    import time

    inside, most = [0], [0]
    lock = threading.Lock()
    both_inside = threading.Barrier(2, timeout=10)

    def write():
        with storage.write_turn(), storage.write_turn():  # re-entrant
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            if storage.dialect == "sqlite":
                time.sleep(0.01)
            else:  # no turns on PostgreSQL: both threads are inside at once
                both_inside.wait()
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=write) for _ in range(4 if storage.dialect == "sqlite" else 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == (1 if storage.dialect == "sqlite" else 2)
