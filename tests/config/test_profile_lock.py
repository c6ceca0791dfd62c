"""Full maintenance and normal use of a profile exclude each other, across OS processes, with a clear error."""

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from jupyter_prov.cli import main
from jupyter_prov.config import ProfileLock, ProfileLockedError
from jupyter_prov.orm import Int, current
from jupyter_prov.orm.profile_admin import maintain_storage

USER = textwrap.dedent("""
    import sys
    import jupyter_prov as jp
    jp.load_profile()
    print("loaded", flush=True)
    sys.stdin.readline()
""")

MAINTAINER = textwrap.dedent("""
    import os, sys
    from jupyter_prov.config import ProfileLock, get_config
    profile = get_config().get_profile(os.environ["JPROV_PROFILE"])
    lock = ProfileLock(profile.folder, profile.name)
    lock.acquire_exclusive()
    print("locked", flush=True)
    sys.stdin.readline()
""")


def _start(script, env, expect):
    child = subprocess.Popen([sys.executable, "-c", script], env=env, text=True, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = child.stdout.readline().strip()
    if line != expect:
        child.kill()
        pytest.fail(f"child did not start: {child.stderr.read()}")
    return child


def _stop(child):
    child.stdin.write("\n")
    child.stdin.flush()
    child.communicate(timeout=30)


def test_full_maintenance_is_refused_while_another_process_uses_the_profile(profile, subprocess_env):
    Int(1).store()
    child = _start(USER, subprocess_env, "loaded")
    try:
        with pytest.raises(ProfileLockedError, match="in use by another process"):
            maintain_storage(full=True)
        result = CliRunner().invoke(main, ["-p", profile.name, "storage", "maintain", "--full"])
        assert result.exit_code == 1 and "in use by another process" in result.output
        assert "repository" in maintain_storage()  # light maintenance is fine meanwhile
        assert Int(2).store().pk  # and this process still works: it kept its shared lock
    finally:
        _stop(child)
    assert maintain_storage(full=True)["database"] == "vacuumed"
    assert current.get_profile_lock().mode == "shared"


def test_the_profile_cannot_be_loaded_during_full_maintenance(profile, subprocess_env):
    current.unload_profile()
    child = _start(MAINTAINER, subprocess_env, "locked")
    try:
        with pytest.raises(ProfileLockedError, match="locked for full maintenance"):
            current.load_profile(profile.name)
        assert current.get_profile() is None
        result = CliRunner().invoke(main, ["-p", profile.name, "node", "list"])
        assert result.exit_code == 1 and "locked for full maintenance" in result.output
        other = ProfileLock(profile.folder, profile.name)
        with pytest.raises(ProfileLockedError):
            other.acquire_shared()
        other.release()
    finally:
        _stop(child)
    current.load_profile(profile.name)
    assert Int(3).store().pk


def test_a_dead_maintainer_leaves_no_stale_lock(profile, subprocess_env):
    current.unload_profile()
    child = _start(MAINTAINER, subprocess_env, "locked")
    child.kill()
    child.wait(timeout=30)
    current.load_profile(profile.name)
    assert current.get_profile_lock().mode == "shared"
