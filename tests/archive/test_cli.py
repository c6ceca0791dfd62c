"""``jprov archive create|inspect|import|migrate`` on the test profile (both backends)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from jupyter_prov.cli import main

from .conftest import AIIDA_ARCHIVES, empty_profile_storage


def _run(profile, *args, code=0):
    result = CliRunner().invoke(main, ["-p", profile.name, *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_create_inspect_import_migrate(graph, profile, tmp_path):
    path = tmp_path / "cli.jprov"
    out = _run(profile, "archive", "create", str(path), "-N", f"{graph.total.pk},{graph.x.pk}", "--test-run").output
    assert "would export" in out and not path.exists()
    _run(profile, "archive", "create", str(path), "--all", "--compression", "1", "--no-include-logs")
    out = _run(profile, "archive", "create", str(path), "--all", code=1).output
    assert "exists already" in out
    info = json.loads(_run(profile, "archive", "inspect", str(path), "--json").output)
    assert info["counts"]["nodes"] == 9 and info["counts"]["logs"] == 0
    assert "counted in the database" in _run(profile, "archive", "inspect", str(path), "--database").output
    empty_profile_storage()
    out = _run(profile, "archive", "import", str(path), "--test-run").output
    assert "would import" in out
    out = _run(profile, "archive", "import", str(path), "--no-import-group", "--extras-mode-existing", "mirror").output
    assert "imported" in out
    migrated = tmp_path / "migrated.jprov"
    out = _run(profile, "archive", "migrate", str(path), str(migrated)).output
    assert "jprov_0002" in out and migrated.exists()


def test_groups_toggles_and_aiida_format(graph, profile, tmp_path):
    path = tmp_path / "group.aiida"
    _run(profile, "archive", "create", str(path), "-G", "archive-test-results", "--format", "aiida",
         "--input-calc-forward", "--no-call-calc-backward")
    info = json.loads(_run(profile, "archive", "inspect", str(path), "--json").output)
    assert info["format"] == "aiida"
    out = _run(profile, "archive", "create", str(tmp_path / "x.jprov"), "-N", str(graph.x.pk),
               "--no-create-backward", code=0).output
    assert "exported" in out


def test_bad_archive_gives_one_clear_line(profile, tmp_path):
    path = tmp_path / "bad.jprov"
    path.write_bytes(b"not a zip")
    out = _run(profile, "archive", "import", str(path), code=1).output
    assert "is not a zip file" in out and "Traceback" not in out


def test_import_aiida_tutorial(profile):
    source = AIIDA_ARCHIVES / "tutorial.aiida"
    if not source.exists():
        return
    out = _run(profile, "archive", "import", str(source)).output
    assert "imported" in out and "import group" in out
