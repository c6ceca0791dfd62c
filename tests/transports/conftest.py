from __future__ import annotations

import pytest

from .sshd import SshServer


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    """A running sshd on 127.0.0.1 accepting a generated key (``sshd.auth_params`` are the settings)."""
    server = SshServer(tmp_path_factory.mktemp("sshd"))
    server.start()
    yield server
    server.stop()
