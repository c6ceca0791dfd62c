"""``ProcessMonitor``: the processes of a profile (or the tree of one), live, in the notebook.

A table of the process tree — state, label, creation time, children, exit status — that changes as the
daemon runs it, with pause/play/kill buttons that say what the daemon did, the log of a process, and
the provenance graph of the selected one (the shared graph component, embedded).

Pushed, not polled: the widget subscribes to the one listener of this kernel for the profile's state
changes (:func:`jupyter_prov.views.process_monitor.listen`) and re-reads its rows at most 4 times a
second (:class:`~jupyter_prov.views.process_monitor.Throttle`); only rows that changed are sent
(``docs/reference/widget-protocol.md``, *Process monitor*). The front end pulls the full table when it
renders (a message sent before that is lost) and again when it sees a version gap.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import anywidget
import traitlets as t

from ..views import process_monitor as monitor_views
from .bundles import bundle
from .channel import EmbeddedGraph


class ProcessMonitor(anywidget.AnyWidget):
    """``ProcessMonitor()``: every recent process tree of the profile; ``ProcessMonitor(node)``: one process
    and everything it called. Close it (``monitor.close()``) to stop its updates."""

    _esm = bundle("process_monitor.js")

    root = t.Int(allow_none=True, default_value=None).tag(sync=True)
    selection = t.Int(allow_none=True, default_value=None).tag(sync=True)
    #: where the updates come from: ``push`` (the daemon's events), ``poll`` (a shared tick), ``reconnecting``
    mode = t.Unicode("starting").tag(sync=True)
    height = t.Int(560).tag(sync=True)

    def __init__(self, node: Any = None, *, min_interval: float = monitor_views.MIN_INTERVAL,
                 roots: int = monitor_views.ROOTS, listen: bool = True, **kwargs: Any):
        from ..orm import Node, ProcessNode, load_node

        root = None
        if node is not None:
            process = node if isinstance(node, Node) else load_node(node)
            if not isinstance(process, ProcessNode):
                raise TypeError(f"ProcessMonitor shows processes; #{process.pk} is a {type(process).__name__}")
            root = process.pk
        self._roots = roots
        self._lock = threading.Lock()  # one reading and one send at a time
        self._send_lock = threading.Lock()
        self._shown: dict[int, dict[str, Any]] = {}
        self._order: list[int] = []
        self._version = 0
        self.bytes_sent = 0
        #: when the rows last changed (``time.time()``) and how many readings ran
        self.updated_at = 0.0
        self._graph = EmbeddedGraph(self._reply)
        super().__init__(root=root, **kwargs)
        self.on_msg(self._on_message)
        self._read()
        self._throttle = monitor_views.Throttle(self.update, min_interval)
        self._subscription = monitor_views.listen(self._on_events) if listen else None
        if self._subscription is not None:
            self.mode = self._subscription.mode

    # ---- Python API ------------------------------------------------------------------------------------
    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows shown, in table order."""
        with self._lock:
            return [self._shown[pk] for pk in self._order]

    def update(self) -> int:
        """Read the rows again and send what changed; how many rows changed (or went)."""
        with self._lock:
            changed, removed, order, truncated = self._read()
            if not changed and not removed and order is None:
                return 0
            self._version += 1
            message: dict[str, Any] = {"type": "rows", "full": False, "version": self._version, "rows": changed,
                                       "removed": removed, "truncated": truncated}
            if order is not None:
                message["order"] = order
            self.updated_at = time.time()
            self._reply(message)
        return len(changed) + len(removed)

    def control(self, action: str, pk: int | None = None) -> dict[int, str]:
        """Pause, play or kill ``pk`` (the selected process by default): what the daemon did."""
        target = pk if pk is not None else self.selection if self.selection is not None else self.root
        if target is None:
            raise ValueError("no process selected")
        result = monitor_views.control(action, [target])
        self._throttle.poke()
        return result

    def graph(self, pk: int | None = None, **options: Any):
        """A :class:`~jupyter_prov.widgets.ProvenanceGraph` of ``pk`` (the selected process by default)."""
        from .graph import ProvenanceGraph

        target = pk if pk is not None else self.selection if self.selection is not None else self.root
        if target is None:
            raise ValueError("no process selected")
        return ProvenanceGraph(target, **options)

    def close(self) -> None:
        subscription = getattr(self, "_subscription", None)
        if subscription is not None:
            subscription.close()
            self._subscription = None
        if getattr(self, "_throttle", None) is not None:
            self._throttle.close()
        super().close()

    # ---- events ------------------------------------------------------------------------------------------
    def _on_events(self, events: list[dict[str, Any]]) -> None:
        if self._subscription is not None and self.mode != self._subscription.mode:
            self.mode = self._subscription.mode
        if events:
            self._throttle.poke()
            return
        # a tick: look again only while something shown has not ended
        with self._lock:
            active = any(row["state"] not in monitor_views.processes.TERMINAL_STATES for row in self._shown.values())
        if active:
            self._throttle.poke()

    def _read(self) -> tuple[list[dict[str, Any]], list[int], list[int] | None, bool]:
        found = monitor_views.rows(self.root, roots=self._roots)
        after = found["rows"]
        changed, removed = monitor_views.diff(self._shown, after)
        order = [row["pk"] for row in after]
        reordered = order != self._order
        self._shown = {row["pk"]: row for row in after}
        self._order = order
        self._truncated = bool(found["truncated"])
        return changed, removed, order if reordered else None, self._truncated

    # ---- the comm ----------------------------------------------------------------------------------------
    def _reply(self, content: dict, buffers: list[bytes] | None = None) -> None:
        with self._send_lock:
            self.bytes_sent += sum(len(b) for b in buffers or ()) + len(str(content))
            self.send(content, buffers)

    def _full(self) -> None:
        with self._lock:
            self._reply({"type": "rows", "full": True, "version": self._version, "order": list(self._order),
                         "rows": [self._shown[pk] for pk in self._order], "removed": [],
                         "truncated": self._truncated})

    def _on_message(self, _widget, content: Any, _buffers) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "rows":
                self._full()
            elif kind == "control":
                action, pk = str(content.get("action")), int(content["pk"])
                result = self.control(action, pk)
                self._reply({"type": "control", "action": action, "pk": pk,
                             "result": {str(k): v for k, v in result.items()}})
            elif kind == "report":
                self._reply({"type": "report", **monitor_views.report(int(content["pk"]))})
            elif kind == "graph_open":
                from ..orm import current

                self._graph.open([int(content["pk"])], current.get_storage())
            elif kind == "graph":
                self._graph.handle(content)
            else:
                self._reply({"type": "error", "message": f"unknown request {kind!r}"})
        except (LookupError, ValueError, KeyError, TypeError) as exc:
            self._reply({"type": "error", "message": f"{kind}: {exc}"})

    def _repr_mimebundle_(self, **kwargs: Any):
        bundle_ = super()._repr_mimebundle_(**kwargs)
        if bundle_ is None:
            return None
        data, metadata = bundle_ if isinstance(bundle_, tuple) else (bundle_, {})
        data = dict(data)
        rows = self.rows
        lines = [f"{'  ' * r['depth']}#{r['pk']} {r['label']}: {r['state_text']}" for r in rows[:30]]
        data["text/plain"] = f"<ProcessMonitor of {len(rows)} process(es)>\n" + "\n".join(lines)
        return data, metadata
