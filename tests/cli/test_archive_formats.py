"""``jprov archive create``: the file name's extension chooses the format; a name that lies about it is refused."""

from __future__ import annotations

import json
import zipfile

from jupyter_prov.orm import Int


def _written_format(path) -> str:
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    return "aiida" if str(metadata.get("export_version", "")).startswith("main_") else "jprov"


def test_an_aiida_name_writes_an_aiida_archive(run, tmp_path):
    Int(3).store()
    run("archive", "create", str(tmp_path / "x.aiida"), "--all")
    run("archive", "create", str(tmp_path / "x.jprov"), "--all")
    run("archive", "create", str(tmp_path / "x.zip"), "--all")
    assert [_written_format(tmp_path / name) for name in ("x.aiida", "x.jprov", "x.zip")] == ["aiida", "jprov", "jprov"]


def test_our_format_under_an_aiida_name_is_refused_in_one_line(run, tmp_path):
    Int(3).store()
    result = run("archive", "create", str(tmp_path / "x.aiida"), "--all", "--format", "jprov", code=2)
    assert ".aiida is aiida-core's extension" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.aiida").exists()
    result = run("archive", "create", str(tmp_path / "y.jprov"), "--all", "--format", "aiida", code=2)
    assert ".jprov is our format's extension" in result.output and not (tmp_path / "y.jprov").exists()


def test_aiida_archives_we_write_do_not_claim_an_aiida_core_version(run, tmp_path):
    Int(3).store()
    run("archive", "create", str(tmp_path / "x.aiida"), "--all")
    with zipfile.ZipFile(tmp_path / "x.aiida") as archive:
        metadata = json.loads(archive.read("metadata.json"))
    assert "jupyter-prov" in metadata["aiida_version"] and "2.9.4" not in metadata["aiida_version"]
