"""Legacy AiiDA archives (0.x, zip and tar) are named as such, with the command that converts them.

The archives are built here from the documented legacy layout (``metadata.json`` with ``export_version``
"0.x", ``data.json``, ``nodes/`` folders); real ones are kept outside the project.
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile

import pytest
from click.testing import CliRunner

from jupyter_prov.archive import ArchiveFormatError, import_archive, inspect_archive
from jupyter_prov.cli import main
from jupyter_prov.orm import QueryBuilder
from jupyter_prov.orm.nodes import Int

METADATA = {"export_version": "0.9", "aiida_version": "1.6.9", "unique_identifiers": {"Node": "uuid"},
            "all_fields_info": {}, "export_parameters": {}}
DATA = {"node_attributes": {"1": {"value": 3}}, "node_extras": {"1": {}},
        "export_data": {"Node": {"1": {"uuid": "0a7e9d2e-6f3c-4c5e-8f0b-1a2b3c4d5e6f", "node_type": "data.int.Int."}}},
        "links_uuid": [], "groups_uuid": {}}


def _members() -> dict[str, bytes]:
    return {"metadata.json": json.dumps(METADATA).encode(), "data.json": json.dumps(DATA).encode(),
            "nodes/0a/7e/9d2e-6f3c-4c5e-8f0b-1a2b3c4d5e6f/path/.gitkeep": b""}


@pytest.fixture(params=["zip", "tar.gz"])
def legacy(request, tmp_path):
    path = tmp_path / f"old-export.{'aiida' if request.param == 'zip' else 'tar.gz'}"
    if request.param == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in _members().items():
                archive.writestr(name, content)
    else:
        with tarfile.open(path, "w:gz") as archive:
            for name, content in _members().items():
                info = tarfile.TarInfo(name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return path, request.param.split(".")[0]


def test_import_names_a_legacy_archive_and_the_conversion_command(profile, legacy):
    path, kind = legacy
    Int(1).store()
    before = QueryBuilder().append(Int).count()
    with pytest.raises(ArchiveFormatError) as caught:
        import_archive(path)
    message = str(caught.value)
    assert f"legacy AiiDA archive (export version 0.9, {kind})" in message
    assert f"verdi archive migrate {path}" in message and "db.sqlite3" not in message
    assert QueryBuilder().append(Int).count() == before


def test_the_cli_says_it_in_one_line(profile, legacy):
    path, _kind = legacy
    for command in (["archive", "import", str(path)], ["archive", "inspect", str(path)]):
        result = CliRunner().invoke(main, ["-p", profile.name, *command])
        assert result.exit_code != 0 and "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "legacy AiiDA archive" in lines[0] and "verdi archive migrate" in lines[0], result.output


def test_a_zip_that_is_not_an_archive_keeps_the_plain_message(profile, tmp_path):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.jpg", b"\xff\xd8")
    with pytest.raises(ArchiveFormatError, match="not a jupyter-prov or AiiDA archive"):
        inspect_archive(path)
