"""benchmarks/_paired.py: two codes run alternately in one run, each a fresh child, with per-pair ratios.

The children here are trivial Python programs (a few tens of ms each), so these tests are fast; they
check the order of the runs, that each side runs its own tree in its own folder, the ratio arithmetic,
that the CPU time measured is the child's, and the report's format.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("benchmarks_paired", ROOT / "benchmarks" / "_paired.py")
assert _spec and _spec.loader
paired = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = paired  # dataclasses looks the module up by name
_spec.loader.exec_module(paired)

#: burns VALUE * 40 ms of CPU, notes its folder in the tree's homes.txt, prints the tree's VALUE
CHILD = ("import json, os, time, sidemod\n"
         "end = time.process_time() + 0.04 * sidemod.VALUE\n"
         "while time.process_time() < end: pass\n"
         "print('a line that is not JSON')\n"
         "open(os.path.join(os.path.dirname(sidemod.__file__), 'homes.txt'), 'a').write(os.getcwd() + '\\n')\n"
         "print(json.dumps({'value': sidemod.VALUE, 'nested': {'twice': 2 * sidemod.VALUE}, 'label': 'x',"
         " 'cwd_is_home': int(os.getcwd() == os.environ['JPROV_HOME'])}))\n")


def _tree(path: Path, value: int, git: bool = False) -> Path:
    path.mkdir()
    (path / "sidemod.py").write_text(f"VALUE = {value}\n")
    if git:
        run = lambda *a: subprocess.run(["git", "-C", str(path), *a], check=True, capture_output=True)  # noqa: E731
        run("init", "-q")
        run("add", "sidemod.py")
        run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    return path


def _sides(tmp_path: Path, git: bool = False) -> list:
    command = ["{python}", "-c", CHILD]
    return [paired.Side("ref", command, _tree(tmp_path / "a", 1, git)),
            paired.Side("new", command, _tree(tmp_path / "b", 2, git))]


def test_alternate_order_swaps_the_sides_every_pair():
    assert paired.orders(5, ("A", "B")) == [["A", "B"], ["B", "A"], ["A", "B"], ["B", "A"], ["A", "B"]]


def test_random_order_runs_each_side_once_per_pair_and_repeats_with_its_seed():
    first = paired.orders(40, ("A", "B"), "random", seed=3)
    assert all(sorted(pair) == ["A", "B"] for pair in first)
    assert {tuple(pair) for pair in first} == {("A", "B"), ("B", "A")}
    assert paired.orders(40, ("A", "B"), "random", seed=3) == first
    with pytest.raises(ValueError, match="alternate"):
        paired.orders(2, ("A", "B"), "zigzag")


def test_pair_ratio_is_b_over_a_per_metric_and_skips_what_a_lacks_or_has_zero():
    a = {"cpu_s": 2.0, "wall_s": 4.0, "metrics": {"rate": 100.0, "zero": 0.0, "only_a": 1.0}}
    b = {"cpu_s": 1.0, "wall_s": 6.0, "metrics": {"rate": 300.0, "zero": 5.0, "only_b": 1.0}}
    assert paired.pair_ratios(a, b) == {"cpu_s": 0.5, "wall_s": 1.5, "rate": 3.0}


def test_summary_is_median_and_range_of_the_per_pair_ratios_not_the_ratio_of_medians():
    def run(cpu):
        return {"cpu_s": cpu, "wall_s": 1.0, "metrics": {}}

    pairs = [{"runs": {"A": run(a), "B": run(b)}, "ratios": paired.pair_ratios(run(a), run(b))}
             for a, b in [(1.0, 2.0), (2.0, 1.0), (4.0, 4.0)]]
    cpu = paired.summarise(pairs, "A", "B")["cpu_s"]
    assert (cpu["median"], cpu["min"], cpu["max"], cpu["pairs"]) == (1.0, 0.5, 2.0, 3)
    assert (cpu["A"], cpu["B"]) == (2.0, 2.0)


def test_flatten_keeps_numbers_by_dotted_path_and_last_json_takes_the_last_object_line():
    assert paired.flatten({"a": 1, "b": {"c": 2.5, "d": "x", "e": True}}) == {"a": 1.0, "b.c": 2.5}
    assert paired.last_json('{"a": 1}\nnoise\n{"a": 2}\ntrailing text\n') == {"a": 2.0}
    assert paired.last_json("no json at all\n") == {}


def test_five_pairs_run_each_tree_in_a_fresh_folder_alternately_with_the_childs_cpu(tmp_path):
    report = paired.run_pairs(_sides(tmp_path), pairs=5)
    assert [p["order"] for p in report["pairs"]] == paired.orders(5, ("ref", "new"))
    for pair in report["pairs"]:
        for name, value in (("ref", 1.0), ("new", 2.0)):
            metrics = pair["runs"][name]["metrics"]
            assert metrics["value"] == value and metrics["nested.twice"] == 2 * value  # its own tree's module
            assert metrics["cwd_is_home"] == 1.0
        assert pair["ratios"]["value"] == 2.0
    summary = report["summary"]
    assert summary["value"]["median"] == summary["value"]["min"] == summary["value"]["max"] == 2.0
    # the child burns 40 vs 80 ms of CPU on top of its start-up: the measured CPU is the child's
    assert 1.2 < summary["cpu_s"]["median"] < 2.5
    assert summary["cpu_s"]["ref"] >= 0.04 and summary["cpu_s"]["new"] >= 0.08
    assert "label" not in summary
    assert len(report["load_start"]) == 3 and len(report["load_end"]) == 3
    assert report["machine"]["cores"] >= 1 and report["machine"]["cpu"]
    homes = [line for side in ("a", "b") for line in (tmp_path / side / "homes.txt").read_text().splitlines()]
    assert len(set(homes)) == 10 and not any(Path(home).exists() for home in homes)  # fresh, and removed after


def test_a_failing_child_stops_the_run_naming_its_side_and_output(tmp_path):
    sides = _sides(tmp_path)
    sides[1].command = ["{python}", "-c", "import sys; print('boom out'); sys.exit(3)"]
    with pytest.raises(RuntimeError, match=r"new run failed \(exit 3\)[\s\S]*boom out"):
        paired.run_pairs(sides, pairs=1)


def test_markdown_names_pairs_order_load_machine_and_commits(tmp_path):
    sides = _sides(tmp_path, git=True)
    (sides[1].tree / "sidemod.py").write_text("VALUE = 2  # edited\n")
    report = paired.run_pairs(sides, pairs=2)
    assert report["sides"]["ref"]["commit"] and "+dirty" not in report["sides"]["ref"]["commit"]
    assert report["sides"]["new"]["commit"].endswith("+dirty")
    text = paired.markdown(report, "toy")
    assert text.startswith("### toy\n")
    assert "2 pairs, order alternate (AB, BA)" in text
    assert "load average at start" in text and "at end" in text
    assert f"{report['machine']['cores']} cores" in text and report["sides"]["ref"]["commit"] in text
    assert "| metric | ref (median) | new (median) | ratio new/ref: median of pairs | min–max |" in text
    assert "| value | 1 | 2 | 2.000 | 2.000–2.000 |" in text


def test_command_line_writes_the_json_report_and_the_markdown(tmp_path):
    a, b = _tree(tmp_path / "a", 1), _tree(tmp_path / "b", 3)
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    paired.main(["--ref", str(a), "--this", str(b), "--pairs", "2", "--order", "random", "--seed", "1",
                 "--json", str(out_json), "--markdown", str(out_md), "--title", "cli", "--", "{python}", "-c", CHILD])
    report = json.loads(out_json.read_text())
    assert report["summary"]["value"]["median"] == 3.0 and len(report["pairs"]) == 2
    assert report["order"] == "random" and report["seed"] == 1
    assert out_md.read_text().startswith("### cli\n") and "Command: `python benchmarks/_paired.py --ref" in out_md.read_text()


def test_command_line_passes_each_sides_extra_environment(tmp_path):
    tree = _tree(tmp_path / "a", 1)
    child = "import json, os; print(json.dumps({'level': int(os.environ['LEVEL'])}))"
    report = paired.main(["--ref", str(tree), "--this", str(tree), "--ref-env", "LEVEL=1", "--this-env", "LEVEL=2",
                          "--pairs", "1", "--", "{python}", "-c", child])
    assert report["summary"]["level"]["median"] == 2.0


def test_command_line_refuses_a_run_without_a_reference(capsys):
    with pytest.raises(SystemExit):
        paired.main(["--", "{python}", "-c", "pass"])
    assert "--ref" in capsys.readouterr().err
