"""jprov group create|list|show|add|remove|delete."""

from jupyter_prov.orm import Group, Int, NotExistent
import pytest


def test_group_life_cycle(run):
    a, b = Int(1).store(), Int(2).store()
    assert "created" in run("group", "create", "sweep", "-D", "a parameter sweep").output
    run("group", "add", "sweep", str(a.pk), b.uuid)
    run("group", "add", "sweep", str(a.pk))  # adding twice keeps one membership
    listed = run.json("group", "list")
    assert [(g["label"], g["nodes"], g["description"]) for g in listed] == [("sweep", 2, "a parameter sweep")]
    shown = run.json("group", "show", "sweep")
    assert sorted(n["pk"] for n in shown["nodes"]) == [a.pk, b.pk]
    run("group", "remove", "sweep", str(a.pk))
    assert [n["pk"] for n in run.json("group", "show", "sweep")["nodes"]] == [b.pk]
    assert "sweep" in run("group", "show", "sweep").output
    run("group", "delete", "sweep", "--yes")
    with pytest.raises(NotExistent):
        Group.load("sweep")
    assert Int.get(b.pk).value == 2  # the nodes stay


def test_group_errors_are_clear(run):
    run("group", "create", "g")
    assert "exists already" in run("group", "create", "g", code=1).output
    assert "no group 'nope'" in run("group", "show", "nope", code=1).output
    assert "no node with pk 99999" in run("group", "add", "g", "99999", code=1).output
    run("group", "delete", "g", input="n\n", code=1)  # declined: aborted
    assert Group.load("g").label == "g"
