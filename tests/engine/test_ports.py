"""Port rules: types, defaults, validators, required/optional, namespaces, dynamic namespaces; errors name the port."""

import pytest

from jupyter_prov.engine import WorkChain, run_get_node
from jupyter_prov.engine.ports import PortNamespace, PortValidationError, flatten, unflatten
from jupyter_prov.engine.spec import ProcessSpec
from jupyter_prov.orm import Dict, Float, Int, Str

from .conftest import links_in


def _spec() -> ProcessSpec:
    spec = ProcessSpec()
    spec.input("x", valid_type=Int)
    spec.input("scale", valid_type=(Int, Float), default=1)
    spec.input("name", valid_type=Str, required=False)
    spec.input("positive", valid_type=Int, required=False,
               validator=lambda v: None if v.value > 0 else "must be positive")
    spec.input("relax.steps", valid_type=Int, default=3)
    spec.input("relax.tolerance", valid_type=Float, required=False)
    spec.input_namespace("extra", dynamic=True, valid_type=Int)
    spec.input("option", non_db=True, valid_type=bool, default=False)
    return spec


def test_plain_values_are_wrapped_and_defaults_filled():
    values = _spec().inputs.process({"x": 2})
    assert isinstance(values["x"], Int) and values["x"].value == 2
    assert values["scale"].value == 1 and values["relax"]["steps"].value == 3
    assert "name" not in values and "tolerance" not in values["relax"]
    assert values["option"] is False


def test_wrong_type_names_the_port():
    with pytest.raises(PortValidationError, match=r"input 'x': expected Int"):
        _spec().inputs.process({"x": "two"})
    with pytest.raises(PortValidationError, match=r"input 'relax.steps': expected Int"):
        _spec().inputs.process({"x": 1, "relax": {"steps": 2.5}})


def test_required_port_missing_names_it():
    with pytest.raises(PortValidationError, match=r"input 'x' is required"):
        _spec().inputs.process({})


def test_unknown_input_names_it_and_lists_known():
    with pytest.raises(PortValidationError, match=r"unexpected input 'y' \(known: .*x"):
        _spec().inputs.process({"x": 1, "y": 2})
    with pytest.raises(PortValidationError, match=r"unexpected input 'relax.nsteps'"):
        _spec().inputs.process({"x": 1, "relax": {"nsteps": 2}})


def test_validator_message_names_the_port():
    with pytest.raises(PortValidationError, match=r"input 'positive': must be positive"):
        _spec().inputs.process({"x": 1, "positive": -3})
    assert _spec().inputs.process({"x": 1, "positive": 3})["positive"].value == 3


def test_dynamic_namespace_takes_any_name_of_its_type():
    values = _spec().inputs.process({"x": 1, "extra": {"a": 1, "b": 2}})
    assert {k: v.value for k, v in values["extra"].items()} == {"a": 1, "b": 2}
    with pytest.raises(PortValidationError, match=r"input 'extra.c': expected Int"):
        _spec().inputs.process({"x": 1, "extra": {"c": "text"}})


def test_non_db_port_keeps_the_python_value():
    with pytest.raises(PortValidationError, match=r"input 'option': expected bool"):
        _spec().inputs.process({"x": 1, "option": "yes"})
    assert _spec().inputs.process({"x": 1, "option": True})["option"] is True


def test_namespace_validator():
    space = PortNamespace(validator=lambda v: "a and b exclude each other" if "a" in v and "b" in v else None)
    space.dynamic = True
    with pytest.raises(PortValidationError, match="exclude each other"):
        space.process({"a": 1, "b": 2})


def test_flatten_unflatten_round_trip():
    nested = {"a": 1, "ns": {"b": 2, "deeper": {"c": 3}}}
    assert flatten(nested) == {"a": 1, "ns__b": 2, "ns__deeper__c": 3}
    assert unflatten(flatten(nested)) == nested


def test_duplicate_exit_status_is_refused():
    spec = ProcessSpec()
    spec.exit_code(300, "A", "a")
    with pytest.raises(ValueError, match="300 is used twice"):
        spec.exit_code(300, "B", "b")


class Typed(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.input("settings.mode", valid_type=Str, default="fast")
        spec.outline(cls.noop)
        spec.output("out", valid_type=Int, required=False)
        spec.output("must", valid_type=Dict, required=False)

    def noop(self):
        pass


def test_work_chain_namespaced_inputs_are_linked_with_double_underscore(profile):
    _, node = run_get_node(Typed, x=1)
    assert links_in(node) == [("input_work", "settings__mode", "Str"), ("input_work", "x", "Int")]


def test_bad_input_to_a_work_chain_stores_nothing(profile, storage):
    before = storage.counts()
    with pytest.raises(PortValidationError, match="input 'settings.mode': expected Str"):
        run_get_node(Typed, x=1, settings={"mode": 3})
    assert storage.counts() == before


class WrongOutput(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.outline(cls.emit)
        spec.output("out", valid_type=Dict)

    def emit(self):
        self.out("out", self.inputs.x)


def test_output_of_the_wrong_type_excepts_the_process(profile):
    with pytest.raises(PortValidationError, match="output 'out': expected Dict"):
        run_get_node(WrongOutput, x=1)
