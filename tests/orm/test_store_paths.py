"""The fast store paths keep the guarantees of the general one: single-node stores on the driver,
files deferred to one pack per store."""

import pytest
from sqlalchemy import func, select

from jupyter_prov.orm import CalcFunctionNode, File, Int, LinkError, LinkType, current, load_node, store_all
from jupyter_prov.orm.nodes.node import DEFERRED_FILE_MAX
from jupyter_prov.storage import schema


def _count(table=schema.nodes) -> int:
    with current.get_storage().connection() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_single_store_round_trips_every_column(profile):
    calc = CalcFunctionNode(label="c", description="d", extras={"e": [1, {"f": None}]})
    calc.set_process_state("running")
    x = Int(3).store()
    calc.add_incoming(x, LinkType.INPUT_CALC, "x")
    calc.store()
    loaded = load_node(calc.pk)
    assert (loaded.label, loaded.description, loaded.extras) == ("c", "d", {"e": [1, {"f": None}]})
    assert loaded.ctime == calc.ctime and loaded.mtime == calc.mtime
    assert loaded.node_hash == calc.node_hash and loaded.user.pk == x.user.pk
    assert [(t.node.pk, t.link_label) for t in loaded.get_incoming()] == [(x.pk, "x")]


def test_single_store_inside_a_transaction_joins_it(profile):
    storage = current.get_storage()
    with pytest.raises(RuntimeError):
        with storage.transaction():
            node = Int(1).store()
            assert node.pk is not None and _count() == 1  # visible inside the transaction
            raise RuntimeError("roll back")
    assert _count() == 0


def test_single_store_with_a_clashing_link_stores_nothing(profile):
    calc = CalcFunctionNode()
    calc.set_process_state("running")
    calc.store()
    first = Int(1)
    first.add_incoming(calc, LinkType.CREATE, "result")
    first.store()
    second = Int(2)
    second.add_incoming(calc, LinkType.CREATE, "result")  # same output label: the database refuses
    before = _count()
    with pytest.raises(LinkError, match="labels are unique"):
        second.store()
    assert _count() == before and second.pk is None
    assert Int(5).store().pk  # the connection is usable afterwards


def test_small_files_wait_in_memory_and_land_in_one_pack(profile):
    repository = current.get_storage().repository
    before = repository.info()
    nodes = [File(f"content {i}".encode(), filename="f.txt") for i in range(20)]
    assert nodes[3].get_content() == "content 3"  # readable before storing
    assert repository.info().get("loose_objects", 0) == before.get("loose_objects", 0)
    store_all(nodes)
    after = repository.info()
    assert after["loose_objects"] == before.get("loose_objects", 0)
    assert after["packed_objects"] >= before.get("packed_objects", 0) + 20
    assert load_node(nodes[7].pk).get_content() == "content 7"


def test_deferred_files_survive_a_failed_store(profile):
    stored = Int(0).store()
    node = File(b"precious", filename="p.txt")
    clash = Int(1)
    clash._uuid = stored.uuid
    with pytest.raises(Exception):
        store_all([node, clash])
    assert node.pk is None and node.get_content() == "precious"
    node.store()
    assert load_node(node.pk).get_content() == "precious"


def test_large_files_go_to_the_repository_at_once(profile):
    content = b"x" * (DEFERRED_FILE_MAX + 1)
    node = Int(1)
    key = node.put_file("big.bin", content)
    assert current.get_storage().repository.get_bytes(key) == content
    node.store()
    assert load_node(node.pk).get_file("big.bin") == content


def test_copy_files_of_an_unstored_node(profile, tmp_path):
    node = Int(1)
    node.put_file("a/b.txt", b"bytes in memory")
    node.copy_files_to(tmp_path)
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"bytes in memory"


def test_many_threads_storing_do_not_exhaust_the_connection_pool(profile):
    import threading

    errors = []

    def work():
        try:
            for i in range(10):
                Int(i, label="threaded").store()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(24)]  # more than pool size + overflow
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert _count() == 240
