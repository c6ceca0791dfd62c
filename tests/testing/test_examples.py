"""The example processes the docs submit to the daemon behave as the docs say."""

from __future__ import annotations

from jupyter_prov import run_get_node
from jupyter_prov.orm import Float
from jupyter_prov.testing.examples import Relax, add, nap, silicon


def test_relax_moves_the_lattice_parameter_to_its_value_under_pressure(profile):
    result, node = run_get_node(Relax, structure=silicon(), pressure=Float(1.0))
    assert node.is_finished_ok
    assert abs(result["structure"]["a"] - 0.5) < 2e-3 and result["structure"]["formula"] == "Si2"
    assert {call.process_label for call in node.called} == {"relax_step"}


def test_relax_that_runs_out_of_steps_ends_with_its_exit_code(profile):
    _, node = run_get_node(Relax, structure=silicon(), max_steps=2)
    assert node.exit_status == 300 and len(node.called) == 2


def test_add_and_nap(profile):
    total, _ = run_get_node(add, 1, 2)
    slept, node = run_get_node(nap, 0.1)
    assert total.value == 3 and slept.value == 0.1 and node.is_finished_ok
