"""jprov node show|list|label|description|extras."""

from jupyter_prov.orm import CalcFunctionNode, Dict, Int, load_node


def _calc_with_output():
    x = Int(1).store()
    calc = CalcFunctionNode(label="adder")
    calc.add_incoming(x, "input_calc", "x")
    calc.set_process_state("running")
    calc.store()
    out = Dict({"energy": {"value": -1.5, "unit": "eV"}}, label="result-dict")
    out.add_incoming(calc, "create", "result")
    out.put_file("logs/run.log", b"done\n")
    out.store()
    return x, calc, out


def test_show_has_type_attributes_files_and_links(run):
    x, calc, out = _calc_with_output()
    data = run.json("node", "show", str(out.pk))
    assert data["uuid"] == out.uuid and data["node_type"] == "data.dict"
    assert data["attributes"] == {"energy": {"value": -1.5, "unit": "eV"}}
    assert data["files"] == ["logs/run.log"]
    assert data["incoming"] == [{"link_type": "create", "link_label": "result", "pk": calc.pk, "uuid": calc.uuid,
                                 "class": "CalcFunctionNode", "label": "adder"}]
    calc_data = run.json("node", "show", calc.uuid[:13])
    assert [(l["link_type"], l["pk"]) for l in calc_data["incoming"]] == [("input_calc", x.pk)]
    assert [(l["link_type"], l["link_label"]) for l in calc_data["outgoing"]] == [("create", "result")]
    text = run("node", "show", out.uuid).output
    assert "logs/run.log" in text and "create" in text and "adder" in text


def test_show_unknown_node_fails_clearly(run):
    result = run("node", "show", "424242", code=1)
    assert "no node with pk 424242" in result.output


def test_list_filters_by_type_and_label(run):
    _calc_with_output()
    everything = run.json("node", "list")
    assert len(everything) == 3 and everything[0]["pk"] > everything[-1]["pk"]
    ints = run.json("node", "list", "--type", "data.int")
    assert [n["class"] for n in ints] == ["Int"]
    labelled = run.json("node", "list", "--label", "adder")
    assert [n["class"] for n in labelled] == ["CalcFunctionNode"]
    assert len(run.json("node", "list", "-n", "1")) == 1
    assert "CalcFunctionNode" in run("node", "list").output


def test_label_and_description_can_be_set(run):
    node = Int(3).store()
    assert run("node", "label", str(node.pk), "three").output.strip() == "three"
    assert run("node", "description", str(node.pk), "the number three").output.strip() == "the number three"
    loaded = load_node(node.pk)
    assert (loaded.label, loaded.description) == ("three", "the number three")
    assert run("node", "label", str(node.pk)).output.strip() == "three"
    result = run("node", "label", str(node.pk), "x" * 300, code=1)
    assert "at most 255" in result.output
    assert load_node(node.pk).label == "three"


def test_extras_set_show_delete(run):
    node = Int(3).store()
    extras = run.json("node", "extras", str(node.pk), "--set", "tags", '["a", "b"]', "--set", "note", "plain text")
    assert extras == {"tags": ["a", "b"], "note": "plain text"}
    assert load_node(node.pk).extras == extras
    assert run.json("node", "extras", str(node.pk), "--delete", "note") == {"tags": ["a", "b"]}
    result = run("node", "extras", str(node.pk), "--delete", "missing", code=1)
    assert "missing" in result.output
    assert "tags" in run("node", "extras", node.uuid).output


def test_show_of_a_node_with_many_links_shows_a_page_and_says_so(run):
    from jupyter_prov.orm import store_all
    from jupyter_prov.views.nodes import MAX_LINKS

    source = Int(0).store()
    calcs = []
    for _ in range(MAX_LINKS + 3):
        calc = CalcFunctionNode()
        calc.add_incoming(source, "input_calc", "x")
        calc.set_process_state("running")
        calcs.append(calc)
    store_all(calcs)
    result = run("node", "show", str(source.pk))
    assert f"showing {MAX_LINKS} of {MAX_LINKS + 3:,} (outgoing" in result.output
    data = run.json("node", "show", str(source.pk))
    assert len(data["outgoing"]) == MAX_LINKS
