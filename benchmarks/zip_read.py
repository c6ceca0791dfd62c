"""Zip reading benchmark: one 1 GiB highly compressible member read by our reader, by :mod:`zipfile`
and by today's main (``ee48b72``), then archive export/import side by side with today's main.

Usage::

    git -C /work/main worktree add /tmp/main-ref ee48b72        # once
    python benchmarks/zip_read.py --reference /tmp/main-ref --markdown

The members: ``db.sqlite3`` of 1 GiB zeros deflated at level 6 (1028-fold: what a big array of zeros
gives; today's main refuses it as a "zip bomb") and 1 GiB deflated ~600-fold (zeros with a pseudo-random
byte every 4 KiB: under the old ratio limit, so the old reader reads it). Each read runs in its own
process, streaming the member in 4 MiB chunks (as the importer extracts the database) and reports
its wall time and peak RSS (``VmHWM``); readers alternate A B C A B C. Then
``benchmarks/archive.py`` (export, inspect, import) runs for this tree and for the reference tree,
alternating. Raw results: ``benchmarks/results/zip_read.json``; ``--markdown`` writes
``benchmarks/results/zip_read.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GiB, MiB = 2**30, 2**20


def _block(kind: str) -> bytes:
    block = bytearray(MiB)
    if kind == "sparse":
        for at in range(0, MiB, 4096):
            block[at] = (at * 2654435761 >> 11) & 0xFF or 1
    return bytes(block)


def make_archive(path: Path, kind: str) -> dict:
    """A zip with metadata.json and a 1 GiB db.sqlite3 member, written by our ZipWriter."""
    sys.path.insert(0, str(ROOT))
    from jupyter_prov.archive.zipio import ZipWriter

    block = _block(kind)
    deflated = tempfile.TemporaryFile()  # noqa: SIM115 - read back and closed below
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    crc = 0
    for _ in range(GiB // MiB):
        crc = zlib.crc32(block, crc)
        deflated.write(compressor.compress(block))
    deflated.write(compressor.flush())
    compressed = deflated.tell()
    deflated.seek(0)
    with ZipWriter(path) as writer:
        writer.write_bytes("metadata.json", b'{"export_version": "jprov_0002"}', compress=False)
        writer.write_deflated("db.sqlite3", deflated, crc=crc, size=GiB, compressed=compressed)
    deflated.close()
    return {"kind": kind, "size": GiB, "compressed": compressed, "ratio": round(GiB / compressed, 1)}


def _peak_rss_mb() -> float:
    """This process's peak RSS (``VmHWM``: unlike ``ru_maxrss``, not inherited from the parent across exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_member(reader: str, path: str) -> dict:
    """In a child process: stream db.sqlite3 in 4 MiB chunks; seconds and peak RSS."""
    if reader != "zipfile":
        from jupyter_prov.archive import zipio  # noqa: F401 - imports (numpy, SQLAlchemy) are not the reading
    base_mb = _peak_rss_mb()
    start = time.perf_counter()
    total = 0
    try:
        if reader == "zipfile":
            import zipfile

            with zipfile.ZipFile(path) as archive, archive.open("db.sqlite3") as stream:
                while chunk := stream.read(4 * MiB):
                    total += len(chunk)
        else:
            from jupyter_prov.archive.zipio import ZipReader

            with ZipReader(path) as archive, archive.open("db.sqlite3") as stream:
                while chunk := stream.read(4 * MiB):
                    total += len(chunk)
        outcome = "read" if total == GiB else f"read {total} bytes"
    except Exception as exc:  # noqa: BLE001 - the refusal is the result
        outcome = f"refused: {str(exc)[:160]}"
    return {"seconds": round(time.perf_counter() - start, 2),
            "rss_mb": round(_peak_rss_mb(), 1),
            "rss_before_mb": round(base_mb, 1), "outcome": outcome}


def _run(args: list[str], pythonpath: str | None, timeout: float) -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    try:
        proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"outcome": f"stopped after {timeout:.0f} s", "seconds": timeout}
    if proc.returncode != 0:
        return {"outcome": f"failed: {proc.stderr.strip().splitlines()[-1][:200] if proc.stderr else '?'}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", default="/tmp/main-ref", help="worktree of today's main (ee48b72)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reference-timeout", type=float, default=600)
    parser.add_argument("--nodes", type=int, default=20_000, help="archive.py size (0: skip export/import)")
    parser.add_argument("--files", type=int, default=40_000)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(read_member(*args.child)))
        return
    results: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "loadavg_start": os.getloadavg(),
                     "reads": [], "archives": []}
    readers = {"ours": str(ROOT), "zipfile": str(ROOT), "main ee48b72": args.reference}
    with tempfile.TemporaryDirectory(prefix="jprov-bench-zip-") as temp:
        for kind in ("zeros", "sparse"):
            path = Path(temp) / f"{kind}.zip"
            member = make_archive(path, kind)
            for round_ in range(args.rounds):
                for name, pythonpath in readers.items():
                    timeout = args.reference_timeout if name.startswith("main") else 3600
                    got = _run([__file__, "--child", "zipfile" if name == "zipfile" else "zipio", str(path)],
                               pythonpath, timeout)
                    row = {**member, "reader": name, "round": round_, **got, "loadavg": os.getloadavg()}
                    results["reads"].append(row)
                    print(json.dumps(row), flush=True)
    if args.nodes:
        trees = {"ours": ROOT, "main ee48b72": Path(args.reference)}
        for round_ in range(args.rounds):
            for name, tree in trees.items():
                got = _run([str(tree / "benchmarks" / "archive.py"), "--nodes", str(args.nodes), "--files",
                            str(args.files)], str(tree), 3600)
                row = {"tree": name, "round": round_, **got}
                results["archives"].append(row)
                print(json.dumps(row), flush=True)
    results["loadavg_end"] = os.getloadavg()
    out = HERE / "results" / "zip_read.json"
    runs = json.loads(out.read_text()) if out.exists() else []
    runs.append(results)
    out.write_text(json.dumps(runs, indent=1) + "\n")
    if args.markdown:
        write_markdown(runs)


def write_markdown(runs: list[dict]) -> None:
    lines = ["# Zip reading benchmark", "", "`benchmarks/zip_read.py` (see its docstring). Machine: 2 cores shared with",
             "other engineers' test runs; load averages are in the tables.", ""]
    for run in runs[-1:]:
        lines += [(f"Run of {run['started']} (load {', '.join(f'{x:.1f}' for x in run['loadavg_start'])} at the start, "
                   f"{', '.join(f'{x:.1f}' for x in run['loadavg_end'])} at the end)."), "",
                  "## Reading one 1 GiB member, streamed in 4 MiB chunks", "",
                  "| member | reader | round | time | peak RSS (before reading) | outcome | load (1 min) |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for row in run["reads"]:
            rss = f"{row['rss_mb']:.0f} MB ({row['rss_before_mb']:.0f} MB)" if "rss_mb" in row else "–"
            lines.append(f"| 1 GiB at {row['ratio']}x | {row['reader']} | {row['round']} | {row.get('seconds', '–')} s | "
                         f"{rss} | {row['outcome']} | {row['loadavg'][0]:.1f} |")
        if run["archives"]:
            lines += ["", "## Archive export / import (`benchmarks/archive.py`), this tree and today's main", "",
                      "| tree | round | nodes | files | archive MB | export (peak RSS) | import (peak RSS) | inspect | load |",
                      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
            for row in run["archives"]:
                if "export" not in row:
                    lines.append(f"| {row['tree']} | {row['round']} | {row.get('outcome')} | | | | | | |")
                    continue
                lines.append(
                    f"| {row['tree']} | {row['round']} | {row['nodes']:,} | {row['files']:,} | {row['archive_mb']} | "
                    f"{row['export']['seconds']} s ({row['export']['rss_mb']:.0f} MB) | "
                    f"{row['import']['seconds']} s ({row['import']['rss_mb']:.0f} MB) | {row['inspect']['seconds']} s | "
                    f"{row['loadavg'][0]:.1f} |")
    (HERE / "results" / "zip_read.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
