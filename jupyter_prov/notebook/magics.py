"""``%provenance`` (line) and ``%%provenance skip`` (cell): control and questions from inside a notebook."""

from __future__ import annotations

import shlex
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class

from .recorder import Recorder

USAGE = """%provenance status                 profile, recording on/off, cells recorded, pending writes
%provenance on                     start recording cells
%provenance off                    stop recording cells (values changed meanwhile enter the graph later)
%provenance ignore NAME [NAME...]  never record these variables
%provenance track NAME [NAME...]   record these variables (also names starting with _)
%provenance show NAME              the lineage of a variable: cells, values, files, calculations
%provenance history NAME           every version of NAME in this session, which cell made it, when
%provenance slice NAME [--run]     the minimal cells, in order, that recompute NAME; --run replays them
                                   in a fresh kernel and compares the value's hash
%provenance export FILE [--format jprov|aiida] [--overwrite]
                                   this session's provenance as an archive (FILE.aiida: AiiDA's format)
%provenance config [KEY=VALUE...]  show or change the capture limits
%provenance flush                  wait until every recorded cell is written
%%provenance skip                  (first line of a cell) run the cell without recording it"""

SUBCOMMANDS = ("status", "on", "off", "ignore", "track", "show", "history", "slice", "export", "config", "flush", "skip",
               "help")


class ProvenanceError(Exception):
    """A ``%provenance`` command could not do what was asked."""


@magics_class
class ProvenanceMagics(Magics):
    def __init__(self, shell: Any, recorder: Recorder):
        super().__init__(shell)
        self.recorder = recorder

    @line_cell_magic
    def provenance(self, line: str, cell: str | None = None) -> Any:
        """Record this notebook's provenance; see ``%provenance help``."""
        args = shlex.split(line)
        command, rest = (args[0], args[1:]) if args else ("status", [])
        if cell is not None:
            if command != "skip":
                raise ProvenanceError(f"%%provenance takes 'skip' as a cell magic, not {command!r}")
            return self.shell.run_cell(cell, store_history=False, silent=False).result
        handler = getattr(self, f"_cmd_{command}", None)
        if handler is None:
            raise ProvenanceError(f"unknown %provenance command {command!r}\n\n{USAGE}")
        return handler(rest)

    # ---- control -------------------------------------------------------------------------------
    def _cmd_help(self, args: list[str]) -> None:
        print(USAGE)

    def _cmd_status(self, args: list[str]):
        from .views import key_value_table

        return key_value_table(self.recorder.status(), "jupyter-prov")

    def _cmd_on(self, args: list[str]) -> None:
        self.recorder.enabled = True
        print("jupyter-prov: recording cells")

    def _cmd_off(self, args: list[str]) -> None:
        self.recorder.enabled = False
        print("jupyter-prov: recording is off (values that change meanwhile enter the graph, without a creator, "
              "when a recorded cell reads them)")

    def _names(self, args: list[str], command: str) -> list[str]:
        if not args:
            raise ProvenanceError(f"%provenance {command} needs one or more variable names")
        return [name for arg in args for name in arg.replace(",", " ").split()]

    def _cmd_ignore(self, args: list[str]) -> None:
        for name in self._names(args, "ignore"):
            self.recorder.ignored.add(name)
            self.recorder.tracked.discard(name)

    def _cmd_track(self, args: list[str]) -> None:
        for name in self._names(args, "track"):
            self.recorder.tracked.add(name)
            self.recorder.ignored.discard(name)

    def _cmd_flush(self, args: list[str]) -> None:
        if not self.recorder.writer.flush(timeout=600):
            raise ProvenanceError("the writer did not finish within 10 minutes; see %provenance status")

    def _cmd_config(self, args: list[str]):
        from dataclasses import asdict

        from .views import key_value_table

        for arg in args:
            key, sep, value = arg.partition("=")
            if not sep:
                raise ProvenanceError(f"%provenance config takes KEY=VALUE, got {arg!r}")
            try:
                self.recorder.policy.set(key, value)
            except ValueError as exc:
                raise ProvenanceError(str(exc)) from None
        values = {k: v for k, v in asdict(self.recorder.policy).items() if k != "ignore_file_patterns"}
        return key_value_table(values, "capture policy")

    # ---- questions -----------------------------------------------------------------------------
    def current_node(self, name: str):
        """The node of the current version of variable ``name`` (after writing what is pending)."""
        self.recorder.writer.flush()
        node = self.recorder.writer.versions.get(name)
        if node is None:
            if name not in self.shell.user_ns:
                raise ProvenanceError(f"no variable {name!r} in this notebook")
            raise ProvenanceError(
                f"{name!r} has no recorded version yet: it was set while recording was off or is ignored; "
                "run a recorded cell that reads or sets it"
            )
        return node

    def _one_name(self, args: list[str], command: str) -> str:
        names = [a for a in args if not a.startswith("--")]
        if len(names) != 1:
            raise ProvenanceError(f"%provenance {command} takes one variable name")
        return names[0]

    def _cmd_show(self, args: list[str]):
        from .lineage import LineageView

        return LineageView(self.current_node(self._one_name(args, "show")))

    def _cmd_history(self, args: list[str]):
        from ..orm import current
        from .lineage import summarize, versions_of
        from .views import TableView

        name = self._one_name(args, "history")
        self.recorder.writer.flush()
        rows = []
        for index, (value, cell, link_type) in enumerate(
                versions_of(name, list(self.recorder.writer.cell_pks), current.get_storage()), 1):
            rows.append([index, value.pk, summarize(value), link_type, cell.label, cell.get_attribute("cell_id", ""),
                         cell.get_attribute("started_at", "")[:23]])
        if not rows:
            raise ProvenanceError(f"no recorded version of {name!r} in this session")
        return TableView(["version", "node", "value", "link", "cell", "cell id", "started"], rows,
                         f"history of {name}")

    def _cmd_slice(self, args: list[str]):
        from .lineage import compute_slice
        from .replay import replay_slice
        from .views import TableView

        name = self._one_name(args, "slice")
        unknown = [a for a in args if a.startswith("--") and a != "--run"]
        if unknown:
            raise ProvenanceError(f"%provenance slice: unknown option {unknown[0]!r} (only --run)")
        piece = compute_slice(self.current_node(name))
        rows = [[i, cell.label, cell.get_attribute("cell_id", ""), cell.get_attribute("source", "")]
                for i, cell in enumerate(piece.cells, 1)]
        title = f"slice of {name}: {len(piece.cells)} cell(s)"
        if piece.files:
            paths = sorted({str(f.get_attribute("path", f.label)) for f in piece.files})
            title += f"; reads {len(paths)} file(s) from disk: {', '.join(paths)}"
        if not piece.complete:
            title += (f"; incomplete: {', '.join(n.label or str(n.pk) for n in piece.unrecorded)} "
                      "came from outside the recording")
        self.last_slice = piece
        if "--run" in args:
            result = replay_slice(piece, name)
            self.last_replay = result
            if result.matches:
                title += f"; replayed in a fresh kernel: the hash of {name} matches ({result.replayed_hash[:12]})"
            else:
                title += (f"; replayed in a fresh kernel: MISMATCH (recorded {str(result.recorded_hash)[:12]}, "
                          f"replayed {str(result.replayed_hash)[:12]}{'; ' + result.error if result.error else ''})")
        return TableView(["#", "cell", "cell id", "source"], rows, title)

    def _cmd_export(self, args: list[str]) -> None:
        filename, format_, overwrite = _export_arguments(args)
        try:
            from ..archive import ArchiveError, create_archive
        except ImportError as exc:
            raise ProvenanceError(f"archive export is not available in this installation ({exc})") from None
        self.recorder.writer.flush()
        cells = list(self.recorder.writer.cell_pks)
        if not cells:
            raise ProvenanceError("nothing recorded in this session yet")
        try:
            summary = create_archive(filename, nodes=cells, format=format_, overwrite=overwrite)
        except ArchiveError as exc:
            raise ProvenanceError(str(exc)) from None
        kind = "an AiiDA archive" if format_ == "aiida" else "a jupyter-prov archive"
        counts = ", ".join(f"{summary.counts.get(key, 0)} {key}" for key in ("nodes", "links", "files"))
        print(f"jupyter-prov: exported {len(cells)} cell execution(s) of this session and their provenance to "
              f"{filename} ({kind}: {counts})")


def _export_arguments(args: list[str]) -> tuple[str, str, bool]:
    """``FILE [--format jprov|aiida] [--overwrite]`` as (file, format, overwrite).

    Without ``--format``, a ``.aiida`` file is written in AiiDA's format, any other in ours.
    """
    files: list[str] = []
    format_ = None
    overwrite = False
    rest = iter(args)
    for arg in rest:
        if arg == "--format" or arg.startswith("--format="):
            format_ = arg.partition("=")[2] or next(rest, "")
        elif arg == "--overwrite":
            overwrite = True
        elif arg.startswith("--"):
            raise ProvenanceError(f"%provenance export: unknown option {arg!r} (--format jprov|aiida, --overwrite)")
        else:
            files.append(arg)
    if len(files) != 1:
        raise ProvenanceError("%provenance export takes one file name")
    if format_ is None:
        format_ = "aiida" if files[0].lower().endswith(".aiida") else "jprov"
    if format_ not in ("jprov", "aiida"):
        raise ProvenanceError(f"%provenance export: unknown format {format_!r} (jprov or aiida)")
    return files[0], format_, overwrite
