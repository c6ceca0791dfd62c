"""The quality gates of ``.ci/run`` also hold under the README's test command: ruff and mypy pass.

ruff (settings in ``ruff.toml``) checks the rules the code's ``noqa`` markers cite and that no marker silences
nothing (RUF100); it takes ~0.2 s. mypy (settings in ``mypy.ini``) type-checks the package, which ships
``py.typed``; with its cache (``.mypy_cache``, written by ``.ci/run`` just before the tests) a re-check takes
3-5 s CPU, 10-25 s wall on this 2-core machine under the suite's load; a cold run takes 14-20 s CPU.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_ruff_passes():
    result = _run("ruff", "check", "--no-fix", "--output-format", "concise", ".", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_passes_over_the_package():
    result = _run("mypy", timeout=280)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


# Files whose findings were silenced when the gates came in (#14), each until its owner fixes it. These numbers
# only go down: new code passes the gates as they are, it does not join the lists.
PENDING_MYPY_MODULES = 42
PENDING_RUFF_FILES = 4


def test_the_pending_lists_only_shrink():
    import configparser

    mypy = configparser.ConfigParser()
    mypy.read(ROOT / "mypy.ini")
    pending = [name for name in mypy.sections() if "disable_error_code" in mypy[name]]
    assert len(pending) <= PENDING_MYPY_MODULES, pending
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    ruff = tomllib.loads((ROOT / "ruff.toml").read_text())
    assert len(ruff["lint"]["per-file-ignores"]) <= PENDING_RUFF_FILES, sorted(ruff["lint"]["per-file-ignores"])


def test_the_package_says_it_is_typed():
    """PEP 561: type checkers use the package's own annotations only when it ships a ``py.typed`` marker."""
    assert (ROOT / "jupyter_prov" / "py.typed").is_file()
