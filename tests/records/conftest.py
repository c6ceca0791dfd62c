"""Small graph builders for the records tests: calculations that take data and create data, through the ORM."""

from __future__ import annotations

import pytest

from jupyter_prov.orm import CalcFunctionNode, Dict, Int, LinkType, WorkChainNode, store_all


def calc(inputs, outputs=1, label="calc", values=None):
    """A finished calculation taking ``inputs`` and creating ``outputs`` new Int nodes; returns (calc, outputs)."""
    process = CalcFunctionNode(label=label)
    process.set_attribute_many({"process_state": "finished", "exit_status": 0})
    for i, node in enumerate(inputs):
        process.add_incoming(node, LinkType.INPUT_CALC, f"in{i}")
    created = []
    for k in range(outputs):
        node = Int(values[k] if values else k)
        node.add_incoming(process, LinkType.CREATE, f"out{k}")
        created.append(node)
    store_all([process, *created])
    process.seal()
    return process, created


def workflow(inputs, returns):
    """A finished workflow taking ``inputs`` (input_work) and returning existing nodes ``returns``."""
    work = WorkChainNode(label="workflow")
    work.set_attribute_many({"process_state": "finished", "exit_status": 0})
    for i, node in enumerate(inputs):
        work.add_incoming(node, LinkType.INPUT_WORK, f"in{i}")
    work.store()
    for i, node in enumerate(returns):
        node.add_incoming(work, LinkType.RETURN, f"out{i}")
    work.seal()
    return work


@pytest.fixture
def data():
    def make(value=0):
        return Dict({"v": value}).store()
    return make
