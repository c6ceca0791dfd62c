"""Calc jobs: an external code run as a job on a computer, recorded like any calculation.

A :class:`CalcJob` subclass writes the input files in :meth:`CalcJob.prepare_for_submission` and says
what to run and what to retrieve. The engine then goes through the stages

    upload → submit → update (poll the scheduler) → retrieve → parse

recording the stage (and what it learnt: work directory, job id) on the node after each one, so a
process resumed anywhere continues at the stage it was in. The job is never submitted twice: the
submission's output is written to a file in the work directory before anything else happens, and a
resumed ``submit`` stage reads that file instead of submitting again. Transport errors are retried
with exponential back-off; when retries run out the process is *paused* (state ``waiting``,
attribute ``paused``) with the reason in its status, and continues when played again.

Outputs every calc job creates: ``sent_files`` (the exact files uploaded, with the job script),
``remote_folder`` (the work directory on the computer) and ``retrieved`` (the files brought back).
"""

from __future__ import annotations

import json
import logging
import posixpath
import shlex
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from ..errors import ProcessError
from ..orm import Computer, current, store_all
from ..orm.links import LinkType
from ..orm.nodes.code import Code
from ..orm.nodes.files import Folder, RemoteFolder
from ..orm.nodes.process import CalcJobNode, ProcessState
from ..orm.plugins import PluginNotFound, load_plugin
from ..schedulers import JobResources, JobState, SchedulerError, load_scheduler
from ..schedulers.base import EXIT_STATUS_FILE, SCHEDULER_STDERR, SCHEDULER_STDOUT
from ..storage.file_tree import safe_join
from ..transports import TransportError, get_transport
from . import interrupts
from .exit_codes import ExitCode
from .interrupts import user_code
from .job_cancel import SUBMIT_FILES, cancel_job
from .job_polling import job_state
from .ports import PortValidationError
from .process import Process
from .states import set_state

log = logging.getLogger("jupyter_prov.engine.calcjobs")

SCRIPT_NAME = "_jprov_submit.sh"
#: options of the engine itself (the rest of ``metadata.options`` goes to the scheduler)
ENGINE_OPTIONS = {"parser_name": None, "transport_retries": 5, "retry_base_seconds": 2.0, "stdout_filename": None,
                  "stderr_filename": None, "stdin_filename": None}


#: how often a calc job waiting for its job looks for pause and kill requests
STOP_CHECK_SECONDS = 0.5
#: what a stage returns when a pause or kill request stopped it
_STOPPED = object()


class TransportPaused(ProcessError):
    """Retries ran out: the process pauses."""


class CalcJob(Process):
    """Base of calc jobs; subclasses define ports and :meth:`prepare_for_submission` (and maybe :meth:`parse`)."""

    _node_class: ClassVar[type] = CalcJobNode
    node: CalcJobNode  # built from _node_class

    @classmethod
    def define(cls, spec) -> None:
        super().define(spec)
        spec.input("code", valid_type=Code, required=False, help="the executable to run")
        spec.output("sent_files", valid_type=Folder, help="the files uploaded, with the job script")
        spec.output("remote_folder", valid_type=RemoteFolder, help="the job's work directory on the computer")
        spec.output("retrieved", valid_type=Folder, required=False, help="the files brought back")
        spec.exit_code(110, "ERROR_JOB_LOST", "the scheduler no longer knows job {job_id} and it left no exit status: "
                       "it was lost, cancelled or ran out of wall time")
        spec.exit_code(120, "ERROR_SUBMISSION_FAILED", "the scheduler refused the job: {message}")
        spec.exit_code(130, "ERROR_EXECUTABLE_NOT_FOUND", "the executable {executable} is not on computer {computer}")
        spec.exit_code(300, "ERROR_PARSER_EXCEPTION", "the parser raised {message}", invalidates_cache=True)
        spec.exit_code(301, "ERROR_MISSING_OUTPUT_FILES", "expected output files are missing: {message}")

    # ---- what subclasses write ---------------------------------------------------------------------
    def prepare_for_submission(self, folder: Path) -> dict[str, Any]:
        """Write the input files into ``folder`` and return what to run and retrieve.

        The returned dict: ``cmdline`` (arguments after the executable), optional ``stdin``/``stdout``/
        ``stderr`` file names, ``retrieve`` (file names or globs, relative to the work directory).
        """
        raise NotImplementedError

    def parse(self, retrieved: Folder, folder: Path) -> ExitCode | Mapping[str, Any] | None:
        """Turn the retrieved files (also unpacked at ``folder``) into outputs; default: the parser of ``parser_name``."""
        name = self.options.get("parser_name")
        if not name:
            return None
        try:
            parser = load_plugin("parsers", name)
        except PluginNotFound as exc:
            raise ProcessError(str(exc)) from None
        return parser(self).parse(retrieved, folder)

    # ---- the node --------------------------------------------------------------------------------
    def _build_node(self):
        node = super()._build_node()
        meta = self.metadata
        options = dict(meta.get("options") or {})
        code = self.inputs.get("code")
        computer = meta.get("computer")
        if isinstance(computer, str):
            computer = Computer.load(computer)
        if computer is None and code is not None:
            computer = code.computer
        if computer is None:
            raise PortValidationError(f"{self.process_label()}: give a code (input 'code') or metadata['computer']")
        engine_options = {k: options.pop(k) for k in list(options) if k in ENGINE_OPTIONS}
        try:
            JobResources.from_options(options)
        except SchedulerError as exc:
            raise PortValidationError(f"{self.process_label()}: metadata.options: {exc}") from None
        node.computer = computer
        node.set_attribute("options", {**options, **engine_options})
        return node

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.node.get_attribute("options", {}))

    @property
    def computer(self) -> Computer:
        return self.node.computer

    def _resources(self) -> JobResources:
        options = {k: v for k, v in self.options.items() if k not in ENGINE_OPTIONS}
        options.setdefault("job_name", f"jprov-{self.node.pk}")
        code = self.inputs.get("code")
        if code is not None:
            options.setdefault("withmpi", code.with_mpi)
            options["prepend_text"] = "\n".join(t for t in (code.prepend_text, options.get("prepend_text", "")) if t)
            options["append_text"] = "\n".join(t for t in (options.get("append_text", ""), code.append_text) if t)
        return JobResources.from_options(options)

    def _option(self, key: str) -> Any:
        return self.options.get(key, ENGINE_OPTIONS[key])

    # ---- the stages ---------------------------------------------------------------------------------
    def _run(self, *, run_children: bool) -> None:
        node = self.node
        if node.get_attribute("paused", False):
            node.set_attribute_many({"paused": False, "process_status": None})
        stages = {"upload": self._upload, "submit": self._submit, "update": self._update,
                  "retrieve": self._retrieve, "parse": self._parse}
        while True:
            stage = node.get_attribute("stage", None) or "upload"
            if stage == "done":
                return
            try:
                outcome = self._with_retries(stage, stages[stage])
            except TransportPaused as exc:
                self._pause(str(exc))
                return
            if outcome is _STOPPED:  # a pause or kill request: the stage is recorded, the caller carries it out
                return
            if isinstance(outcome, ExitCode):
                self._finish(outcome)
                return

    def _with_retries(self, stage: str, action) -> Any:
        attempts = max(1, int(self._option("transport_retries")))
        base = float(self._option("retry_base_seconds"))
        for attempt in range(1, attempts + 1):
            try:
                return action()
            except (TransportError, SchedulerError) as exc:
                if attempt == attempts:
                    raise TransportPaused(
                        f"paused in stage {stage} after {attempts} failed attempts on computer "
                        f"{self.computer.label!r}: {exc}; play the process once the computer is reachable"
                    ) from exc
                delay = base * 2 ** (attempt - 1)
                log.warning("%s (pk %s) stage %s attempt %d failed: %s; retrying in %.1f s",
                            self.process_label(), self.node.pk, stage, attempt, exc, delay)
                end = time.monotonic() + delay
                while (left := end - time.monotonic()) > 0:
                    interrupts.check()  # a kill does not wait for the back-off
                    time.sleep(min(left, 0.2))
        raise AssertionError("unreachable")

    def _killed(self, message: str) -> None:
        note = cancel_job(self.node)
        super()._killed(f"{message}; {note}" if note else message)

    def _pause(self, message: str) -> None:
        node = self.node
        self.report(message)
        set_state(node, ProcessState.WAITING, paused=True, process_status=message)

    def _transport(self):
        return get_transport(self.computer)

    def _workdir(self) -> str:
        uuid = self.node.uuid
        return posixpath.join(self.computer.workdir, uuid[:2], uuid[2:4], uuid[4:])

    def _upload(self) -> None:
        node = self.node
        transport = self._transport()
        workdir = self._workdir()
        with tempfile.TemporaryDirectory(prefix="jprov-upload-") as sandbox:
            calcinfo = dict(self.prepare_for_submission(Path(sandbox)) or {})
            if not isinstance(calcinfo.get("cmdline", []), list):
                raise ProcessError(f"{self.process_label()}.prepare_for_submission: 'cmdline' must be a list")
            command = self._command_line(calcinfo)
            script = load_scheduler(self.computer.scheduler_type).job_script(self._resources(), [command])
            Path(sandbox, SCRIPT_NAME).write_text(script)
            transport.makedirs(workdir)
            for child in sorted(Path(sandbox).iterdir()):
                transport.put(child, posixpath.join(workdir, child.name))
            sent = Folder.from_path(sandbox)
            remote = RemoteFolder(workdir, computer=self.computer)
            sent.add_incoming(node, LinkType.CREATE, "sent_files")
            remote.add_incoming(node, LinkType.CREATE, "remote_folder")
            with current.get_storage().write_turn(), current.get_storage().transaction():
                store_all([sent, remote])
                node.set_attribute_many({"stage": "submit", "remote_workdir": workdir,
                                         "checkpoint": {"calcinfo": calcinfo}})
        self._outputs.update({"sent_files": sent, "remote_folder": remote})

    def _command_line(self, calcinfo: Mapping[str, Any]) -> str:
        code = self.inputs.get("code")
        parts = ([code.executable] if code is not None else []) + [str(a) for a in calcinfo.get("cmdline", [])]
        if not parts:
            raise ProcessError(f"{self.process_label()}: nothing to run (no code and an empty cmdline)")
        line = " ".join(shlex.quote(p) for p in parts)
        for key, redirect in (("stdin", "<"), ("stdout", ">"), ("stderr", "2>")):
            name = calcinfo.get(key) or self._option(f"{key}_filename")
            if name:
                line += f" {redirect} {shlex.quote(name)}"
        return line

    def _submit(self) -> ExitCode | None:
        node = self.node
        transport = self._transport()
        workdir = node.get_attribute("remote_workdir")
        scheduler = load_scheduler(self.computer.scheduler_type)
        out_name, err_name, status_name = SUBMIT_FILES
        if transport.path_exists(posixpath.join(workdir, status_name)):  # submitted before a crash: never again
            status = int(transport.read_bytes(posixpath.join(workdir, status_name)).decode().strip() or -1)
            out = transport.read_bytes(posixpath.join(workdir, out_name)).decode(errors="replace")
            err = transport.read_bytes(posixpath.join(workdir, err_name)).decode(errors="replace")
        else:
            if transport.path_exists(posixpath.join(workdir, out_name)):
                raise ProcessError(f"job submission in {workdir} started but did not finish (the worker died while "
                                   "submitting); whether the job runs is unknown: check the scheduler and "
                                   "resubmit by hand")
            code = self.inputs.get("code")
            status, out_b, err_b = transport.exec_argv(
                _submit_argv(scheduler.submit_command(SCRIPT_NAME), code.executable if code is not None else ""),
                workdir=workdir)
            out, err = out_b.decode(errors="replace"), err_b.decode(errors="replace")
        code = self.inputs.get("code")
        if status == 127 and code is not None and "executable not found" in err:
            return self.exit_codes.ERROR_EXECUTABLE_NOT_FOUND.format(executable=code.executable,
                                                                     computer=self.computer.label)
        try:
            job_id = scheduler.parse_submit_output(status, out, err)
        except SchedulerError as exc:
            return self.exit_codes.ERROR_SUBMISSION_FAILED.format(message=str(exc))
        node.set_attribute_many({"stage": "update", "job_id": job_id, "scheduler_state": JobState.QUEUED.value})
        return None

    def _update(self) -> object:
        node = self.node
        job_id = node.get_attribute("job_id")
        computer = self.computer
        scheduler = load_scheduler(computer.scheduler_type)

        def query(ids: list[str]):
            return scheduler.get_jobs_via(get_transport(computer), ids)

        last = node.get_attribute("scheduler_state", None)
        while True:
            if self.stop_requested():  # pause or kill: within a second, even with a long poll interval
                return _STOPPED
            info = job_state(computer, job_id, query, timeout=STOP_CHECK_SECONDS)
            if info is None:
                continue
            if info.state.value != last:
                last = info.state.value
                if info.state is not JobState.DONE:
                    node.set_attribute_many({"scheduler_state": last})
            if info.state is JobState.DONE:
                break
        node.set_attribute_many({"stage": "retrieve", "scheduler_state": JobState.DONE.value})
        return None

    def _retrieve(self) -> ExitCode | None:
        node = self.node
        transport = self._transport()
        workdir = node.get_attribute("remote_workdir")
        calcinfo = (node.checkpoint or {}).get("calcinfo", {})
        patterns = list(calcinfo.get("retrieve", []))
        scheduler = load_scheduler(self.computer.scheduler_type)
        with tempfile.TemporaryDirectory(prefix="jprov-retrieve-") as target:
            for pattern in patterns:
                for relative in transport.glob(workdir, pattern):
                    transport.get(posixpath.join(workdir, relative), safe_join(target, relative, what="retrieved file"))
            for name in (SCHEDULER_STDOUT, SCHEDULER_STDERR, EXIT_STATUS_FILE):
                if transport.path_exists(posixpath.join(workdir, name)):
                    transport.get_file(posixpath.join(workdir, name), Path(target, name))
            detailed = scheduler.detailed_job_info_via(transport, node.get_attribute("job_id"))
            if detailed is not None:
                Path(target, ".jprov-detailed-job-info.json").write_text(json.dumps(detailed, indent=1))
            retrieved = Folder.from_path(target)
            retrieved.add_incoming(node, LinkType.CREATE, "retrieved")
            with current.get_storage().write_turn(), current.get_storage().transaction():
                store_all([retrieved])
                node.set_attribute("stage", "parse")
        self._outputs["retrieved"] = retrieved
        return None

    def _parse(self) -> ExitCode:
        retrieved = self._outputs.get("retrieved")
        if not isinstance(retrieved, Folder):  # _retrieve stored it
            raise ProcessError(f"{self!r}: in stage parse without a retrieved folder")
        if EXIT_STATUS_FILE not in retrieved.list_files():
            return self.exit_codes.ERROR_JOB_LOST.format(job_id=self.node.get_attribute("job_id"))
        with tempfile.TemporaryDirectory(prefix="jprov-parse-") as folder:
            _unpack(retrieved, Path(folder))
            try:
                with user_code():
                    result = self.parse(retrieved, Path(folder))
            except Exception as exc:  # noqa: BLE001 - a parser bug is the job's exit status, not a crash
                return self.exit_codes.ERROR_PARSER_EXCEPTION.format(message=f"{type(exc).__name__}: {exc}")
        if isinstance(result, ExitCode):
            return result
        for label, value in (result or {}).items():
            self.out(label, value)
        return ExitCode(0)

    @property
    def job_exit_status(self) -> int | None:
        """The exit status of the job's command (from the retrieved files), ``None`` if unknown."""
        retrieved = self._outputs.get("retrieved")
        if retrieved is None or EXIT_STATUS_FILE not in retrieved.list_files():
            return None
        text = retrieved.get_file(EXIT_STATUS_FILE).decode().strip()
        return int(text) if text.lstrip("-").isdigit() else None


#: the submission, as one fixed shell script: the executable and the file names are its positional
#: parameters ("$1".."$4"), so no value from a node is ever part of the text a shell interprets
_SUBMIT_SCRIPT = (
    'if [ -n "$1" ] && ! test -x "$1"; then echo "executable not found" > "$3"; echo 127 > "$4"; '
    'cat "$3" >&2; exit 127; fi; ( {submit} ) > "$2" 2> "$3"; s=$?; echo $s > "$4"; cat "$2"; cat "$3" >&2; exit $s'
)


def _submit_argv(submit_command: str, executable: str) -> list[str]:
    """``sh -c <fixed script> jprov-submit <executable> <out> <err> <status>``.

    ``submit_command`` is the scheduler plugin's, built from constants (the script name is ours).
    """
    out_name, err_name, status_name = SUBMIT_FILES
    return ["/bin/sh", "-c", _SUBMIT_SCRIPT.format(submit=submit_command), "jprov-submit", executable,
            out_name, err_name, status_name]


def _unpack(folder: Folder, target: Path) -> None:
    for name, _hash in folder.walk_files():
        destination = safe_join(target, name, what=f"retrieved file of {folder!r}")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(folder.get_file(name))


__all__ = ["ENGINE_OPTIONS", "CalcJob", "cancel_job"]
