"""The commands that gained --json print JSON a script can read, with the same facts as the text output."""

from jupyter_prov.engine import run_get_node
from tests.engine.processes import Outer, Relax


def test_process_status_json_is_the_tree(run):
    from jupyter_prov.orm import Dict

    _, node = run_get_node(Relax, structure=Dict({"a": 1}))
    tree = run.json("process", "status", str(node.pk))
    assert tree[0]["pk"] == node.pk and tree[0]["depth"] == 0 and tree[0]["state"] == "finished"
    assert [entry["depth"] for entry in tree[1:]] == [1] * len(node.called)
    assert {entry["pk"] for entry in tree[1:]} == {child.pk for child in node.called}


def test_process_report_json_lists_every_log_record(run):
    _, node = run_get_node(Outer, relax={"structure": {"a": 1.0}})
    records = run.json("process", "report", str(node.pk))
    reports = [r for r in records if r["levelname"] == "REPORT"]
    assert len(reports) == 3 and all(r["depth"] == 1 and r["process_label"] == "Relax" for r in reports)
    assert any("step 1: a = 0.5" in r["message"] for r in reports)


def test_archive_create_and_import_json(run, tmp_path):
    from jupyter_prov.orm import Int

    Int(7).store()
    path = tmp_path / "all.zip"
    created = run.json("archive", "create", str(path), "--all")
    assert created["output"] == str(path) and created["counts"]["nodes"] >= 1 and path.exists()
    dry = run.json("archive", "import", str(path), "--dry-run")
    assert dry["dry_run"] is True and "counts" in dry


def test_computer_test_json(run, tmp_path):
    run("computer", "setup", "here", "--workdir", str(tmp_path / "work"))
    checks = run.json("computer", "test", "here")
    assert [c["name"] for c in checks] == ["connection", "work directory", "scheduler"]
    assert all(c["ok"] for c in checks), checks
