"""views.nodes.summaries: the summaries of many nodes read in one statement (issue #16: a search page
no longer loads its nodes whole) are the very summaries of the loaded nodes, on both backends."""

from __future__ import annotations

import pytest

from jupyter_prov.orm import CalcFunctionNode, Dict, Float, Int, NotExistent, Str, WorkChainNode, load_node
from jupyter_prov.views import nodes


def test_summaries_are_the_summaries_of_the_loaded_nodes(profile):
    calc = CalcFunctionNode(label="adder", process_label="add", description="sums\nthings")
    calc.set_process_state("running")
    calc.set_process_state("finished")
    calc.set_exit(3, "no luck")
    calc.store()
    odd = WorkChainNode(process_label="wf")
    odd.set_attribute("exit_message", {"why": ["nested", 1.5]})  # not a scalar: read as JSON
    odd.set_attribute("exit_status", True)  # a JSON boolean stays a bool
    odd.store()
    made = [Int(7, label="seven"), Float(2.0), Str("ünïcode"), Dict({"process_state": "not a process"}), calc, odd]
    pks = [node.store().pk for node in made]
    pks = pks[::-1] + pks[:2]  # the order asked, repeats kept
    assert nodes.summaries(pks) == [nodes.summary(load_node(pk)) for pk in pks]
    assert nodes.summaries([odd.pk])[0]["exit_message"] == {"why": ["nested", 1.5]}
    assert nodes.summaries([odd.pk])[0]["exit_status"] is True
    assert nodes.summaries([]) == []


def test_summaries_of_an_unknown_pk_is_not_existent(profile):
    x = Int(1).store()
    with pytest.raises(NotExistent, match="424242"):
        nodes.summaries([x.pk, 424242])
