"""docs/how-to/querying.md runs as written, on SQLite and PostgreSQL (its code blocks in order)."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "querying.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_querying_page_runs(profile, capsys):
    blocks = code_blocks(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    namespace: dict = {}
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"{PAGE.name} block {number}", "exec")
        exec(code, namespace)  # our own documentation, not data from a database or archive
    assert "would delete 4 node(s)" in capsys.readouterr().out
