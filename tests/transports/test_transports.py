"""The local and SSH transports do the same things (the SSH one against a real sshd on 127.0.0.1)."""

from __future__ import annotations

import pytest

from jupyter_prov.transports import TransportError
from jupyter_prov.transports.local import LocalTransport
from jupyter_prov.transports.ssh import SshTransport


@pytest.fixture(params=["local", "ssh"])
def transport(request):
    if request.param == "local":
        t = LocalTransport()
    else:
        t = SshTransport("127.0.0.1", **request.getfixturevalue("sshd").auth_params)
    with t:
        yield t


def test_files_and_folders_round_trip(transport, tmp_path):
    remote = tmp_path / "remote"
    transport.makedirs(str(remote / "a" / "b"))
    assert transport.isdir(str(remote / "a" / "b"))
    transport.makedirs(str(remote / "a" / "b"))  # exists: no error
    transport.write_bytes(str(remote / "a" / "x.txt"), b"hello\n")
    assert transport.read_bytes(str(remote / "a" / "x.txt")) == b"hello\n"
    assert transport.listdir(str(remote / "a")) == ["b", "x.txt"]
    assert transport.isfile(str(remote / "a" / "x.txt")) and not transport.path_exists(str(remote / "nope"))

    local = tmp_path / "local"
    (local / "sub").mkdir(parents=True)
    (local / "sub" / "f.dat").write_bytes(b"\x00\x01")
    (local / "top.txt").write_text("top")
    transport.put(local, str(remote / "copy"))
    assert transport.read_bytes(str(remote / "copy" / "sub" / "f.dat")) == b"\x00\x01"
    transport.get(str(remote / "copy"), tmp_path / "back")
    assert (tmp_path / "back" / "top.txt").read_text() == "top"
    assert (tmp_path / "back" / "sub" / "f.dat").read_bytes() == b"\x00\x01"
    assert transport.glob(str(remote / "copy"), "*.txt") == ["top.txt"]
    assert transport.glob(str(remote / "copy"), "sub/*") == ["sub/f.dat"]

    transport.remove(str(remote / "a" / "x.txt"))
    assert not transport.path_exists(str(remote / "a" / "x.txt"))
    transport.rmtree(str(remote))
    assert not transport.path_exists(str(remote))


def test_exec_command(transport, tmp_path):
    status, out, err = transport.exec_command("echo out; echo err >&2; exit 3")
    assert (status, out, err) == (3, b"out\n", b"err\n")
    status, out, _ = transport.exec_command("pwd", workdir=str(tmp_path))
    assert status == 0 and out.decode().strip() == str(tmp_path)
    status, out, _ = transport.exec_command("wc -c", stdin=b"12345")
    assert out.decode().strip() == "5"
    status, out, _ = transport.exec_command("head -c 300000 /dev/zero | tr '\\0' x; head -c 200000 /dev/zero >&2")
    assert len(out) == 300000


def test_missing_paths_are_clear_errors(transport, tmp_path):
    with pytest.raises(TransportError, match="nope"):
        transport.read_bytes(str(tmp_path / "nope"))
    with pytest.raises(TransportError, match="does not exist"):
        transport.get(str(tmp_path / "nope"), tmp_path / "x")


def test_ssh_wrong_key_and_unreachable_host(sshd, tmp_path):
    import subprocess

    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    params = {**sshd.auth_params, "key_filename": str(other)}
    with pytest.raises(TransportError, match="authentication failed"):
        SshTransport("127.0.0.1", **params).open()
    from .sshd import free_port

    with pytest.raises(TransportError, match="cannot connect"):
        SshTransport("127.0.0.1", **{**sshd.auth_params, "port": free_port()}).open()


def test_ssh_unknown_host_key_is_rejected_by_default(sshd):
    params = {k: v for k, v in sshd.auth_params.items() if k != "host_key_policy"}
    with pytest.raises(TransportError, match="127.0.0.1"):
        SshTransport("127.0.0.1", **params).open()


def test_ssh_proxy_jump_and_proxy_command(sshd):
    jump = f"{sshd.username}@127.0.0.1:{sshd.port}"
    with SshTransport("127.0.0.1", **sshd.auth_params, proxy_jump=jump) as t:
        assert t.exec_command("echo via-jump")[1] == b"via-jump\n"
    command = (f"ssh -i {sshd.user_key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes "
               f"-p {sshd.port} -W %h:%p {sshd.username}@127.0.0.1")
    with SshTransport("127.0.0.1", **sshd.auth_params, proxy_command=command) as t:
        assert t.exec_command("echo via-command")[1] == b"via-command\n"


def test_ssh_connection_lost_is_a_transport_error(tmp_path):
    from .sshd import SshServer

    server = SshServer(tmp_path / "sshd")
    server.start()
    try:
        t = SshTransport("127.0.0.1", **server.auth_params)
        t.open()
        assert t.exec_command("true")[0] == 0
        server.stop()
        with pytest.raises(TransportError, match="127.0.0.1"):
            t.exec_command("true", timeout=5)
            t.listdir("/")
        server.start()
        t.open()
        assert t.exec_command("echo back")[1] == b"back\n"
        t.close()
    finally:
        server.stop()
