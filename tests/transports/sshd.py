"""A real OpenSSH server on 127.0.0.1 for tests: own config, free port, generated host and user keys."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SshServer:
    """``start()``/``stop()`` an sshd (stop kills it, start brings it back on the same port and keys)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        self.port = free_port()
        self.host_key = self.folder / "host_ed25519"
        self.user_key = self.folder / "user_ed25519"
        for key in (self.host_key, self.user_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        self.authorized = self.folder / "authorized_keys"
        shutil.copy(f"{self.user_key}.pub", self.authorized)
        os.chmod(self.authorized, 0o600)
        self.config = self.folder / "sshd_config"
        self.config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\nPidFile {self.folder}/sshd.pid\n"
            f"AuthorizedKeysFile {self.authorized}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\nUsePAM no\nStrictModes no\nPermitRootLogin yes\nSubsystem sftp internal-sftp\n"
            "MaxSessions 100\nMaxStartups 100:30:200\nLogLevel ERROR\nAllowTcpForwarding yes\n"
        )
        self.process: subprocess.Popen | None = None
        self.username = os.environ.get("USER") or __import__("getpass").getuser()

    @property
    def auth_params(self) -> dict:
        return {"username": self.username, "port": self.port, "key_filename": str(self.user_key),
                "allow_agent": False, "look_for_keys": False, "host_key_policy": "auto_add", "timeout": 5}

    def start(self) -> None:
        if not os.path.exists(SSHD):
            raise RuntimeError(f"{SSHD} is missing: apt-get install -y openssh-server")
        os.makedirs("/run/sshd", exist_ok=True)
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.config)], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not start listening within 10 s")

    def stop(self) -> None:
        """Kill the server and every session it forked (the connections drop)."""
        if self.process is None:
            return
        subprocess.run(["pkill", "-KILL", "-P", str(self.process.pid)], check=False)
        self.process.kill()
        self.process.wait()
        self.process = None
