"""Process nodes: the record of something that ran.

Calculation-like processes create data (function calculations, calc jobs); workflow-like processes
orchestrate and only return data that exists (work functions, work chains, graph workflows). A
notebook cell execution does both (see :mod:`jupyter_prov.orm.links`). While a process runs, its state
attributes change; when it reaches a terminal state it is *sealed* and never changes again.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Sequence

from ..exceptions import ModificationNotAllowed, ValidationError
from ..hashing import make_hash
from ..links import LinkTriple
from .node import Node


class ProcessState(str, enum.Enum):
    CREATED = "created"
    RUNNING = "running"
    WAITING = "waiting"
    FINISHED = "finished"
    EXCEPTED = "excepted"
    KILLED = "killed"

    def __str__(self) -> str:
        return self.value

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({ProcessState.FINISHED, ProcessState.EXCEPTED, ProcessState.KILLED})
#: allowed transitions of the process state
TRANSITIONS: dict[ProcessState | None, frozenset[ProcessState]] = {
    None: frozenset({ProcessState.CREATED, ProcessState.RUNNING}),
    ProcessState.CREATED: frozenset({ProcessState.RUNNING, ProcessState.WAITING} | TERMINAL_STATES),
    ProcessState.RUNNING: frozenset({ProcessState.WAITING} | TERMINAL_STATES),
    ProcessState.WAITING: frozenset({ProcessState.RUNNING} | TERMINAL_STATES),
    ProcessState.FINISHED: frozenset(),
    ProcessState.EXCEPTED: frozenset(),
    ProcessState.KILLED: frozenset(),
}


class ProcessNode(Node):
    """Base of process nodes."""

    _type_string: ClassVar[str] = "process"
    link_kind: ClassVar[str] = "process"
    _updatable_attributes: ClassVar[frozenset[str]] = frozenset({
        "process_state", "process_status", "exit_status", "exit_message", "sealed", "paused",
        "checkpoint", "exception", "cached_from", "outputs_done", "stage", "job_id", "scheduler_state",
        "remote_workdir", "ended_at", "started_at", "worker",
    })
    __slots__ = ()

    def __init__(self, *, process_type: str | None = None, process_label: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._process_type = process_type
        if process_label:
            self._attributes["process_label"] = process_label

    @property
    def process_label(self) -> str | None:
        return self._attributes.get("process_label")

    @property
    def process_state(self) -> ProcessState | None:
        value = self._attributes.get("process_state")
        return ProcessState(value) if value else None

    def set_process_state(self, state: ProcessState | str) -> None:
        state = ProcessState(state)
        previous = self.process_state
        if state is not previous and state not in TRANSITIONS[previous]:
            raise ValidationError(
                f"{self!r}: the process state cannot go from {previous.value if previous else 'nothing'} to {state.value}"
            )
        self.set_attribute("process_state", state.value)

    @property
    def process_status(self) -> str | None:
        return self._attributes.get("process_status")

    def set_process_status(self, status: str | None) -> None:
        self.set_attribute("process_status", status)

    @property
    def exit_status(self) -> int | None:
        return self._attributes.get("exit_status")

    @property
    def exit_message(self) -> str | None:
        return self._attributes.get("exit_message")

    def set_exit(self, status: int, message: str | None = None) -> None:
        if not isinstance(status, int) or isinstance(status, bool) or status < 0:
            raise ValidationError(f"{self!r}: exit status must be a non-negative integer, got {status!r}")
        self.set_attribute_many({"exit_status": status, "exit_message": message})

    @property
    def is_terminated(self) -> bool:
        state = self.process_state
        return state is not None and state.is_terminal

    @property
    def is_finished(self) -> bool:
        return self.process_state is ProcessState.FINISHED

    @property
    def is_finished_ok(self) -> bool:
        return self.is_finished and self.exit_status == 0

    @property
    def is_failed(self) -> bool:
        return self.is_finished and (self.exit_status or 0) != 0

    @property
    def is_excepted(self) -> bool:
        return self.process_state is ProcessState.EXCEPTED

    @property
    def is_killed(self) -> bool:
        return self.process_state is ProcessState.KILLED

    @property
    def is_sealed(self) -> bool:
        return bool(self._attributes.get("sealed", False))

    def seal(self) -> None:
        """Freeze the process: only a terminal process may be sealed, and nothing changes after."""
        if self.is_sealed:
            return
        if not self.is_terminated:
            raise ModificationNotAllowed(f"{self!r} is {self.process_state}: only a terminated process can be sealed")
        self.set_attribute("sealed", True)

    @property
    def caller(self) -> "ProcessNode | None":
        from ..links import CALL_LINKS

        links = self.get_incoming(CALL_LINKS)
        return links[0].node if links else None

    @property
    def called(self) -> list["ProcessNode"]:
        from ..links import CALL_LINKS

        return [t.node for t in self.get_outgoing(CALL_LINKS)]

    @property
    def checkpoint(self) -> Any:
        return self._attributes.get("checkpoint")

    #: attributes that describe where the code was, not what it is: left out of the hash (the cache identity)
    _hash_ignored_attributes: ClassVar[frozenset[str]] = frozenset({"source_file", "source_line", "version"})

    def compute_hash_with_inputs(self, inputs: Sequence[LinkTriple]) -> str:
        """The content hash of this process given its input links, loaded already (no query for them).

        What :meth:`compute_hash` gives a stored process, for a caller that holds its inputs (the
        cache checking a candidate); for an unstored one, as if ``inputs`` were its pending links.
        """
        return make_hash(self._hash_payload([(t.node, t.link_type, t.link_label) for t in inputs]))

    def _hash_payload(self, incoming: Sequence[tuple] | None = None) -> dict[str, Any]:
        payload = super()._hash_payload()
        payload["attributes"] = {k: v for k, v in payload["attributes"].items() if k not in self._hash_ignored_attributes}
        payload["process_type"] = self._process_type
        if incoming is None and self.is_stored:  # rehashing a stored process: its inputs are links in the database
            from ..links import INPUT_LINKS

            incoming = [(t.node, t.link_type, t.link_label) for t in self.get_incoming(INPUT_LINKS)]
        elif incoming is None:
            incoming = self._incoming
        payload["inputs"] = sorted(
            (label, source.node_hash or source.compute_hash())
            for source, link_type, label in incoming
            if link_type.value.startswith("input")
        )
        return payload


class CalculationNode(ProcessNode):
    """A process that creates data."""

    _type_string: ClassVar[str] = "process.calculation"
    link_kind: ClassVar[str] = "calculation"
    __slots__ = ()


class WorkflowNode(ProcessNode):
    """A process that orchestrates other processes and returns data they made."""

    _type_string: ClassVar[str] = "process.workflow"
    link_kind: ClassVar[str] = "workflow"
    __slots__ = ()


class CalcFunctionNode(CalculationNode):
    _type_string: ClassVar[str] = "process.calculation.calcfunction"
    __slots__ = ()


class CalcJobNode(CalculationNode):
    """A job of an external code on a computer."""

    _type_string: ClassVar[str] = "process.calculation.calcjob"
    __slots__ = ()


class CellExecutionNode(ProcessNode):
    """One execution of a notebook cell: it creates values and may call processes."""

    _type_string: ClassVar[str] = "process.cell"
    link_kind: ClassVar[str] = "cell"
    #: a cell stored early (it launched a process) gets its outcome when it ends
    _updatable_attributes: ClassVar[frozenset[str]] = ProcessNode._updatable_attributes | frozenset({
        "stdout", "stderr", "error", "writes", "duration_ms",
    })
    __slots__ = ()


class WorkFunctionNode(WorkflowNode):
    _type_string: ClassVar[str] = "process.workflow.workfunction"
    __slots__ = ()


class WorkChainNode(WorkflowNode):
    _type_string: ClassVar[str] = "process.workflow.workchain"
    __slots__ = ()


class GraphNode(WorkflowNode):
    """A graph workflow (tasks and their dependencies known before running)."""

    _type_string: ClassVar[str] = "process.workflow.graph"
    __slots__ = ()
