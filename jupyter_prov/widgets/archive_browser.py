"""``ArchiveBrowser``: an archive file opened read-only in place, in the notebook.

Its metadata, counts by node type, groups, a table of its nodes with filters (type, label fragment,
group), the provenance graph of a selection (the shared graph component on the archive's read-only
storage), and "import" into the loaded profile — a dry run first that says what would be added, then
the import on a second click. Nothing is imported until then: the archive's database is read where it
is (:mod:`jupyter_prov.views.archives`). Protocol: ``docs/reference/widget-protocol.md``, *Archive browser*.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anywidget
import traitlets as t

from ..views import archive_browser as browser_views
from ..views import archives as archive_views
from .bundles import bundle
from .channel import EmbeddedGraph

#: nodes one page of the table shows
PAGE = 50


class ArchiveBrowser(anywidget.AnyWidget):
    """``ArchiveBrowser("export.aiida")``: browse an archive without importing it."""

    _esm = bundle("archive_browser.js")

    path = t.Unicode("").tag(sync=True)
    selection = t.List(t.Int()).tag(sync=True)
    height = t.Int(480).tag(sync=True)

    def __init__(self, path: str | Path, **kwargs: Any):
        resolved = Path(path).expanduser().resolve()
        self._reader = archive_views.reader(resolved)  # refuses a missing or hostile archive here, with one line
        self._send_lock = threading.Lock()
        self._graph = EmbeddedGraph(self._reply)
        self.bytes_sent = 0
        #: the last dry run's summary (the import button asks for it first)
        self.dry_run: dict[str, Any] | None = None
        super().__init__(path=str(resolved), **kwargs)
        self.on_msg(self._on_message)

    # ---- Python API ------------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Metadata, counts, node types and link types (:func:`jupyter_prov.views.archives.inspect`) and groups."""
        info = archive_views.inspect(self.path)
        info.pop("database", None)
        info["groups"] = [{k: v for k, v in g.items() if k != "pks"} | {"shown": len(g["pks"])}
                          for g in browser_views.groups(self.path)]
        return info

    def nodes(self, **filters: Any) -> dict[str, Any]:
        """A page of the archive's nodes (:func:`jupyter_prov.views.archive_browser.nodes`)."""
        return browser_views.nodes(self.path, **filters)

    def import_into_profile(self, *, dry_run: bool = True) -> dict[str, Any]:
        """Import the archive into the loaded profile; ``dry_run`` (the default) only counts what would be added."""
        result = archive_views.import_into_profile(self.path, dry_run=dry_run)
        if dry_run:
            self.dry_run = result
        return result

    # ---- the comm ----------------------------------------------------------------------------------------
    def _reply(self, content: dict, buffers: list[bytes] | None = None) -> None:
        with self._send_lock:
            self.bytes_sent += sum(len(b) for b in buffers or ()) + len(str(content))
            self.send(content, buffers)

    def _on_message(self, _widget, content: Any, _buffers) -> None:
        from ..errors import JprovError

        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "info":
                self._reply({"type": "info", "info": self.info()})
            elif kind == "nodes":
                group = content.get("group")
                page = self.nodes(node_type=content.get("node_type") or None, text=content.get("text") or None,
                                  group=int(group) if group not in (None, "") else None,
                                  offset=int(content.get("offset", 0)), limit=int(content.get("limit", PAGE)))
                self._reply({"type": "nodes", "request": content.get("request"), **page})
            elif kind == "group":
                found = [g for g in browser_views.groups(self.path) if g["pk"] == int(content["pk"])]
                if not found:
                    raise LookupError(f"no group #{content['pk']} in this archive")
                self._open_graph(found[0]["pks"])
            elif kind == "graph_open":
                self._open_graph([int(pk) for pk in content.get("pks", [])])
            elif kind == "graph":
                self._graph.handle(content)
            elif kind == "import":
                dry_run = bool(content.get("dry_run", True))
                self._reply({"type": "import", "dry_run": dry_run, "result": self.import_into_profile(dry_run=dry_run)})
            else:
                self._reply({"type": "error", "message": f"unknown request {kind!r}"})
        except (JprovError, LookupError, ValueError, KeyError, TypeError, OSError) as exc:
            self._reply({"type": "error", "message": f"{kind}: {exc}"})

    def _open_graph(self, pks: list[int]) -> None:
        if not pks:
            raise ValueError("select at least one node to draw")
        self.selection = sorted(pks)
        self._graph.open(sorted(pks), self._reader.storage, depth=1)

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle_ = super()._repr_mimebundle_(**kwargs)
        if bundle_ is None:
            return None
        data, metadata = bundle_ if isinstance(bundle_, tuple) else (bundle_, {})
        data = dict(data)
        counts = archive_views.inspect(self.path).get("counts", {})
        data["text/plain"] = (f"<ArchiveBrowser of {self.path}: {counts.get('nodes', '?')} nodes, "
                              f"{counts.get('links', '?')} links, {counts.get('groups', '?')} groups>")
        return data, metadata
