"""``core.ssh``: a computer reached over SSH (through paramiko).

Connection settings (a computer's :class:`~jupyter_prov.orm.computers.AuthInfo`): ``username``,
``port`` (22), ``key_filename``, ``allow_agent`` (True), ``look_for_keys`` (True), ``proxy_jump``
(``[user@]host[:port]`` of a bastion, reached with the same keys), ``proxy_command`` (e.g.
``ssh -W %h:%p bastion``), ``timeout`` (connect timeout, 30 s), ``host_key_policy``
(``reject`` — the host must be in ``~/.ssh/known_hosts``, the default — ``warn`` or ``auto_add``).

SSH always hands a command to the remote account's login shell, so :meth:`exec_argv` (the base
class's) sends every word ``shlex``-quoted: the program receives exactly the argument list, provided
that shell is a POSIX one (sh, dash, bash, zsh, ksh; csh and fish quote differently).
"""

from __future__ import annotations

import os
import posixpath
import shlex
import stat
import time
from typing import Any

import paramiko

from .base import Transport, TransportError

_POLICIES = {"reject": paramiko.RejectPolicy, "warn": paramiko.WarningPolicy, "auto_add": paramiko.AutoAddPolicy}
_ERRORS = (OSError, EOFError, paramiko.SSHException)


def _split_host(spec: str, default_user: str | None) -> tuple[str | None, str, int]:
    user = default_user
    if "@" in spec:
        user, spec = spec.split("@", 1)
    port = 22
    if ":" in spec:
        spec, port_text = spec.rsplit(":", 1)
        port = int(port_text)
    return user, spec, port


class SshTransport(Transport):
    """One SSH connection (commands on channels, files over one SFTP session)."""

    def __init__(self, hostname: str, **params: Any):
        super().__init__(hostname, **params)
        policy = params.get("host_key_policy", "reject")
        if policy not in _POLICIES:
            raise TransportError(f"host_key_policy {policy!r} is not one of {', '.join(_POLICIES)}")
        self._client: paramiko.SSHClient | None = None
        self._jump: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    def _new_client(self) -> paramiko.SSHClient:
        client = paramiko.SSHClient()
        client.load_system_host_keys()
        known = self.params.get("known_hosts")
        if known:
            client.load_host_keys(os.path.expanduser(known))
        client.set_missing_host_key_policy(_POLICIES[self.params.get("host_key_policy", "reject")]())
        return client

    def _connect_kwargs(self, username: str | None, port: int) -> dict[str, Any]:
        key = self.params.get("key_filename")
        return {
            "port": port, "username": username,
            "key_filename": os.path.expanduser(key) if key else None,
            "allow_agent": bool(self.params.get("allow_agent", True)),
            "look_for_keys": bool(self.params.get("look_for_keys", True)),
            "timeout": float(self.params.get("timeout", 30)),
            "banner_timeout": float(self.params.get("timeout", 30)),
            "auth_timeout": float(self.params.get("timeout", 30)),
        }

    def open(self) -> None:
        with self.lock:
            if self.is_open:
                return
            self.close()
            username = self.params.get("username")
            port = int(self.params.get("port", 22))
            where = f"{username + '@' if username else ''}{self.hostname}:{port}"
            sock: Any = None
            try:
                if self.params.get("proxy_jump"):
                    juser, jhost, jport = _split_host(self.params["proxy_jump"], username)
                    self._jump = self._new_client()
                    self._jump.connect(jhost, **self._connect_kwargs(juser, jport))
                    sock = self._jump.get_transport().open_channel(
                        "direct-tcpip", (self.hostname, port), ("127.0.0.1", 0))
                elif self.params.get("proxy_command"):
                    command = (self.params["proxy_command"].replace("%h", self.hostname).replace("%p", str(port))
                               .replace("%r", username or ""))
                    sock = paramiko.ProxyCommand(command)
                client = self._new_client()
                client.connect(self.hostname, sock=sock, **self._connect_kwargs(username, port))
                transport = client.get_transport()
                transport.set_keepalive(int(self.params.get("keepalive", 30)))
                self._client = client
                self._sftp = client.open_sftp()
            except paramiko.AuthenticationException as exc:
                self.close()
                raise TransportError(f"ssh {where}: authentication failed ({exc}); check the key with "
                                     "`jprov computer configure`") from exc
            except (TimeoutError, *_ERRORS) as exc:
                self.close()
                raise TransportError(f"ssh {where}: cannot connect: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        with self.lock:
            for thing in (self._sftp, self._client, self._jump):
                if thing is not None:
                    try:
                        thing.close()
                    except Exception:  # noqa: BLE001, S110 - closing a broken connection
                        pass
            self._sftp = self._client = self._jump = None

    @property
    def is_open(self) -> bool:
        client = self._client
        if client is None:
            return False
        transport = client.get_transport()
        return transport is not None and transport.is_active()

    def _checked(self) -> paramiko.SFTPClient:
        if not self.is_open or self._sftp is None:
            raise TransportError(f"ssh {self.hostname}: the connection is not open (or was lost)")
        return self._sftp

    def _fail(self, what: str, exc: BaseException) -> TransportError:
        if not self.is_open:
            self.close()
            return TransportError(f"ssh {self.hostname}: connection lost during {what}: {type(exc).__name__}: {exc}")
        return TransportError(f"ssh {self.hostname}: {what}: {type(exc).__name__}: {exc}")

    def exec_command(self, command: str, *, workdir: str | None = None, stdin: bytes | None = None,
                     timeout: float | None = None) -> tuple[int, bytes, bytes]:
        if workdir is not None:
            command = f"cd {shlex.quote(workdir)} && {command}"
        with self.lock:
            self._checked()
            client = self._client
            assert client is not None  # _checked() raised otherwise
            try:
                channel = client.get_transport().open_session(timeout=timeout)
            except _ERRORS as exc:
                raise self._fail(f"exec {command!r}", exc) from exc
        try:
            channel.settimeout(timeout)
            channel.exec_command(command)
            if stdin:
                channel.sendall(stdin)
            channel.shutdown_write()
            out, err = [], []
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                busy = False
                if channel.recv_ready():
                    out.append(channel.recv(65536))
                    busy = True
                if channel.recv_stderr_ready():
                    err.append(channel.recv_stderr(65536))
                    busy = True
                if busy:
                    continue
                if channel.exit_status_ready() or channel.closed or not self.is_open:
                    if not channel.recv_ready() and not channel.recv_stderr_ready():
                        break
                    continue
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError()
                time.sleep(0.001)
            status = channel.recv_exit_status()
        except TimeoutError as exc:
            raise TransportError(f"command {command!r} on {self.hostname} took longer than {timeout} s") from exc
        except _ERRORS as exc:
            raise self._fail(f"exec {command!r}", exc) from exc
        finally:
            channel.close()
        if status == -1:
            raise self._fail(f"exec {command!r}", EOFError("no exit status (connection closed)"))
        return status, b"".join(out), b"".join(err)

    def _sftp_call(self, what: str, func, *args: Any) -> Any:
        with self.lock:
            sftp = self._checked()
            try:
                return func(sftp, *args)
            except FileNotFoundError as exc:
                raise TransportError(f"ssh {self.hostname}: {what}: no such file") from exc
            except _ERRORS as exc:
                raise self._fail(what, exc) from exc

    def put_file(self, localpath: str | os.PathLike, remotepath: str) -> None:
        self._sftp_call(f"put {str(localpath)!r} → {remotepath!r}", lambda s: s.put(os.fspath(localpath), remotepath))

    def get_file(self, remotepath: str, localpath: str | os.PathLike) -> None:
        self._sftp_call(f"get {remotepath!r}", lambda s: s.get(remotepath, os.fspath(localpath)))

    def write_bytes(self, remotepath: str, content: bytes) -> None:
        def write(sftp: paramiko.SFTPClient) -> None:
            with sftp.open(remotepath, "wb") as handle:
                handle.write(content)
        self._sftp_call(f"write {remotepath!r}", write)

    def read_bytes(self, remotepath: str) -> bytes:
        def read(sftp: paramiko.SFTPClient) -> bytes:
            with sftp.open(remotepath, "rb") as handle:
                return handle.read()
        return self._sftp_call(f"read {remotepath!r}", read)

    def listdir(self, path: str) -> list[str]:
        return sorted(self._sftp_call(f"listdir {path!r}", lambda s: s.listdir(path)))

    def stat_mode(self, path: str) -> int | None:
        def mode(sftp: paramiko.SFTPClient) -> int | None:
            try:
                return sftp.stat(path).st_mode
            except FileNotFoundError:
                return None
        return self._sftp_call(f"stat {path!r}", mode)

    def makedirs(self, path: str) -> None:
        def make(sftp: paramiko.SFTPClient) -> None:
            parts = []
            current = path.rstrip("/") or "/"
            while current not in ("", "/"):
                try:
                    if stat.S_ISDIR(sftp.stat(current).st_mode):
                        break
                    raise TransportError(f"ssh {self.hostname}: makedirs {path!r}: {current!r} is a file")
                except FileNotFoundError:
                    parts.append(current)
                    current = posixpath.dirname(current)
            for folder in reversed(parts):
                sftp.mkdir(folder)
        self._sftp_call(f"makedirs {path!r}", make)

    def remove(self, path: str) -> None:
        self._sftp_call(f"remove {path!r}", lambda s: s.remove(path))

    def rmtree(self, path: str) -> None:
        status, _out, err = self.exec_argv(["rm", "-rf", "--", path])
        if status != 0:
            raise TransportError(f"ssh {self.hostname}: rmtree {path!r}: {err.decode(errors='replace')}")
