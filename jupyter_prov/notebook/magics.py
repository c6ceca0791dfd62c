"""``%provenance`` (line) and ``%%provenance skip`` (cell): control and questions from inside a notebook.

A usage error (an unknown variable, command, option or setting, a profile that does not open), and any
other error of the package (a :class:`~jupyter_prov.errors.JprovError` from any layer, caught once in
:meth:`ProvenanceMagics.provenance`), is one line naming the input, shown as IPython shows its own
magics' usage errors (``UsageError: ...``, no traceback): the cell fails, so "Run All" stops there, and
nothing is recorded or changed. What the questions show (``history``, ``slice``, ``show``) comes from
:mod:`jupyter_prov.views.lineage`; this module only turns it into tables.
"""

from __future__ import annotations

import os
import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..errors import JprovError
from .magic_errors import ProvenanceError
from .recorder import Recorder

USAGE = """%provenance status                 profile, recording on/off, cells recorded, pending writes
%provenance on                     start recording cells
%provenance off                    stop recording cells (values changed meanwhile enter the graph later)
%provenance ignore NAME [NAME...]  never record these variables
%provenance track NAME [NAME...]   record these variables (also names starting with _)
%provenance show NAME|FILE [--all-sessions]
                                   the lineage of a variable (or of a file, by path or glob): cells,
                                   values, files, calculations; warns about deleted or edited cells
%provenance history NAME|FILE [--all-sessions]
                                   every version of NAME in this session (every session of this
                                   notebook with --all-sessions), which cell made it, when
%provenance slice NAME [--run] [--to FILE.ipynb|FILE.py] [--copy-inputs]
                                   the minimal cells, in order, that recompute NAME; --run replays them
                                   in a fresh kernel and compares the value's hash; --to saves them
%provenance diff NAME [NAME@A NAME@B]
                                   what changed between two versions (default: the latest two)
%provenance sessions               the kernel sessions of this notebook (NAME@s2: in session 2)
%provenance env [--diff NAME]      this session's Python, packages, git state, host; --diff: against
                                   the session that made NAME
%provenance export FILE [--format jprov|aiida] [--overwrite]
                                   this session's provenance as an archive (FILE.aiida: AiiDA's format)
%provenance config [KEY=VALUE...]  show or change the capture limits
%provenance flush                  wait until every recorded cell is written
%%provenance skip                  (first line of a cell) run the cell without recording it"""

SUBCOMMANDS = ("status", "on", "off", "ignore", "track", "show", "history", "slice", "diff", "sessions", "env",
               "export", "config", "flush", "skip", "help")


#: commands that work without a loaded profile (the others say why the profile did not load)
_WITHOUT_PROFILE = ("help", "status", "on", "off", "ignore", "track", "config", "skip")




def split_line(line: str) -> list[str]:
    """The words of a magic's line (shell quoting), without a trailing ``# comment``.

    A ``#`` starts the comment where it starts a word outside quotes, as in a shell: ``show x  # why``
    is ``show x``, while ``export run#2.jprov`` keeps its file name.
    """
    quote, escaped = None, False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            line = line[:index]
            break
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ProvenanceError(f"%provenance: cannot read {line.strip()!r}: {exc}") from None


@magics_class
class ProvenanceMagics(Magics):
    def __init__(self, shell: Any, recorder: Recorder):
        super().__init__(shell)
        self.recorder = recorder

    @property
    def _ipython(self) -> Any:
        """The shell these magics were made for (``Magics.shell`` is typed optional; ours never is None)."""
        return self.shell

    @line_cell_magic
    def provenance(self, line: str, cell: str | None = None) -> Any:
        """Record this notebook's provenance; see ``%provenance help``."""
        try:
            return self._run(line, cell)
        except JprovError as exc:  # the one catch: any error of the package is one line, no traceback
            raise UsageError(str(exc)) from None

    def _run(self, line: str, cell: str | None) -> Any:
        args = split_line(line)
        command, rest = (args[0], args[1:]) if args else ("status", [])
        if cell is not None:
            if command != "skip" or rest:
                raise ProvenanceError(f"%%provenance takes 'skip' as a cell magic, not {line.strip()!r}")
            # the inner cell shows its own result (the display hook): returning it would show it twice
            self._ipython.run_cell(cell, store_history=False, silent=False)
            return None
        handler = getattr(self, f"_cmd_{command}", None)
        if handler is None:
            raise ProvenanceError(f"unknown %provenance command {command!r} (commands: "
                                  f"{', '.join(c for c in SUBCOMMANDS if c != 'skip')}; see %provenance help)")
        if self.recorder.problem and command not in _WITHOUT_PROFILE:
            raise ProvenanceError(f"%provenance {command}: {self.recorder.problem}")
        return handler(rest)

    def _no_arguments(self, args: list[str], command: str) -> None:
        if args:
            raise ProvenanceError(f"%provenance {command} takes no arguments, got {' '.join(args)!r}")

    # ---- control -------------------------------------------------------------------------------
    def _cmd_help(self, args: list[str]) -> None:
        self._no_arguments(args, "help")
        print(USAGE)

    def _cmd_status(self, args: list[str]):
        from .views import key_value_table

        self._no_arguments(args, "status")
        return key_value_table(self.recorder.status(), "jupyter-prov")

    def _cmd_on(self, args: list[str]) -> None:
        self._no_arguments(args, "on")
        if self.recorder.problem:  # the profile did not load at %load_ext: try again (it may be fixed now)
            from .profile_loader import open_profile

            problem = open_profile()
            if problem:
                self.recorder.problem = problem
                raise ProvenanceError(f"%provenance on: {problem}")
            self.recorder.problem = None
        self.recorder.enabled = True
        print("jupyter-prov: recording cells")

    def _cmd_off(self, args: list[str]) -> None:
        self._no_arguments(args, "off")
        self.recorder.enabled = False
        print("jupyter-prov: recording is off (values that change meanwhile enter the graph, without a creator, "
              "when a recorded cell reads them)")

    def _names(self, args: list[str], command: str) -> list[str]:
        if not args:
            raise ProvenanceError(f"%provenance {command} needs one or more variable names")
        names = [name for arg in args for name in arg.replace(",", " ").split()]
        for name in names:
            if not name.isidentifier():
                raise ProvenanceError(f"%provenance {command}: {name!r} is not a variable name")
        return names

    def _cmd_ignore(self, args: list[str]) -> None:
        for name in self._names(args, "ignore"):
            self.recorder.ignored.add(name)
            self.recorder.tracked.discard(name)

    def _cmd_track(self, args: list[str]) -> None:
        for name in self._names(args, "track"):
            self.recorder.tracked.add(name)
            self.recorder.ignored.discard(name)

    def _cmd_flush(self, args: list[str]) -> None:
        self._no_arguments(args, "flush")
        if not self.recorder.writer.flush(timeout=600):
            raise ProvenanceError("the writer did not finish within 10 minutes; see %provenance status")

    def _cmd_config(self, args: list[str]):
        from dataclasses import asdict, replace

        from .views import key_value_table

        for arg in args:
            key, sep, value = arg.partition("=")
            if not sep:
                raise ProvenanceError(f"%provenance config takes KEY=VALUE, got {arg!r}")
        policy = replace(self.recorder.policy)  # all settings are checked before any is changed
        for arg in args:
            key, _, value = arg.partition("=")
            try:
                policy.set(key.strip(), value)
            except ValueError as exc:
                raise ProvenanceError(f"%provenance config: {exc}") from None
        for key in asdict(policy):
            setattr(self.recorder.policy, key, getattr(policy, key))  # the writer holds the same object
        values = {k: v for k, v in asdict(self.recorder.policy).items() if k != "ignore_file_patterns"}
        return key_value_table(values, "capture policy")

    # ---- questions -----------------------------------------------------------------------------
    def current_node(self, name: str):
        """The node of the current version of variable ``name`` (after writing what is pending)."""
        self.recorder.writer.flush()
        node = self.recorder.writer.versions.get(name)
        if node is None:
            if name not in self._ipython.user_ns:
                raise ProvenanceError(f"no variable {name!r} in this notebook")
            raise ProvenanceError(
                f"{name!r} has no recorded version yet: it was set while recording was off or is ignored; "
                "run a recorded cell that reads or sets it"
            )
        return node

    def _one_name(self, args: list[str], command: str, options: tuple[str, ...] = ()) -> str:
        unknown = [a for a in args if a.startswith("-") and a not in options]
        if unknown:
            known = f" (only {', '.join(options)})" if options else " (it has none)"
            raise ProvenanceError(f"%provenance {command}: unknown option {unknown[0]!r}{known}")
        names = [a for a in args if not a.startswith("-")]
        if len(names) != 1:
            got = f", got {' '.join(names)!r}" if names else ""
            raise ProvenanceError(f"%provenance {command} takes one variable name{got}")
        if not names[0].isidentifier():
            raise ProvenanceError(f"%provenance {command}: {names[0]!r} is not a variable name")
        return names[0]

    def _variable_node(self, name: str, command: str):
        try:
            return self.current_node(name)
        except ProvenanceError as exc:
            raise ProvenanceError(f"%provenance {command}: {exc}") from None

    def _session(self):
        """The kernel session as stored (after writing what is pending), or why not."""
        writer = self.recorder.writer
        writer.flush()
        session = writer.session
        if session is not None and session.node is None:  # only magics ran so far: store the session now
            with writer.lock:
                try:
                    session.ensure_stored(self.recorder.notebook_path(), [])
                except Exception as exc:  # noqa: BLE001 - said in one line (a storage problem)
                    raise ProvenanceError(f"the kernel session could not be stored: {type(exc).__name__}: {exc}") from None
        if session is None or session.node is None:
            raise ProvenanceError("this kernel session is not recorded (see %provenance status)")
        return session

    def _target(self, spec: str, command: str, all_sessions: bool):
        """The node a question is about: ``NAME`` (this session's version; after a restart, the latest
        recorded one), ``NAME@N`` (version N of every session), ``NAME@sK`` or ``NAME@<session id>``
        (the latest version made in that session)."""
        from .questions import select_version

        name, _, selector = spec.partition("@")
        if not name.isidentifier():
            raise ProvenanceError(f"%provenance {command}: {name!r} is not a variable name")
        if not selector and not all_sessions and name in self.recorder.writer.versions:
            return self._variable_node(name, command)
        session = self._session()
        node = select_version(name, selector, session.notebook_id)
        if node is None and not selector and name not in self._ipython.user_ns:
            raise ProvenanceError(f"%provenance {command}: no variable {name!r} in this notebook, "
                                  "and no recorded version of it in any of its sessions")
        if node is None:
            where = f" in session {selector!r}" if selector else " in any session of this notebook"
            raise ProvenanceError(f"%provenance {command}: no recorded version of {name!r}{where}")
        return node

    @staticmethod
    def _is_file(spec: str) -> bool:
        """A path or a glob (``summary.json``, ``out/*.png``), not a variable name (``x``, ``x@2``, ``3x``)."""
        return "@" not in spec and not spec.isidentifier() and any(c in spec for c in "./*?[~")

    def _spec(self, args: list[str], command: str, options: tuple[str, ...]) -> tuple[str, set[str]]:
        unknown = [a for a in args if a.startswith("-") and a not in options]
        if unknown:
            raise ProvenanceError(f"%provenance {command}: unknown option {unknown[0]!r} (only {', '.join(options)})")
        names = [a for a in args if not a.startswith("-")]
        if len(names) != 1:
            got = f", got {' '.join(names)!r}" if names else ""
            raise ProvenanceError(f"%provenance {command} takes one variable name{got} (or a file's path or glob)")
        return names[0], {a for a in args if a.startswith("-")}

    def _cmd_show(self, args: list[str]):
        from .lineage import LineageView
        from .questions import file_history, stale_cells_warning

        spec, options = self._spec(args, "show", ("--all-sessions",))
        if self._is_file(spec):
            self.recorder.writer.flush()
            return file_history(spec, "show")
        node = self._target(spec, "show", "--all-sessions" in options)
        warning = stale_cells_warning(node, self.recorder.notebook_path())
        if warning:
            print(warning)
        return LineageView(node, interactive=True)

    def _cmd_history(self, args: list[str]):
        from ..views.lineage import versions
        from .questions import file_history, history_all_sessions
        from .views import TableView

        spec, options = self._spec(args, "history", ("--all-sessions",))
        if self._is_file(spec):
            self.recorder.writer.flush()
            return file_history(spec, "history")
        name, _, selector = spec.partition("@")
        self.recorder.writer.flush()
        if "--all-sessions" in options or selector:
            return history_all_sessions(name, selector, self._session().notebook_id)
        if not name.isidentifier():
            raise ProvenanceError(f"%provenance history: {name!r} is not a variable name")
        rows = [[v["version"], v["pk"], v["type"], v["size"], v["value"], v["hash"], v["link_type"],
                 v["cell"]["label"], v["cell"]["cell_id"], v["cell"]["started_at"][:23]]
                for v in versions(name, list(self.recorder.writer.cell_pks))]
        if not rows:
            earlier = history_all_sessions(name, "", self._session().notebook_id, quiet=True)
            if earlier is not None:  # nothing in this session (a restarted kernel): the earlier sessions'
                return earlier
            if name not in self._ipython.user_ns:
                raise ProvenanceError(f"%provenance history: no variable {name!r} in this notebook")
            raise ProvenanceError(f"%provenance history: no recorded version of {name!r} in this session")
        return TableView(["version", "node", "type", "shape/len", "value", "hash", "link", "cell", "cell id",
                          "started"], rows, f"history of {name}")

    def _cmd_slice(self, args: list[str]):
        from ..views.lineage import slice_data
        from .lineage import compute_slice
        from .questions import save_slice, stale_cells_warning
        from .replay import replay_slice
        from .views import TableView

        to = None
        if "--to" in args:
            index = args.index("--to")
            if index + 1 >= len(args) or args[index + 1].startswith("-"):
                raise ProvenanceError("%provenance slice: --to needs a file name (FILE.ipynb or FILE.py)")
            to = args[index + 1]
            args = args[:index] + args[index + 2:]
        spec, options = self._spec(args, "slice", ("--run", "--all-sessions", "--copy-inputs"))
        if self._is_file(spec):
            raise ProvenanceError(f"%provenance slice takes a variable name, not a file ({spec!r}); "
                                  "`%provenance show FILE` names the cells that wrote it")
        name = spec.partition("@")[0]
        piece = compute_slice(self._target(spec, "slice", "--all-sessions" in options))
        data = slice_data(piece)
        rows = [[i, cell["label"], cell["cell_id"], cell["source"]] for i, cell in enumerate(data["cells"], 1)]
        title = f"slice of {name}: {len(data['cells'])} cell(s)"
        if data["files"]:
            title += f"; reads {len(data['files'])} file(s) from disk: {', '.join(data['files'])}"
        if not data["complete"]:
            title += (f"; incomplete: {', '.join(n['label'] or str(n['pk']) for n in data['unrecorded'])} "
                      "came from outside the recording")
        warning = stale_cells_warning(piece.target, self.recorder.notebook_path())
        if warning:
            print(warning)
        self.last_slice = piece
        if to is not None:
            saved = save_slice(piece, name, to, copy_inputs="--copy-inputs" in options)
            title += f"; saved to {saved}"
        if "--run" in options:
            result = replay_slice(piece, name)
            self.last_replay = result
            if result.matches:
                title += f"; replayed in a fresh kernel: the hash of {name} matches ({(result.replayed_hash or '')[:12]})"
            elif result.error is not None:
                title += f"; the replay in a fresh kernel failed: {result.error}"
            elif not result.comparable:
                title += f"; replayed in a fresh kernel: cannot compare ({result.why_not_comparable})"
            else:
                title += (f"; replayed in a fresh kernel: MISMATCH (recorded {(result.recorded_hash or '')[:12]}, "
                          f"replayed {(result.replayed_hash or '')[:12]})")
        return TableView(["#", "cell", "cell id", "source"], rows, title)

    def _cmd_diff(self, args: list[str]):
        from .questions import diff_versions

        if any(a.startswith("-") for a in args):
            raise ProvenanceError(f"%provenance diff: unknown option {next(a for a in args if a.startswith('-'))!r}")
        if len(args) not in (1, 2):
            raise ProvenanceError("%provenance diff takes NAME (the latest two versions) or NAME@A NAME@B")
        self.recorder.writer.flush()
        return diff_versions(args, self._session().notebook_id)

    def _cmd_sessions(self, args: list[str]):
        from ..views.sessions import sessions
        from .views import TableView

        self._no_arguments(args, "sessions")
        session = self._session()
        rows = [[r["number"], (r["session"] or "")[:8] + (" (this one)" if r["session"] == session.session else ""),
                 (r["started_at"] or "")[:19], r["host"], (r["kernel_id"] or "-")[:8], r["cells"],
                 r["python_version"], (r["environment"] or "")[:10], r["notebook_path"]]
                for r in sessions(session.notebook_id or "")]
        return TableView(["#", "session", "started", "host", "kernel", "cells", "python", "environment", "notebook"],
                         rows, f"kernel sessions of notebook {session.notebook_id}")

    def _cmd_env(self, args: list[str]):
        from ..views.sessions import environment_diff, environment_of_session, environment_of_value, environment_summary
        from .views import TableView, key_value_table

        session = self._session()
        here = environment_of_session(session.session)
        if here is None:
            raise ProvenanceError("%provenance env: this session is not stored yet")
        if not args:
            return key_value_table(environment_summary(here), f"environment of this session "
                                   f"(read in {1000 * (session.capture_seconds or 0):.0f} ms on the writer thread)")
        if args[0] != "--diff" or len(args) != 2:
            raise ProvenanceError("%provenance env takes no arguments or --diff NAME")
        node = self._target(args[1], "env --diff", False)
        there = environment_of_value(node)
        if there is None or there.get("environment") is None:
            raise ProvenanceError(f"%provenance env --diff: {args[1]!r} was not made by a recorded cell of a stored session")
        rows = [[r["what"], r["before"] or "(absent)", r["after"] or "(absent)"]
                for r in environment_diff(there["environment"], here["environment"] or {})]
        made = there["session"]
        title = (f"environment that made {args[1]} (session {str(made.get('session'))[:8]}, "
                 f"{str(made.get('started_at'))[:19]}) -> this session: ")
        title += f"{len(rows)} difference(s)" if rows else "the same environment"
        return TableView(["", "then", "now"], rows, title)

    def _cmd_export(self, args: list[str]) -> None:
        filename, format_, overwrite = _export_arguments(args)
        folder = os.path.dirname(os.path.abspath(filename))
        if not os.path.isdir(folder):
            raise ProvenanceError(f"%provenance export: folder {os.path.dirname(filename)!r} does not exist "
                                  "(create it first)")
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
            raise ProvenanceError(f"%provenance export: {exc}") from None
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
