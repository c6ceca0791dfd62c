"""jprov computer setup|configure|test, code create|list|show, calcjob inputcat|outputcat|gotocomputer."""

from __future__ import annotations

from jupyter_prov.transports import close_all

from ..transports.sshd import SshServer


def test_local_computer_code_and_calcjob_files(run, tmp_path):
    run("computer", "setup", "here", "--workdir", str(tmp_path / "work"))
    assert "work directory" in run("computer", "test", "here").output
    run("computer", "setup", "here", "--workdir", str(tmp_path), code=1)  # exists
    run("computer", "setup", "bad", "--workdir", "/x", "--scheduler", "core.pbs", code=1)
    run("code", "create", "wc@here", "--executable", "/usr/bin/wc")
    assert "/usr/bin/wc" in run("code", "show", "wc@here").output
    assert [c["label"] for c in run.json("code", "list")] == ["wc"]
    run("code", "create", "rel@here", "--executable", "bin/x", code=1)

    from jupyter_prov.engine import launch_shell_job
    from jupyter_prov.orm.nodes.code import Code
    from jupyter_prov.orm.nodes.files import File

    node = launch_shell_job(Code.get("wc@here"), arguments=["-c", "{f}"], nodes={"f": File("hello", filename="h.txt")})
    assert node.is_finished_ok, node.exit_message
    assert "_jprov_submit.sh" in run("calcjob", "inputcat", str(node.pk)).output
    assert "/usr/bin/wc" in run("calcjob", "inputcat", str(node.pk), "_jprov_submit.sh").output
    assert run("calcjob", "outputcat", str(node.pk), "stdout").output.strip() == "5 h.txt"
    assert "cd " in run("calcjob", "gotocomputer", str(node.pk), "--print-command").output
    run("calcjob", "outputcat", str(node.pk), "nope", code=1)
    close_all()


def test_ssh_computer_configure_and_test(run, tmp_path):
    server = SshServer(tmp_path / "sshd")
    server.start()
    try:
        run("computer", "setup", "remote", "--hostname", "127.0.0.1", "--transport", "core.ssh",
            "--workdir", str(tmp_path / "rwork"))
        p = server.auth_params
        run("computer", "configure", "remote", "--username", p["username"], "--port", str(p["port"]),
            "--key-filename", p["key_filename"], "--host-key-policy", "auto_add", "--no-allow-agent")
        out = run("computer", "test", "remote").output
        assert "✔" in out and "✘" not in out
        close_all()
        server.stop()
        assert "cannot connect" in run("computer", "test", "remote", code=1).output
    finally:
        close_all()
        server.stop()
