"""``jprov process``: list, show, report, status, continue, kill."""

from jupyter_prov.engine import run_get_node, submit
from jupyter_prov.orm import Dict, load_node

from tests.engine.processes import AddChildren, Outer, Relax, add


def test_list_shows_active_by_default_and_all_with_a(run):
    _, finished = add.run_get_node(1, 2)
    created = submit(add, 3, 4)
    active = run.json("process", "list")
    assert [p["pk"] for p in active] == [created.pk]
    everything = run.json("process", "list", "-a")
    assert {finished.pk, created.pk} <= {p["pk"] for p in everything}
    only_finished = run.json("process", "list", "-S", "finished")
    assert finished.pk in {p["pk"] for p in only_finished} and created.pk not in {p["pk"] for p in only_finished}
    assert "1 process(es)" in run("process", "list").output


def test_show(run):
    result, node = run_get_node(Relax, structure=Dict({"a": 1}))
    data = run.json("process", "show", str(node.pk))
    assert data["state"] == "finished" and data["exit_status"] == 0 and data["process_label"] == "Relax"
    assert {i["label"] for i in data["inputs"]} == {"structure", "steps"}
    assert [o["label"] for o in data["outputs"]] == ["result"]
    assert len(data["called"]) == 3
    text = run("process", "show", str(node.pk)).output
    assert "Relax" in text and "finished" in text


def test_report_is_a_tree_of_logs(run):
    _, node = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    out = run("process", "report", str(node.pk)).output
    lines = [line for line in out.splitlines() if "REPORT" in line]
    assert len(lines) == 3 and all(line.startswith("    ") for line in lines)
    assert "step 1: a = 0.5" in out and "|Relax]" in out


def test_status_tree(run):
    _, node = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    out = run("process", "status", str(node.pk)).output.splitlines()
    assert out[0] == f"Outer<{node.pk}> finished [0]"
    assert out[1].startswith("└── Relax<") and out[2].startswith("    └── relax_step<")


def test_continue_and_kill(run):
    node = submit(add, 1, 2)
    assert f"process {node.pk}: finished [0]" in run("process", "continue", str(node.pk)).output
    waiting = submit(AddChildren, count=2)
    assert "killed" in run("process", "kill", str(waiting.pk)).output
    assert load_node(waiting.pk).is_killed
    assert "already killed" in run("process", "kill", str(waiting.pk)).output


def test_not_a_process(run):
    datum = Dict({"a": 1}).store()
    result = run("process", "show", str(datum.pk), code=1)
    assert "not a process" in result.output


def test_list_with_no_limit_pages_through_every_process(run):
    """views cap a page at 500; ``-n 0`` still means all (the CLI asks page after page)."""
    from jupyter_prov.orm import CalcFunctionNode, store_all
    from jupyter_prov.views.nodes import MAX_LIMIT

    made = []
    for _ in range(MAX_LIMIT + 7):
        calc = CalcFunctionNode(process_label="add")
        calc.set_process_state("running")
        made.append(calc)
    store_all(made)
    listed = run.json("process", "list", "-n", "0")
    assert sorted(p["pk"] for p in listed) == sorted(c.pk for c in made)
    assert len(run.json("process", "list", "-n", "3")) == 3
