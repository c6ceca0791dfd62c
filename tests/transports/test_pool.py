"""One shared connection per computer and user in a process."""

from __future__ import annotations

import threading

from jupyter_prov.orm import Computer
from jupyter_prov.transports import close_all, connections_opened, get_transport


def test_one_connection_per_computer_shared_by_threads(profile, sshd):
    computer = Computer("ssh-pool", "127.0.0.1", transport_type="core.ssh").store()
    computer.configure(**sshd.auth_params)
    close_all()
    before = connections_opened()
    results = []

    def work():
        t = get_transport(computer)
        results.append(t.exec_command("echo hi")[1])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [b"hi\n"] * 8
    assert connections_opened() - before == 1
    first = get_transport(computer)
    first.close()  # a lost connection is opened again
    assert get_transport(computer).exec_command("true")[0] == 0
    assert connections_opened() - before == 2
    close_all()


def test_local_computer_needs_no_authinfo(profile):
    computer = Computer("here", "localhost").store()
    assert get_transport(computer).exec_command("echo ok")[1] == b"ok\n"
    close_all()
