"""Tamper detection: `verify_storage` and `jprov storage verify` find rows and bytes changed behind the ORM."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner
from sqlalchemy import update

from jupyter_prov.cli import main
from jupyter_prov.engine import calcfunction
from jupyter_prov.orm import Dict, File, Int, current, store_all
from jupyter_prov.orm.integrity import verify_storage
from jupyter_prov.storage import schema


@calcfunction
def add(x, y):
    return Int(x.value + y.value)


def _graph() -> dict:
    """Data of every kind that holds files or attributes, and a process with its links."""
    small = File(b"small file " + os.urandom(16), filename="small.txt")
    large = File(os.urandom(200_000), filename="large.bin")
    store_all([small, large, Dict({"a": [1, 2.5, "x"], "b": None})])
    total = add(Int(2), Int(3))
    return {"small": small, "large": large, "total": total}


def _verify(profile, *args: str):
    result = CliRunner().invoke(main, ["-p", profile.name, "storage", "verify", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_an_untouched_store_verifies_clean(profile):
    _graph()
    report = verify_storage(sample=None)
    assert report.findings == 0, report.as_dict()
    assert report.nodes_checked == report.nodes_total >= 7
    assert report.objects_checked == report.objects_total >= 2
    code, output = _verify(profile, "--full", "--json")
    assert code == 0, output
    assert json.loads(output)["findings"] == 0


def test_a_row_changed_in_sql_is_found(profile):
    graph = _graph()
    total = graph["total"]
    with current.get_storage().transaction() as conn:  # what an attacker with database access would do
        conn.execute(update(schema.nodes).where(schema.nodes.c.id == total.pk).values(attributes={"value": 999}))
    report = verify_storage(sample=None)
    assert [row["pk"] for row in report.tampered_nodes] == [total.pk]
    assert report.tampered_nodes[0]["stored_hash"] == total.node_hash
    code, output = _verify(profile, "--json")
    assert code == 1
    assert [row["pk"] for row in json.loads(output)["tampered_nodes"]] == [total.pk]
    code, output = _verify(profile)
    assert code == 1 and f"node {total.pk}: its content does not match its stored hash" in output


def test_bytes_changed_in_a_pack_are_found(profile):
    graph = _graph()
    storage = current.get_storage()
    assert storage.repository.maintain(storage.referenced_object_keys())["loose_objects"] >= 0  # pack everything
    key = dict(graph["large"].walk_files())["large.bin"]
    content = storage.repository.get_bytes(key)
    packs = storage.repository.folder / "packs"
    for pack in packs.iterdir():
        if not pack.name.isdigit():
            continue
        data = bytearray(pack.read_bytes())
        offset = data.find(content[:4096])
        if offset >= 0:
            data[offset + 1000] ^= 0xFF
            pack.write_bytes(bytes(data))
            break
    else:
        raise AssertionError("the large file was not packed")
    storage.repository.close()  # no cached view of the pack
    try:
        report = verify_storage(sample=None)
        assert report.corrupt_objects == [key]
        assert not report.tampered_nodes and not report.missing_objects
        code, output = _verify(profile, "--full")
        assert code == 1 and f"object {key}: its bytes do not match its key" in output
        code, output = _verify(profile, "--json")  # a sample of 1000 covers the few objects here
        assert code == 1 and json.loads(output)["corrupt_objects"] == [key]
    finally:
        assert storage.repository.delete([key]) == [key]  # the later tests of this profile start clean


def test_a_missing_object_is_found_and_maintain_reports_findings(profile):
    graph = _graph()
    storage = current.get_storage()
    storage.repository.close()
    key = dict(graph["small"].walk_files())["small.txt"]
    assert storage.repository.delete([key]) == [key]  # alone: a delete goes through
    report = verify_storage()
    assert report.missing_objects == [key]
    result = CliRunner().invoke(main, ["-p", profile.name, "storage", "maintain", "--json"], catch_exceptions=False)
    assert result.exit_code == 1
    assert json.loads(result.output)["verify"]["missing_objects"] == 1


def test_sample_and_full_exclude_each_other(profile):
    code, output = _verify(profile, "--full", "--sample", "3")
    assert code == 2 and "not both" in output
