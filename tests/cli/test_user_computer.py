"""jprov user and computer basics."""

from jupyter_prov.config import get_config
from jupyter_prov.orm import Computer, Int, current


def test_user_list_marks_the_default(run):
    Int(1).store()
    users = run.json("user", "list")
    assert len(users) == 1 and users[0]["default"] is True


def test_user_set_default(run):
    config = get_config()
    before = config.options.get("user_email")
    try:
        run("user", "set-default", "ada@example.org")
        assert get_config().options["user_email"] == "ada@example.org"
        current._state["user"] = None
        node = Int(2).store()
        assert node.user.email == "ada@example.org"
        assert "not an email" in run("user", "set-default", "nobody", code=1).output
    finally:
        config = get_config()
        config.options.pop("user_email", None)
        if before:
            config.options["user_email"] = before
        config.save()
        current._state["user"] = None


def test_computer_list_and_show(run):
    assert run.json("computer", "list") == []
    computer = Computer("cluster", "hpc.example.org", scheduler_type="core.slurm").store()
    assert [c["label"] for c in run.json("computer", "list")] == ["cluster"]
    shown = run.json("computer", "show", "cluster")
    assert shown["hostname"] == "hpc.example.org" and shown["pk"] == computer.pk
    assert "core.slurm" in run("computer", "show", str(computer.pk)).output
    assert "no computer" in run("computer", "show", "nope", code=1).output
