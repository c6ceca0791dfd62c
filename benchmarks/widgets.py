"""ProvenanceGraph: bytes sent and time to first paint for 1k and 5k visible nodes, beside the static SVG.

For each size, one run, side by side:

- **columnar** (this code): the kernel builds the Neighbourhood of ``n`` nodes (``views/graph.py``) and
  encodes its snapshot; the page (Debian Chromium, headless) runs the real widget bundle
  (``jupyter_prov/widgets/static/graph.js``) with a page-side model that receives those chunks; first
  paint = from ``render()`` to the first frame (``data-painted``: the quick layered layout), then to
  the ELK layout from the Web Worker (``data-laid-out``).
- **JSON objects**: the same elements as one JSON list of node/link objects (what a JSON-trait widget
  would send), bytes only.
- **static SVG**: the Graphviz drawing of the same nodes (``interop/dot.py``, ``dot -Tsvg``): bytes and
  the time ``dot`` takes (what ``%provenance show`` does today).

The kernel is not in the loop (no Jupyter server), so first paint excludes the websocket.

    python benchmarks/widgets.py [--sizes 1000 5000] [--out benchmarks/results/widgets.md]

A/B mode: the first frame of this checkout's bundle (B) beside another build (A), alternating A B / B A on
the same graph, and the bytes ipycytoscape's widget-per-node would send for it (``--ipycytoscape-python``:
a venv of its own with ipycytoscape installed, never a project dependency):

    python benchmarks/widgets.py --ab-bundle OLD/graph.js --pairs 5 --sizes 1000 5000 \
        --ipycytoscape-python /tmp/venv/bin/python
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = """<!DOCTYPE html><html><body><div id="out" style="width:1200px"></div><script type="module">
const esm = await import('/graph.js');
const handlers = [];
const traits = %s;
const model = { get: (k) => traits[k], set: (k, v) => { traits[k] = v; }, save_changes() {},
  on: (e, h) => { if (e === 'msg:custom') handlers.push(h); }, off() {},
  send: async (content) => {
    if (content.type !== 'snapshot') return;
    const replies = JSON.parse(await window.kernelSend(JSON.stringify(content)));
    window.tReply = performance.now() - window.t0;  // the harness's round trip ends here: the rest is the page's
    for (const r of replies) {
      const bufs = r.buffers.map((b) => { const s = atob(b); const a = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return new DataView(a.buffer); });
      for (const h of handlers) h(r.content, bufs);
    } } };
window.t0 = performance.now();
esm.default.render({ model, el: document.getElementById('out') });
</script></body></html>"""


def _graph(n: int):
    from jupyter_prov.testing.graphs import mixed_graph, write_spec

    spec = write_spec(mixed_graph(n, seed=1, rich=False))
    return spec


def _measure(n: int, browser, svg_max: int, elk_wait: float, bundle: Path | None = None, spec=None) -> dict:
    from jupyter_prov.views import graph as g

    spec = spec or _graph(n)
    started = time.perf_counter()
    hood = g.Neighbourhood([spec.pks[0]], depth=0)
    hood.add_nodes(spec.pks)
    version, elements = hood.snapshot()
    messages = g.encode(elements, version=version, kind="snapshot")
    kernel_s = time.perf_counter() - started
    columnar_bytes = sum(len(b) for _, bufs in messages for b in bufs) + sum(len(json.dumps(c)) for c, _ in messages)
    as_json = json.dumps({"nodes": [r.as_dict() for r in elements.nodes],
                          "links": [l.__dict__ for l in elements.links]})
    svg_bytes = svg_s = None
    if shutil.which("dot") and n <= svg_max:
        from jupyter_prov.interop.dot import to_digraph
        from jupyter_prov.interop.subgraph import collect

        started = time.perf_counter()
        svg = to_digraph(collect(pks=spec.pks, max_nodes=None)).pipe(format="svg")
        svg_s, svg_bytes = time.perf_counter() - started, len(svg)
    payload = json.dumps([{"content": c, "buffers": [base64.b64encode(b).decode() for b in bufs]}
                          for c, bufs in messages])
    esm = (bundle or ROOT / "jupyter_prov" / "widgets" / "static" / "graph.js").read_text()
    html = PAGE % json.dumps({"roots": [spec.pks[0]], "height": 700, "layout_guard": 10**6,
                              "cluster_threshold": 10**6})
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.expose_function("kernelSend", lambda _content: payload)
        page.route("http://bench.test/", lambda r: r.fulfill(body=html, content_type="text/html"))
        page.route("http://bench.test/graph.js", lambda r: r.fulfill(body=esm, content_type="text/javascript"))
        page.goto("http://bench.test/")
        page.wait_for_function("document.querySelector('.jprov-graph')?.dataset.painted !== undefined",
                               timeout=600_000, polling=20)
        paint_ms = page.evaluate("performance.now() - window.t0")
        reply_ms = page.evaluate("window.tReply")
        try:
            page.wait_for_function("document.querySelector('.jprov-graph')?.dataset.laidOut !== undefined",
                                   timeout=elk_wait * 1000, polling=50)
            elk_ms = page.evaluate("performance.now() - window.t0")
            layout_ms = float(page.evaluate("document.querySelector('.jprov-graph').dataset.layoutMs"))
        except Exception:  # noqa: BLE001 - ELK still running after elk_wait: reported as not done
            elk_ms = layout_ms = float("nan")
        shown = page.evaluate("document.getElementById('out').jprovView.cy.nodes().length")
        # the page's main-thread CPU is not readable from here; the frame after first paint is: time it too
        frame_ms = page.evaluate("new Promise(r => requestAnimationFrame(() => r(performance.now() - window.t0)))")
    finally:
        page.close()
    return {"n": len(elements.nodes), "links": len(elements.links), "kernel_s": kernel_s,
            "columnar_bytes": columnar_bytes, "json_bytes": len(as_json), "svg_bytes": svg_bytes, "svg_s": svg_s,
            "paint_s": paint_ms / 1000, "reply_s": reply_ms / 1000, "frame_s": frame_ms / 1000, "elk_s": elk_ms / 1000, "layout_s": layout_ms / 1000, "shown": shown}


IPYCYTOSCAPE = r"""
import json, sys, time
import ipycytoscape, ipywidgets
from ipywidgets import Widget
spec = json.loads(sys.stdin.read())
sent = {"bytes": 0, "messages": 0}
class Comm:  # counts what each widget's comm would send (comm_open with its state, then updates)
    comm_id = "x"
    kernel = None
    def __init__(self, *a, data=None, buffers=None, **k):
        self._count(data, buffers)
    def _count(self, data, buffers):
        sent["messages"] += 1
        sent["bytes"] += len(json.dumps(data, default=str)) + sum(len(b) for b in buffers or [])
    def send(self, data=None, metadata=None, buffers=None): self._count(data, buffers)
    def open(self, *a, **k): pass
    def on_msg(self, *a): pass
    def on_close(self, *a): pass
    def close(self, *a, **k): pass
import comm
comm.create_comm = lambda *a, **k: Comm(*a, **k)
ipywidgets.widgets.widget.comm.create_comm = comm.create_comm
t = time.process_time()
g = ipycytoscape.CytoscapeWidget()
g.graph.add_graph_from_json({"nodes": [{"data": {"id": str(n["pk"]), "label": n["label"]}} for n in spec["nodes"]],
                             "edges": [{"data": {"source": str(a), "target": str(b)}} for a, b in spec["links"]]}, directed=True)
print(json.dumps({"bytes": sent["bytes"], "messages": sent["messages"], "cpu_s": time.process_time() - t,
                  "widgets": len(Widget.widgets) if hasattr(Widget, "widgets") else None}))
"""


def _ipycytoscape(python: str, n: int) -> dict | None:
    """Bytes and messages ipycytoscape's widget-per-node sends for the same graph, and its CPU to build it (in
    its own venv: ``python`` there; never a project dependency)."""
    import subprocess

    from jupyter_prov.views import graph as g

    spec = _graph(n)
    hood = g.Neighbourhood([spec.pks[0]], depth=0)
    hood.add_nodes(spec.pks)
    _, elements = hood.snapshot()
    payload = json.dumps({"nodes": [{"pk": r.pk, "label": r.label} for r in elements.nodes],
                          "links": [[e.source, e.target] for e in elements.links]})
    result = subprocess.run([python, "-c", IPYCYTOSCAPE], input=payload, capture_output=True, text=True, timeout=3600)
    if result.returncode:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def ab(args) -> None:
    """First paint of this bundle (B) beside another build (A: ``--ab-bundle``), alternating A B, B A, ...
    on the same graph in one browser."""
    import statistics

    from playwright.sync_api import sync_playwright

    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    reference = Path(args.ab_bundle)
    report = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            for n in args.sizes:
                config = get_config()
                name = f"ab{n}"
                config.add_profile(default_profile_for(name))
                config.save()
                current.load_profile(name)
                spec = _graph(n)
                pairs = []
                load_start = os.getloadavg()[0]
                for i in range(args.pairs):
                    order = [("A", reference), ("B", None)] if i % 2 == 0 else [("B", None), ("A", reference)]
                    got = {}
                    for side, bundle in order:
                        got[side] = _measure(n, browser, 0, 0.001, bundle=bundle, spec=spec)
                    pairs.append(got)
                    print(n, i, {k: (round(v["paint_s"], 3), round(v["frame_s"], 3)) for k, v in got.items()}, flush=True)
                ratios = [pr["B"]["frame_s"] / pr["A"]["frame_s"] for pr in pairs]
                report.append({"n": n, "load": (load_start, os.getloadavg()[0]),
                               "A": statistics.median(pr["A"]["frame_s"] for pr in pairs),
                               "B": statistics.median(pr["B"]["frame_s"] for pr in pairs),
                               "B_paint": statistics.median(pr["B"]["paint_s"] for pr in pairs),
                               "ratio": statistics.median(ratios), "min": min(ratios), "max": max(ratios),
                               "pairs": len(pairs), "shown": pairs[0]["B"]["shown"], "bytes": pairs[0]["B"]["columnar_bytes"]})
                ipc = _ipycytoscape(args.ipycytoscape_python, n) if args.ipycytoscape_python else None
                report[-1]["ipycytoscape"] = ipc
                print(report[-1], flush=True)
        finally:
            browser.close()
    print(json.dumps(report, indent=1))
    Path(args.json).write_text(json.dumps(report, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "widgets.md"))
    parser.add_argument("--elk-wait", type=float, default=1200, help="seconds to wait for the ELK layout")
    parser.add_argument("--svg-max", type=int, default=1000,
                        help="draw the static SVG only up to this many nodes (dot took 440 s for 1k at load 26)")
    parser.add_argument("--ab-bundle", help="A/B mode: first paint of this build of graph.js (A) beside this checkout's (B)")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--json", default="/tmp/widgets-ab.json")
    parser.add_argument("--ipycytoscape-python", help="the python of a venv with ipycytoscape (bytes of its widget-per-node)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="jprov-bench-widgets-")
    os.environ["JPROV_HOME"] = home
    if args.ab_bundle:
        ab(args)
        return
    from playwright.sync_api import sync_playwright

    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            for n in args.sizes:
                config = get_config()
                name = f"bench{n}"
                config.add_profile(default_profile_for(name))
                config.save()
                current.load_profile(name)
                rows.append(_measure(n, browser, args.svg_max, args.elk_wait))
                print(rows[-1], flush=True)
        finally:
            browser.close()
    load = os.getloadavg()
    lines = [
        "# Widgets: bytes and first paint (ProvenanceGraph vs JSON objects vs the static SVG)",
        "",
        f"`python benchmarks/widgets.py --sizes {' '.join(map(str, args.sizes))}`, SQLite, Debian Chromium headless, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (2 cores, shared with other work: absolute times "
        "are pessimistic). One run per size.",
        "",
        "| nodes | links | kernel: load + encode (s) | columnar bytes | JSON-objects bytes | first paint (s) | "
        "ELK layout done (s) | static SVG bytes | `dot -Tsvg` (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        svg = (f"{r['svg_bytes']:,}", f"{r['svg_s']:.2f}") if r["svg_bytes"] else ("–", "–")
        lines.append(f"| {r['n']:,} | {r['links']:,} | {r['kernel_s']:.2f} | {r['columnar_bytes']:,} | "
                     f"{r['json_bytes']:,} | {r['paint_s']:.2f} | {r['elk_s']:.2f} | {svg[0]} | {svg[1]} |")
    lines += ["", "First paint: from the widget's `render()` to the first frame (the quick layered layout), the snapshot pulled "
              "from a page-side model (no websocket). Not yet measured: ipycytoscape (widget per node, own venv), "
              "20k nodes, the 200-node expansion and kernel responsiveness targets of #15.", ""]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
