"""Programs run as argument lists: no word that came from a node is ever interpreted by a shell."""

from __future__ import annotations

import pytest

from jupyter_prov.transports import TransportError
from jupyter_prov.transports.local import LocalTransport
from jupyter_prov.transports.ssh import SshTransport

HOSTILE = ["$(touch {s})", "`touch {s}`", "; touch {s}", "| touch {s}", "&& touch {s}", "a b", "'\"", "\n", "*",
           "$HOME", "--", "-n", "{s}>x"]


@pytest.fixture(params=["local", "ssh"])
def transport(request):
    if request.param == "local":
        t = LocalTransport()
    else:
        t = SshTransport("127.0.0.1", **request.getfixturevalue("sshd").auth_params)
    with t:
        yield t


def test_every_word_reaches_the_program_as_it_is(transport, tmp_path):
    sentinel = tmp_path / "sentinel"
    words = [w.format(s=sentinel) for w in HOSTILE]
    status, out, err = transport.exec_argv(["printf", "%s\\0", *words], workdir=str(tmp_path))
    assert status == 0, err
    assert out.decode().split("\0")[:-1] == words
    assert not sentinel.exists() and not (tmp_path / "x").exists()


def test_workdir_stdin_and_exit_status(transport, tmp_path):
    assert transport.exec_argv(["pwd"], workdir=str(tmp_path))[1].decode().strip() == str(tmp_path)
    assert transport.exec_argv(["wc", "-c"], stdin=b"12345")[1].decode().strip() == "5"
    assert transport.exec_argv(["sh", "-c", 'exit "$1"', "sh", "7"])[0] == 7
    status, _out, _err = transport.exec_argv(["/no/such/program"])
    assert status == 127


@pytest.mark.parametrize("argv", ["echo hi", [], ["echo", "a\x00b"]])
def test_bad_argument_lists_are_refused(argv):
    with pytest.raises(TransportError, match="exec_argv"):
        LocalTransport().exec_argv(argv)
