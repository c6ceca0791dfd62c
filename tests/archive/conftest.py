"""A small provenance graph with every kind of thing an archive carries, on the test's profile."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

AIIDA_ARCHIVES = __import__("pathlib").Path("/work/shared/data/aiida-archives")


def build_graph():
    """x, y -> add (calcfunction, checkpoint attribute, log) -> total (file) ; workflow calls add and returns total.

    Also: a computer with an authinfo, a remote folder on it, a folder with nested files, a group, a comment,
    extras, and an unrelated node that an export of ``total`` must not take along.
    """
    from jupyter_prov.orm import Computer, Group
    from jupyter_prov.orm.logs import Log
    from jupyter_prov.orm.nodes import CalcFunctionNode, Dict, Int, WorkFunctionNode
    from jupyter_prov.orm.nodes.files import File, Folder, RemoteFolder
    from jupyter_prov.orm.nodes.node import store_all

    computer = Computer("archive-test-host", "localhost").store()
    computer.configure(secret="not-for-export")
    x, y = Int(2, extras={"role": "x"}), Int(3)
    params = Dict({"mode": "sum", "nested": {"a": [1, 2.5, None]}})
    folder = Folder()
    folder.put_file("data/values.csv", b"a,b\n1,2\n")
    folder.put_file("README.txt", b"hello")
    workflow = WorkFunctionNode(process_type="tests.add_and_store", process_label="add_and_store")
    workflow.set_attribute("process_state", "running")
    for label, node in (("x", x), ("y", y), ("params", params)):
        workflow.add_incoming(node, "input_work", label)
    calc = CalcFunctionNode(process_type="tests.add", process_label="add")
    calc.set_attribute("process_state", "finished")
    calc.set_attribute("exit_status", 0)
    calc.set_attribute("checkpoint", {"step": 3, "secret": "engine state"})
    calc.add_incoming(workflow, "call_calc", "CALL")
    for label, node in (("x", x), ("y", y), ("params", params), ("folder", folder)):
        calc.add_incoming(node, "input_calc", label)
    total = File(b"5\n", filename="total.txt")
    total.add_incoming(calc, "create", "result")
    remote = RemoteFolder("/scratch/job-1", computer=computer)
    remote.add_incoming(calc, "create", "remote_folder")
    unrelated = Int(99)
    store_all([x, y, params, folder, workflow, calc, total, remote, unrelated])
    total.add_incoming(workflow, "return", "result")
    calc.seal()
    workflow.set_attribute("process_state", "finished")
    workflow.seal()
    total.set_extra("checked", True)
    total.add_comment("looks right")
    Log(calc, "computed the sum", levelname="REPORT").store()
    group = Group("archive-test-results").store()
    group.add_nodes([total])
    return SimpleNamespace(computer=computer, x=x, y=y, params=params, folder=folder, workflow=workflow, calc=calc,
                           total=total, remote=remote, unrelated=unrelated, group=group)


@pytest.fixture
def graph(profile):
    return build_graph()


def empty_profile_storage():
    """Empty the loaded profile: every table and every repository object (an "empty profile" to import into)."""
    from jupyter_prov.orm import current
    from tests.conftest import clean_storage

    storage = current.get_storage()
    clean_storage(storage)
    current._state["user"] = None
    keys = list(storage.repository.list_keys())
    if keys:
        storage.repository.delete(keys)
    return storage


@pytest.fixture
def exported(graph, tmp_path):
    """The whole test graph exported to one archive (the hostile suites rewrite it)."""
    from jupyter_prov.archive import create_archive

    path = tmp_path / "graph.jprov"
    create_archive(path, all=True)
    return path


@pytest.fixture
def resident(exported, storage):
    """A target that is not empty (so that "unchanged" means something): two nodes of its own, one with a file."""
    from jupyter_prov.orm.nodes import Int
    from jupyter_prov.orm.nodes.files import File

    empty_profile_storage()
    File(b"the target's own bytes\n", filename="own.txt").store()
    Int(7, label="the target's own").store()
    return storage
