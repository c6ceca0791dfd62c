"""The front end's unit tests (labextension/test/*.test.ts, node's test runner) run from pytest.

Besides the TypeScript-only tests, the decoder reads chunks that views/graph.py encoded here from a
stored graph (a fixture file): the two sides of the columnar format must agree byte for byte.
Needs node and npm and labextension/node_modules (``pip install -e .[dev]`` runs ``npm install``);
without them the test skips with the reason, under ``CI=true`` it fails.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from jupyter_prov.engine import run_get_node
from jupyter_prov.orm import Float, Str
from jupyter_prov.testing.examples import Relax, silicon
from jupyter_prov.views import graph as g

from ..conftest import IN_CI

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


def _node_ready() -> str | None:
    if not shutil.which("node") or not shutil.which("npm"):
        return "node and npm (apt-get install nodejs npm)"
    if not (LABEXTENSION / "node_modules" / "esbuild").exists():
        return "labextension/node_modules (pip install -e '.[dev]' runs npm install)"
    return None


def _expected(elements: g.Elements) -> dict:
    return {
        "nodes": [{"pk": r.pk, "uuid": r.uuid, "nodeType": r.node_type, "kind": r.kind, "label": r.label,
                   "ctime": r.ctime, "state": r.state, "exitStatus": r.exit_status, "caller": r.caller,
                   "inDegree": r.in_degree, "outDegree": r.out_degree} for r in elements.nodes],
        "links": [{"source": e.source, "target": e.target, "linkType": e.link_type, "linkLabel": e.link_label}
                  for e in elements.links],
    }


@pytest.mark.parametrize("backend_name", ["sqlite"], indirect=True)
def test_front_end_units_and_the_decoder_on_chunks_python_wrote(profile, tmp_path):
    missing = _node_ready()
    if missing:
        if IN_CI:
            pytest.fail(f"the front-end unit tests need {missing}")
        pytest.skip(f"the front-end unit tests need {missing}")
    _, chain = run_get_node(Relax, structure=silicon(), pressure=Float(0.2))
    Str("naïve – ünïcode ✓", label="ßtrange label").store()
    hood = g.Neighbourhood([chain.pk], depth=2)
    _, elements = hood.snapshot()
    messages = []
    for content, buffers in g.encode(elements, version=0, kind="snapshot", max_bytes=4096 + 1500):
        part = g.decode(buffers)
        messages.append({"content": content, "buffers": [base64.b64encode(b).decode() for b in buffers],
                         "expected": _expected(part)})
    assert len(messages) > 1, "the fixture spans several parts"
    fixture = tmp_path / "chunks.json"
    fixture.write_text(json.dumps({"messages": messages}))
    result = subprocess.run(["npm", "test"], cwd=LABEXTENSION, capture_output=True, text=True, timeout=240,
                            env=dict(os.environ, JPROV_CHUNK_FIXTURE=str(fixture)))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert "# fail 0" in out and "# skipped 0" in out, out[-2000:]
    assert "ok " in out and "chunks that views/graph.py encoded" in out
