"""Shell jobs: run any command line on a computer as a recorded calculation (in the spirit of aiida-shell).

``launch_shell_job("wc", arguments=["-l", "{data}"], nodes={"data": File(...)})`` copies ``data`` into
the job's folder, replaces ``{data}`` by its file name, runs ``wc -l x.txt`` on the computer and
records ``stdout``, ``stderr`` and every declared output file as data nodes created by the job.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..orm import Computer, Data, List, Node, Str, to_data
from ..orm.exceptions import NotExistent
from ..orm.nodes.code import Code
from ..orm.nodes.files import File, Folder
from ..orm.nodes.process import ProcessNode
from ..storage.file_tree import safe_join
from .calcjobs import CalcJob
from .exit_codes import ExitCode
from .kinds import import_process_type
from .ports import PortValidationError

STDOUT, STDERR = "stdout", "stderr"


def _placeholders(arguments: Sequence[str]) -> list[str]:
    names = []
    for argument in arguments:
        for _text, field, _spec, _conv in string.Formatter().parse(argument):
            if field is not None:
                names.append(field)
    return names


def _validate_inputs(inputs: Mapping[str, Any]) -> str | None:
    arguments = list(inputs.get("arguments", List([])).value) if inputs.get("arguments") is not None else []
    nodes = inputs.get("nodes") or {}
    for name in _placeholders(arguments):
        if name not in nodes:
            return (f"argument placeholder {{{name}}} has no node: give nodes={{{name!r}: ...}} "
                    f"(nodes given: {', '.join(sorted(nodes)) or 'none'})")
    return None


def output_label(path: str) -> str:
    """The output port name of an output file: non-identifier characters become ``_``."""
    label = re.sub(r"\W", "_", path)
    return f"_{label}" if label[:1].isdigit() else label


class ShellJob(CalcJob):
    """Runs ``code`` with ``arguments`` (placeholders bound to ``nodes``); outputs stdout, stderr, declared files."""

    @classmethod
    def define(cls, spec) -> None:
        super().define(spec)
        spec.inputs["code"].required = True
        spec.input("arguments", valid_type=List, required=False, help="command-line arguments, {name} placeholders")
        spec.input_namespace("nodes", dynamic=True, valid_type=Data, help="nodes the placeholders refer to")
        spec.input("outputs", valid_type=List, required=False, help="output file names or globs to retrieve")
        spec.input("parser", valid_type=Str, required=False, help="'module:function' parsing the output folder")
        spec.inputs_validator(_validate_inputs)
        spec.outputs.dynamic = True
        spec.output("stdout", valid_type=File, required=False)
        spec.output("stderr", valid_type=File, required=False)
        spec.exit_code(400, "ERROR_NON_ZERO_EXIT_STATUS", "the command exited with status {status}: {stderr}")

    def _code_types(self) -> list[str]:
        parser = self.inputs.get("parser")
        return super()._code_types() + ([parser.value] if parser is not None else [])

    def prepare_for_submission(self, folder: Path) -> dict[str, Any]:
        replacements: dict[str, str] = {}
        for name, node in (self.inputs.get("nodes") or {}).items():
            if isinstance(node, File):
                safe_join(folder, node.filename, what=f"input {name!r}").write_bytes(node.get_file(node.filename))
                replacements[name] = node.filename
            elif isinstance(node, Folder):
                for path, _hash in node.walk_files():
                    target = safe_join(folder, f"{name}/{path}", what=f"input {name!r}")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(node.get_file(path))
                replacements[name] = name
            else:
                replacements[name] = str(node.value)
        arguments = list(self.inputs["arguments"].value) if "arguments" in self.inputs else []
        cmdline = [argument.format(**replacements) for argument in arguments]
        retrieve = [STDOUT, STDERR] + (list(self.inputs["outputs"].value) if "outputs" in self.inputs else [])
        return {"cmdline": cmdline, "stdout": STDOUT, "stderr": STDERR, "retrieve": retrieve}

    def parse(self, retrieved: Folder, folder: Path) -> ExitCode | Mapping[str, Any] | None:
        return ShellParser(self).parse(retrieved, folder)


class ShellParser:
    """stdout, stderr and the declared output files as File (Folder for a folder) nodes."""

    def __init__(self, process: ShellJob):
        self.process = process

    def parse(self, retrieved: Folder, folder: Path) -> ExitCode | Mapping[str, Any] | None:
        process = self.process
        outputs: dict[str, Node] = {}
        for name in (STDOUT, STDERR):
            if (folder / name).is_file():
                outputs[name] = File.from_path(folder / name)
        missing = []
        declared = list(process.inputs["outputs"].value) if "outputs" in process.inputs else []
        for pattern in declared:
            matches = sorted(p for p in folder.glob(pattern) if p.name not in (STDOUT, STDERR))
            if not matches:
                missing.append(pattern)
            for path in matches:
                relative = path.relative_to(folder).as_posix()
                node = Folder.from_path(path) if path.is_dir() else File.from_path(path)
                outputs[output_label(relative)] = node
        if "parser" in process.inputs:
            custom = import_process_type(process.inputs["parser"].value)
            for label, value in (custom(process, folder) or {}).items():
                outputs[label] = value if isinstance(value, Data) else to_data(value)
        for label, value in outputs.items():
            process.out(label, value)
        status = process.job_exit_status
        if status not in (0, None):
            tail = (folder / STDERR).read_text(errors="replace")[-500:].strip() if (folder / STDERR).is_file() else ""
            return process.exit_codes.ERROR_NON_ZERO_EXIT_STATUS.format(status=status, stderr=tail)
        if missing:
            return process.exit_codes.ERROR_MISSING_OUTPUT_FILES.format(
                message=", ".join(f"{p!r} was not produced" for p in missing))
        return None


# ---- launching ---------------------------------------------------------------------------------------
def localhost_computer() -> Computer:
    """The ``localhost`` computer (local transport, direct scheduler), created on first use."""
    from ..config.profiles import get_config_dir

    try:
        return Computer.load("localhost")
    except NotExistent:
        workdir = str(get_config_dir() / "work")
        return Computer("localhost", "localhost", transport_type="core.local", scheduler_type="core.direct",
                        workdir=workdir, description="this machine (created by launch_shell_job)").store()


def shell_code(command: str, computer: Computer) -> Code:
    """The code of ``command`` on ``computer``: found by label, else its path is looked up there and stored."""
    from ..transports import get_transport

    label = command.rsplit("/", 1)[-1]
    try:
        code = Code.get(f"{label}@{computer.label}")
        if not command.startswith("/") or code.executable == command:
            return code
    except NotExistent:
        pass
    if command.startswith("/"):
        executable = command
    else:
        # a fixed script, the command its argument: never part of the text the shell reads
        status, out, _err = get_transport(computer).exec_argv(
            ["/bin/sh", "-c", 'which -- "$1" 2>/dev/null || command -v -- "$1"', "jprov-which", command])
        executable = out.decode().strip()
        if status != 0 or not executable.startswith("/"):
            raise PortValidationError(f"launch_shell_job: command {command!r} is not found on computer "
                                      f"{computer.label!r} (PATH lookup failed)")
    return Code(executable, computer=computer, label=label, description=f"shell command {command}").store()


def launch_shell_job(command: str | Code, arguments: Sequence[str] | str | None = None,
                     nodes: Mapping[str, Any] | None = None, outputs: Sequence[str] | None = None,
                     parser: Callable[..., Any] | str | None = None, computer: Computer | str | None = None,
                     metadata: Mapping[str, Any] | None = None, submit: bool = False) -> ProcessNode:
    """Run ``command`` as a calc job and return its node (``node.outputs.stdout.get_content()``).

    ``arguments``: a list (or a string split like a shell would) where ``{name}`` is replaced by the
    file name of ``nodes[name]`` (a File or Folder, copied into the job's folder) or by its value.
    ``outputs``: file names or globs to bring back as nodes. ``parser``: ``f(process, folder) -> dict`` of
    extra outputs (must be importable: a module-level function). ``computer``: a Computer or label
    (default: ``localhost``, created on demand). ``submit=True`` stores it for the daemon instead.
    """
    import shlex

    from .launch import run_get_node
    from .launch import submit as submit_process

    if isinstance(computer, str):
        computer = Computer.load(computer)
    code = command if isinstance(command, Code) else shell_code(command, computer or localhost_computer())
    if isinstance(arguments, str):
        arguments = shlex.split(arguments)
    inputs: dict[str, Any] = {"code": code}
    if arguments:
        inputs["arguments"] = List([str(a) for a in arguments])
    if nodes:
        inputs["nodes"] = {name: value if isinstance(value, Data) else to_data(value) for name, value in nodes.items()}
    if outputs:
        inputs["outputs"] = List(list(outputs))
    if parser is not None:
        if callable(parser):
            name = f"{parser.__module__}:{parser.__qualname__}"
            if "<" in name:
                raise PortValidationError(f"launch_shell_job: parser {name!r} must be a module-level function "
                                          "(it is imported by name when the job is parsed, maybe by a daemon worker)")
            parser = name
        inputs["parser"] = Str(parser)
    meta = dict(metadata or {})
    meta.setdefault("options", {})
    if submit:
        return submit_process(ShellJob, metadata=meta, **inputs)
    _result, node = run_get_node(ShellJob, metadata=meta, **inputs)
    return node


__all__ = ["ShellJob", "ShellParser", "launch_shell_job", "localhost_computer", "shell_code"]
