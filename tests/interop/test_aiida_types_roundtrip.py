"""Every AiiDA type we map survives aiida-core → jupyter-prov → aiida-core, checked by the real aiida-core 2.9.4.

``tutorial.aiida`` (written by aiida-core, ``/work/shared/data/aiida-archives``) holds one of each type we map
(ArrayData, XyData, StructureData, InstalledCode, FolderData, SinglefileData, RemoteData, the base types and
calculation/workflow nodes). It is imported here (both backends), exported with ``format="aiida"``, and
imported by aiida-core in its own virtualenv (``tests/archive/aiida_check.py``), which reports the class it
loads each node as, its attributes, files and arrays: all must be what aiida-core wrote in the first place.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from jupyter_prov.archive import create_archive, import_archive

from ..archive.conftest import AIIDA_ARCHIVES, empty_profile_storage
from ..archive.test_aiida_roundtrip import _run_aiida, aiida_python  # noqa: F401 - the fixture

TUTORIAL = AIIDA_ARCHIVES / "tutorial.aiida"
pytestmark = [pytest.mark.skipif(not TUTORIAL.exists(), reason=f"{TUTORIAL} is not on this machine"),
              pytest.mark.slow]


def _aiida_class(node_type: str) -> str:
    """``data.core.array.xy.XyData.`` -> ``XyData`` (the class aiida-core loads a node type as)."""
    return node_type.rstrip(".").rsplit(".", 1)[-1]


def test_each_mapped_aiida_type_comes_back_to_aiida_core_as_the_class_and_content_it_wrote(
        profile, tmp_path, aiida_python):
    empty_profile_storage()
    import_archive(TUTORIAL)
    ours = tmp_path / "from-jupyter-prov.aiida"
    create_archive(ours, all=True, format="aiida")
    seen = _run_aiida(aiida_python, ours, tmp_path / "again.aiida")["nodes"]

    expected = json.loads((AIIDA_ARCHIVES / "tutorial.expected.json").read_text())["nodes"]
    assert len(seen) == len(expected)
    for want in expected:
        got = seen[want["uuid"]]
        name = f"{want['name']} ({want['node_type']})"
        assert got["node_type"] == want["node_type"], name
        assert got["class"] == _aiida_class(want["node_type"]), name
        assert got["attributes"] == want["attributes"], name
        want_extras = {k: v for k, v in want["extras"].items() if not k.startswith("_aiida_")}
        if want["node_type"].startswith("process."):  # an imported process is no cache source here (issue #13)
            want_extras["_jprov_cacheable"] = False
        assert got["extras"] == want_extras, name
        assert got["computer"] == want["computer_label"] and got["user"] == want["user_email"], name
        assert got["files"] == {path: d["sha256"] for path, d in want["repository_files"].items()}, name
    for want in expected:
        if want["node_type"].startswith("data.core.array."):  # ArrayData and XyData: their arrays by name
            arrays = seen[want["uuid"]]["arrays"]
            shapes = {k.split("|", 1)[1]: tuple(v) for k, v in want["attributes"].items() if k.startswith("array|")}
            assert {name: np.asarray(values).shape for name, values in arrays.items()} == shapes, want["name"]
