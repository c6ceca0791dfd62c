"""The tutorial ``docs/tutorial/processes.md`` runs as written: its Python blocks, in order, in a fresh interpreter."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial" / "processes.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_tutorial_code_blocks_run(profile, subprocess_env, tmp_path):
    blocks = python_blocks(TUTORIAL.read_text())
    assert len(blocks) >= 8
    script = tmp_path / "processes_tutorial.py"
    script.write_text("\n".join(blocks))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=subprocess_env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'digraph "pipeline"' in result.stdout
