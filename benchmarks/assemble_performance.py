"""Write docs/performance.md from the per-area result tables in benchmarks/results/.

Each benchmark script writes its own table (with the command that reproduces it) to
``benchmarks/results/<area>.md``; this script puts them together under one summary.

    python benchmarks/assemble_performance.py
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
ORDER = ["store", "store_side_by_side", "store_refactor", "store-validation", "store_concurrent", "attribute-size",
         "query", "engine",
         "caching", "daemon", "refactor_regression", "refactor_engine_daemon", "control", "broker_transports", "calcjobs", "archive", "archive_import_validation", "aiida_interop",
         "zip_read", "notebook", "startup", "views", "widgets", "server", "records"]


def main() -> None:
    summary = (HERE / "results" / "SUMMARY.md").read_text(encoding="utf-8")
    parts = [summary.rstrip() + "\n"]
    for name in ORDER:
        path = HERE / "results" / f"{name}.md"
        if path.exists():
            text = path.read_text(encoding="utf-8").rstrip()
            # demote headings one level so each area is a section of this page
            text = "\n".join("#" + line if line.startswith("#") else line for line in text.splitlines())
            parts.append(f"\n<!-- from benchmarks/results/{name}.md -->\n{text}\n")
    aiida = HERE / "aiida_reference" / "RESULTS.md"
    if aiida.exists():
        text = "\n".join("#" + l if l.startswith("#") else l for l in aiida.read_text(encoding="utf-8").splitlines())
        parts.append(f"\n<!-- from benchmarks/aiida_reference/RESULTS.md -->\n{text}\n")
    (HERE.parent / "docs" / "performance.md").write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    main()
