"""What ran a kernel session: the Python, its installed distributions, the git state of the code, the host.

Captured once per kernel session, on the writer thread (never at ``%load_ext`` on the kernel's thread,
never per cell). The installed distributions are read from the names of the ``*.dist-info`` and
``*.egg-info`` folders on ``sys.path`` (``numpy-2.3.1.dist-info``): one ``listdir`` per folder, 2-4 ms
for 194 distributions here, where ``importlib.metadata.distributions()`` with the versions took 440-940 ms
(it opens every METADATA file). Only an ``.egg-info`` without a version in its name (``pip install -e``
of an old project) has its ``PKG-INFO`` read.

The part that is the same from one session to the next (Python, platform, distributions) is the
*environment*, hashed (:func:`environment_hash`): one stored node for every session that ran it. The
per-session part (host, kernel id, start time, git commits) is the *session*.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import socket
import subprocess
import sys
from datetime import datetime, timezone
from typing import Any

_NORMALIZE = re.compile(r"[-_.]+")
#: a git call that takes longer than this is given up (a network file system, a huge work tree)
GIT_TIMEOUT_SECONDS = 5.0


def normalize_name(name: str) -> str:
    """A distribution's name as PyPI compares them (PEP 503): ``Jupyter_Core`` → ``jupyter-core``."""
    return _NORMALIZE.sub("-", name).lower()


def _egg_info_version(path: str) -> str | None:
    metadata = os.path.join(path, "PKG-INFO") if os.path.isdir(path) else path
    try:
        with open(metadata, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip()
                if not line.strip():
                    break
    except OSError:
        return None
    return None


def distributions(path: list[str] | None = None) -> dict[str, str]:
    """``{normalized name: version}`` of the distributions importable from ``path`` (``sys.path``).

    The first folder that holds a distribution wins, as for imports.
    """
    found: dict[str, str] = {}
    for folder in sys.path if path is None else path:
        try:
            entries = os.listdir(folder or ".")
        except OSError:  # a zip file, a folder that does not exist
            continue
        for entry in sorted(entries):
            if entry.endswith(".dist-info"):
                name, _, version = entry[: -len(".dist-info")].partition("-")
            elif entry.endswith(".egg-info"):
                name, _, version = entry[: -len(".egg-info")].partition("-")
                version = version.split("-py")[0]
                if not version:
                    version = _egg_info_version(os.path.join(folder, entry)) or ""
            else:
                continue
            if name and version:
                found.setdefault(normalize_name(name), version)
    return dict(sorted(found.items()))


def python_environment() -> dict[str, Any]:
    """The part of a session that is the same for every session run with this Python and these packages."""
    return {
        "python_version": platform.python_version(),
        "implementation": sys.implementation.name,
        "executable": sys.executable,
        "prefix": sys.prefix,
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "distributions": distributions(),
    }


def environment_hash(environment: dict[str, Any]) -> str:
    """The environment's identity: SHA-256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(environment, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def git_state(folder: str) -> dict[str, Any] | None:
    """``{"root", "commit", "branch", "dirty"}`` of the git work tree holding ``folder``; None outside one.

    ``dirty`` lists the changed or new files (at most 50), as ``git status --porcelain`` names them.
    """
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True,
                                  timeout=GIT_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    if not os.path.isdir(folder):
        return None
    root = git("rev-parse", "--show-toplevel")
    if root is None:
        return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=normal") or ""
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    return {"root": root, "commit": commit, "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "dirty": changed[:50], "dirty_count": len(changed)}


def kernel_id() -> str | None:
    """The Jupyter kernel's id (its connection file is ``kernel-<id>.json``); None outside a kernel."""
    try:
        from ipykernel import get_connection_file

        name = os.path.basename(get_connection_file())
    except Exception:  # noqa: BLE001 - not a kernel (terminal IPython), or no connection file
        return None
    match = re.fullmatch(r"kernel-(.+)\.json", name)
    return match.group(1) if match else name


def session_facts(started_at: datetime | None = None) -> dict[str, Any]:
    """What only this kernel session has: host, process, kernel id, start time, working folder."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "kernel_id": kernel_id(),
        "started_at": (started_at or datetime.now(timezone.utc)).isoformat(),
        "cwd": os.getcwd(),
    }


def local_module_folders(modules: dict[str, Any] | None = None) -> dict[str, str]:
    """``{module name: folder}`` of imported top-level modules that are not installed (not under the
    interpreter's prefixes nor a site-packages folder): the user's own code, imported from a work tree."""
    skip = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    found: dict[str, str] = {}
    for name, module in list((sys.modules if modules is None else modules).items()):
        if "." in name or module is None:
            continue
        path = getattr(module, "__file__", None)
        if not isinstance(path, str):
            continue
        path = os.path.abspath(path)
        if path.startswith(skip) or "site-packages" in path or "dist-packages" in path:
            continue
        found[name] = os.path.dirname(path)
    return found
