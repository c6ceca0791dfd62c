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

Not measured here (left for a later run): ipycytoscape's widget-per-node (it needs its own venv) and
20k nodes. The kernel is not in the loop (no Jupyter server), so first paint excludes the websocket.

    python benchmarks/widgets.py [--sizes 1000 5000] [--out benchmarks/results/widgets.md]
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


def _measure(n: int, browser, svg_max: int, elk_wait: float) -> dict:
    from jupyter_prov.views import graph as g

    spec = _graph(n)
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
    esm = (ROOT / "jupyter_prov" / "widgets" / "static" / "graph.js").read_text()
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
        try:
            page.wait_for_function("document.querySelector('.jprov-graph')?.dataset.laidOut !== undefined",
                                   timeout=elk_wait * 1000, polling=50)
            elk_ms = page.evaluate("performance.now() - window.t0")
            layout_ms = float(page.evaluate("document.querySelector('.jprov-graph').dataset.layoutMs"))
        except Exception:  # noqa: BLE001 - ELK still running after elk_wait: reported as not done
            elk_ms = layout_ms = float("nan")
        shown = page.evaluate("document.getElementById('out').jprovView.cy.nodes().length")
    finally:
        page.close()
    return {"n": len(elements.nodes), "links": len(elements.links), "kernel_s": kernel_s,
            "columnar_bytes": columnar_bytes, "json_bytes": len(as_json), "svg_bytes": svg_bytes, "svg_s": svg_s,
            "paint_s": paint_ms / 1000, "elk_s": elk_ms / 1000, "layout_s": layout_ms / 1000, "shown": shown}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "widgets.md"))
    parser.add_argument("--elk-wait", type=float, default=1200, help="seconds to wait for the ELK layout")
    parser.add_argument("--svg-max", type=int, default=1000,
                        help="draw the static SVG only up to this many nodes (dot took 440 s for 1k at load 26)")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="jprov-bench-widgets-")
    os.environ["JPROV_HOME"] = home
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
