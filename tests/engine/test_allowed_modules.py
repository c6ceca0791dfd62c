"""A process class is imported only from a module the profile allows, never because a row names it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jupyter_prov.engine import continue_process, submit
from jupyter_prov.engine.allowed_modules import RECORD_NAME, ModuleNotAllowed
from jupyter_prov.orm import Int, ProcessState, current, load_node
from tests.engine.hostile_archives import process_row

FOREIGN = "tests.engine.not_allowed:touch"


@pytest.fixture
def sentinel(tmp_path, monkeypatch):
    path = tmp_path / "imported"
    monkeypatch.setenv("JPROV_TEST_SENTINEL", str(path))
    sys.modules.pop("tests.engine.not_allowed", None)
    return path


@pytest.mark.parametrize("process_type", [FOREIGN, "os:system", "subprocess:Popen"])
def test_a_process_type_of_a_module_not_allowed_is_refused_naming_it(profile, sentinel, process_type):
    node = process_row(process_type)
    with pytest.raises(ModuleNotAllowed, match=rf"{process_type!r}.*daemon_allowed_modules"):
        continue_process(node.pk)
    assert not sentinel.exists()
    assert "tests.engine.not_allowed" not in sys.modules
    assert load_node(node.pk).process_state is ProcessState.CREATED  # nothing ran, nothing changed


def test_the_profile_option_allows_a_module_and_its_submodules(profile, sentinel):
    node = process_row(FOREIGN)
    current.get_profile().options["daemon_allowed_modules"] = ["tests.engine"]
    try:
        with pytest.raises(Exception, match="not a process class"):  # imported now: it is just not a process
            continue_process(node.pk)
        assert sentinel.exists()
    finally:
        current.get_profile().options.pop("daemon_allowed_modules")


def test_a_module_a_process_was_submitted_from_is_allowed_in_another_os_process(profile, subprocess_env):
    """``submit(add)`` from ``mymodule`` just works: the submitter notes the module, a worker finds it."""
    from tests.daemon.processes import add

    node = submit(add, x=Int(2), y=Int(5))
    record = (profile.folder / RECORD_NAME).read_text().split()
    assert "tests.daemon.processes" in record
    done = subprocess.run(
        [sys.executable, "-c", f"from jupyter_prov.engine import continue_process as c; print(c({node.pk}).process_state)"],
        check=False, env=subprocess_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "finished"
    assert load_node(node.pk).outputs.result.value == 7


def test_a_worker_refuses_what_nobody_submitted_here(profile, subprocess_env, tmp_path):
    """The same continue in another OS process: a row naming a module is not enough there either."""
    node = process_row(FOREIGN)
    env = {**subprocess_env, "JPROV_TEST_SENTINEL": str(tmp_path / "imported")}
    done = subprocess.run(
        [sys.executable, "-c", f"from jupyter_prov.engine import continue_process; continue_process({node.pk})"],
        check=False, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "ModuleNotAllowed" in done.stderr and FOREIGN in done.stderr
    assert not (tmp_path / "imported").exists()
