"""`jprov --version` and `jprov --help` start without the storage stack.

SQLAlchemy, numpy and disk-objectstore cost ~0.7 s CPU to import (benchmarks/results/startup.md); a
command that only prints help or the version must not load them. Checked in a fresh interpreter, on
``sys.modules``: a behaviour, not a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "numpy", "disk_objectstore", "kombu", "rich")

PROBE = f"""
import json, sys
from jupyter_prov.cli import main
try:
    main(sys.argv[1:], prog_name="jprov")
except SystemExit:
    pass
heavy = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
print("\\nIMPORTED=" + json.dumps(heavy))
"""


def _heavy_modules_imported_by(*args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    line = [line for line in result.stdout.splitlines() if line.startswith("IMPORTED=")][-1]
    return json.loads(line.removeprefix("IMPORTED="))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["node", "--help"], ["process", "list", "--help"],
                                  ["archive", "create", "--help"]])
def test_version_and_help_import_no_storage_libraries(args):
    assert _heavy_modules_imported_by(*args) == []


def test_the_version_is_the_package_version():
    import jupyter_prov

    result = subprocess.run([sys.executable, "-m", "jupyter_prov.cli", "--version"], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert jupyter_prov.__version__ in result.stdout


def test_the_public_api_loads_on_first_use():
    probe = ("import sys, jupyter_prov; before = 'sqlalchemy' in sys.modules; "
             "jupyter_prov.Node; print(before, 'sqlalchemy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.split() == ["False", "True"], result.stderr
