"""Every rule of the link-rules table (jupyter_prov.orm.links.RULES), on both backends.

Each (link type, source kind, target kind) is tried: the allowed ones store and read back, the
forbidden ones fail with LinkError naming both nodes, and nothing is written.
"""

import itertools

import pytest
from sqlalchemy import func, select

from jupyter_prov.orm import (
    CalcFunctionNode, CellExecutionNode, Int, LinkError, LinkType, StoringNotAllowed, WorkChainNode, current,
    load_node, store_all,
)
from jupyter_prov.orm.links import RULES
from jupyter_prov.storage import schema

KINDS = {
    "data": lambda: Int(1),
    "calculation": CalcFunctionNode,
    "cell": CellExecutionNode,
    "workflow": WorkChainNode,
}


def _running(kind):
    node = KINDS[kind]()
    if kind != "data":
        node.set_process_state("running")
    return node


def _count(table) -> int:
    with current.get_storage().connection() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _allowed(link_type: LinkType, source: str, target: str) -> bool:
    rule = RULES[link_type]
    return source in rule.sources and target in rule.targets


CASES = [(t, s, g) for t, s, g in itertools.product(LinkType, KINDS, KINDS)]


@pytest.mark.parametrize("link_type, source_kind, target_kind", [c for c in CASES if _allowed(*c)],
                         ids=lambda v: getattr(v, "value", v))
def test_allowed_link_is_stored(profile, link_type, source_kind, target_kind):
    source = _running(source_kind).store()
    target = _running(target_kind)
    if RULES[link_type].target_stored:
        target.store()
    target.add_incoming(source, link_type, "the_label")
    target.store()
    links = load_node(target.pk).get_incoming()
    assert [(t.node.pk, t.link_type, t.link_label) for t in links] == [(source.pk, link_type, "the_label")]
    assert [t.node.pk for t in load_node(source.pk).get_outgoing(link_type)] == [target.pk]


@pytest.mark.parametrize("link_type, source_kind, target_kind", [c for c in CASES if not _allowed(*c)],
                         ids=lambda v: getattr(v, "value", v))
def test_forbidden_link_is_refused(profile, link_type, source_kind, target_kind):
    source = _running(source_kind).store()
    target = _running(target_kind)
    if RULES[link_type].target_stored:
        target.store()
    links_before, nodes_before = _count(schema.links), _count(schema.nodes)
    with pytest.raises(LinkError, match=f"{link_type.value} link goes from") as info:
        target.add_incoming(source, link_type, "the_label")
    assert repr(source) in str(info.value) and repr(target) in str(info.value)
    target.store()
    assert _count(schema.links) == links_before
    assert load_node(target.pk).get_incoming() == []
    assert _count(schema.nodes) == nodes_before + (0 if target.is_stored and RULES[link_type].target_stored else 1)


def test_a_datum_has_one_creator(profile):
    first, second = _running("calculation").store(), _running("calculation").store()
    datum = Int(2)
    datum.add_incoming(first, LinkType.CREATE, "result")
    with pytest.raises(LinkError, match="one creator"):
        datum.add_incoming(second, LinkType.CREATE, "result")
    datum.store()
    assert load_node(datum.pk).creator.pk == first.pk


def test_one_creator_is_also_enforced_by_the_database(profile):
    first, second = _running("calculation").store(), _running("calculation").store()
    datum = Int(2)
    datum.add_incoming(first, LinkType.CREATE, "result")
    datum.store()
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with current.get_storage().transaction() as conn:
            conn.execute(schema.links.insert(), {"input_id": second.pk, "output_id": datum.pk, "label": "other",
                                                 "type": "create"})
    assert _count(schema.links) == 1


@pytest.mark.parametrize("caller_kind", ["workflow", "cell"])
def test_a_process_has_one_caller(profile, caller_kind):
    first, second = _running(caller_kind).store(), _running("workflow").store()
    called = _running("calculation")
    called.add_incoming(first, LinkType.CALL_CALC, "step")
    with pytest.raises(LinkError, match="one caller"):
        called.add_incoming(second, LinkType.CALL_CALC, "step")
    called.store()
    assert called.caller.pk == first.pk


def test_input_labels_are_unique(profile):
    a, b = Int(1).store(), Int(2).store()
    calc = _running("calculation")
    calc.add_incoming(a, LinkType.INPUT_CALC, "x")
    with pytest.raises(LinkError, match="labelled 'x' already"):
        calc.add_incoming(b, LinkType.INPUT_CALC, "x")
    calc.add_incoming(b, LinkType.INPUT_CALC, "y")
    calc.store()
    assert sorted(calc.inputs) == ["x", "y"]


def test_output_labels_are_unique_and_a_clash_stores_nothing(profile):
    calc = _running("calculation").store()
    first, second = Int(1), Int(2)
    first.add_incoming(calc, LinkType.CREATE, "result")
    second.add_incoming(calc, LinkType.CREATE, "result")
    nodes_before = _count(schema.nodes)
    with pytest.raises(LinkError, match="labels are unique") as info:
        store_all([first, second])
    assert "result" in str(info.value)
    assert _count(schema.nodes) == nodes_before and _count(schema.links) == 0
    assert first.pk is None and second.pk is None


def test_return_labels_are_unique(profile):
    workflow = _running("workflow").store()
    a, b = Int(1).store(), Int(2).store()
    a.add_incoming(workflow, LinkType.RETURN, "out")
    with pytest.raises(LinkError, match="labels are unique"):
        b.add_incoming(workflow, LinkType.RETURN, "out")
    assert [t.node.pk for t in workflow.get_outgoing(LinkType.RETURN)] == [a.pk]


def test_no_links_into_a_stored_process(profile):
    calc = _running("calculation").store()
    with pytest.raises(LinkError, match="links into a stored node never change"):
        calc.add_incoming(Int(1).store(), LinkType.INPUT_CALC, "late")
    workflow = _running("workflow").store()
    with pytest.raises(LinkError, match="links into a stored node never change"):
        calc.add_incoming(workflow, LinkType.CALL_CALC, "late")
    assert calc.get_incoming() == []


def test_no_create_into_stored_data(profile):
    datum = Int(1).store()
    with pytest.raises(LinkError, match="links into a stored node never change"):
        datum.add_incoming(_running("calculation").store(), LinkType.CREATE, "result")


def test_return_needs_stored_data_and_a_stored_workflow(profile):
    workflow = _running("workflow").store()
    with pytest.raises(LinkError, match="store it first"):
        Int(1).add_incoming(workflow, LinkType.RETURN, "out")
    unstored = _running("workflow")
    with pytest.raises(LinkError):
        Int(2).store().add_incoming(unstored, LinkType.RETURN, "out")


def _sealed(kind, store=True):
    node = _running(kind)
    node.set_process_state("finished")
    if store:
        node.store()
    node.seal()
    return node


def test_sealed_processes_take_no_links(profile):
    with pytest.raises(LinkError, match="source process is sealed"):
        Int(1).add_incoming(_sealed("calculation"), LinkType.CREATE, "result")
    with pytest.raises(LinkError, match="source process is sealed"):
        Int(2).store().add_incoming(_sealed("workflow"), LinkType.RETURN, "out")
    with pytest.raises(LinkError, match="source process is sealed"):
        _running("calculation").add_incoming(_sealed("workflow"), LinkType.CALL_CALC, "step")
    with pytest.raises(LinkError, match="target process is sealed"):
        _sealed("calculation", store=False).add_incoming(Int(3).store(), LinkType.INPUT_CALC, "x")
    assert _count(schema.links) == 0


@pytest.mark.parametrize("label", ["", "1x", "a-b", "a b", "a.b", "x" * 256, None, 5, "ü"])
def test_invalid_link_labels_are_refused(profile, label):
    calc = _running("calculation")
    with pytest.raises(LinkError, match="invalid link label"):
        calc.add_incoming(Int(1).store(), LinkType.INPUT_CALC, label)


def test_unknown_link_type_and_self_links(profile):
    calc = _running("calculation")
    with pytest.raises(LinkError, match="unknown link type 'feeds'"):
        calc.add_incoming(Int(1).store(), "feeds", "x")
    workflow = _running("workflow").store()
    with pytest.raises(LinkError):
        workflow.add_incoming(workflow, LinkType.CALL_WORK, "me")


def test_links_need_nodes(profile):
    with pytest.raises(LinkError, match="both ends must be nodes"):
        _running("calculation").add_incoming(5, LinkType.INPUT_CALC, "x")


def test_source_must_be_stored_or_in_the_batch(profile):
    source = Int(1)
    calc = _running("calculation")
    calc.add_incoming(source, LinkType.INPUT_CALC, "x")
    with pytest.raises(StoringNotAllowed, match="not stored"):
        calc.store()
    assert _count(schema.nodes) == 0
    store_all([calc, source])  # in one batch: sources first
    assert calc.inputs.x.pk == source.pk and source.pk < calc.pk
