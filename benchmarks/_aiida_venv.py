"""Isolated aiida-core installation for reference benchmarks.

The jupyter-prov benchmarks compare against aiida-core.  AiiDA is never a
dependency of this project, so it lives in its own virtualenv:

* ``benchmarks/.venv-aiida``             the virtualenv (git-ignored)
* ``benchmarks/.venv-aiida/aiida-home``  the ``AIIDA_PATH``: config and a
  throw-away profile created with ``verdi presto`` (SQLite, no services), so
  nothing ever touches ``~/.aiida``.

Usage::

    from benchmarks._aiida_venv import aiida_python, run_aiida_script
    py = aiida_python()                    # Path to the venv python, or None
    result = run_aiida_script("store", "1000")   # dict parsed from the script

Run ``python benchmarks/_aiida_venv.py`` to just create the environment.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import venv

AIIDA_VERSION = "2.9.4"
BENCH_DIR = pathlib.Path(__file__).resolve().parent
VENV_DIR = BENCH_DIR / ".venv-aiida"
AIIDA_HOME = VENV_DIR / "aiida-home"
SCRIPTS_DIR = BENCH_DIR / "aiida_reference"
PROFILE = "bench"
# SQLite storage and no message broker: nothing depends on services that may or
# may not run on this machine (processes are only run in the foreground).
PRESTO_FLAGS = ("--no-broker", "--non-interactive")
_READY_MARKER = VENV_DIR / f".ready-aiida-{AIIDA_VERSION}"

_cached: pathlib.Path | None = None


def _venv_python() -> pathlib.Path:
    if os.name == "nt":
        return VENV_DIR / "Scripts" / "python.exe"
    return VENV_DIR / "bin" / "python"


def aiida_env() -> dict[str, str]:
    """Environment for running anything in the AiiDA venv (``AIIDA_PATH`` set)."""
    env = dict(os.environ)
    env["AIIDA_PATH"] = str(AIIDA_HOME)
    env.pop("PYTHONPATH", None)  # keep the project's own packages out of the venv
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _run(cmd: list, timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], check=False, env=aiida_env(), capture_output=True, text=True, timeout=timeout
    )


def _profile_exists(python: pathlib.Path, name: str) -> bool:
    code = (
        "import sys; from aiida.manage.configuration import get_config; "
        "sys.exit(0 if sys.argv[1] in get_config().profile_names else 1)"
    )
    return _run([python, "-c", code, name], timeout=300).returncode == 0


def aiida_python() -> pathlib.Path | None:
    """Return the python of a venv with aiida-core and a default profile, creating it once.

    Returns ``None`` (after printing the reason) when anything in the set-up fails.
    """
    global _cached
    if _cached is not None:
        return _cached
    python = _venv_python()
    if _READY_MARKER.exists() and python.exists():
        _cached = python
        return python

    try:
        if not python.exists():
            print(f"[aiida] creating virtualenv {VENV_DIR}", flush=True)
            venv.EnvBuilder(with_pip=True, clear=False).create(VENV_DIR)
        print(f"[aiida] pip install aiida-core=={AIIDA_VERSION} (may take a few minutes)", flush=True)
        proc = _run([python, "-m", "pip", "install", "--quiet", f"aiida-core=={AIIDA_VERSION}"])
        if proc.returncode != 0:
            print(f"[aiida] pip install failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
            return None

        AIIDA_HOME.mkdir(parents=True, exist_ok=True)
        verdi = python.parent / "verdi"
        if not _profile_exists(python, PROFILE):
            print(f"[aiida] verdi presto --profile-name {PROFILE} {' '.join(PRESTO_FLAGS)}", flush=True)
            proc = _run([verdi, "presto", "--profile-name", PROFILE, *PRESTO_FLAGS], timeout=600)
            if proc.returncode != 0:
                print(f"[aiida] verdi presto failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
                return None
            _run([verdi, "profile", "set-default", PROFILE], timeout=300)
        _READY_MARKER.write_text(AIIDA_VERSION + "\n")
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"[aiida] setting up the AiiDA environment failed: {exc!r}")
        return None
    _cached = python
    return python


def run_aiida_script(name: str, *args, timeout: float = 3600) -> dict:
    """Run ``benchmarks/aiida_reference/<name>.py *args`` with the AiiDA python.

    The script must print a JSON object as its last non-empty stdout line; that
    object is returned.  Raises ``RuntimeError`` if AiiDA is unavailable, the
    script fails, or its last line is not a JSON object.
    """
    python = aiida_python()
    if python is None:
        raise RuntimeError("aiida-core environment is not available (see message above)")
    script = SCRIPTS_DIR / f"{name}.py"
    proc = subprocess.run(
        [str(python), str(script), *map(str, args)],
        check=False,
        env=aiida_env(),
        cwd=str(SCRIPTS_DIR),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{script.name} exited with {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise RuntimeError(f"{script.name} printed no JSON last line:\n{proc.stdout[-2000:]}") from exc
    if not isinstance(result, dict):
        raise RuntimeError(f"{script.name} printed JSON that is not an object: {lines[-1]!r}")  # noqa: TRY004
    return result


if __name__ == "__main__":
    py = aiida_python()
    print(py if py else "aiida-core environment could not be set up")
    if len(sys.argv) > 1:
        print(json.dumps(run_aiida_script(sys.argv[1], *sys.argv[2:])))
    sys.exit(0 if py else 1)
