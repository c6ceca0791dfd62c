"""The process model: a running process, its node, its outputs, reports and exit.

A :class:`Process` owns one process node. Its life: ``created`` (stored by ``submit``) → ``running``
⇄ ``waiting`` (on children) → ``finished`` | ``excepted`` | ``killed``; the node is sealed when it
is terminal. The state changes themselves are written by :mod:`.states`; which class a process is and
what identifies its code are :mod:`.kinds`. Everything runs in plain synchronous Python; the process
that is running in the current thread/context is the caller of any process launched inside it.
"""

from __future__ import annotations

import contextvars
import traceback
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from ..errors import ProcessError
from ..orm import Log, Node, ProcessNode, ProcessState, ValidationError, current, store_all
from ..orm.callers import current_caller
from ..orm.links import LinkType
from . import interrupts
from .exit_codes import ExitCode, ExitCodes
from .interrupts import Interrupted, ProcessKilled
from .kinds import code_versions, import_process_type, process_class_of, source_hash, source_of
from .ports import PortValidationError, flatten, unflatten
from .spec import ProcessSpec
from .states import cleared_checkpoint, kill_node, set_state, with_new_inputs
from .visibility import watch

#: re-exported: modules of other owners still import these from here (engine/caching.py)
__all__ = ["Process", "ProcessError", "current_process", "import_process_type", "iter_descendants", "kill_node",
           "process_class_of", "set_state"]

_running: contextvars.ContextVar["Process | None"] = contextvars.ContextVar("jupyter_prov_process", default=None)


def current_process() -> "Process | None":
    """The process running in this thread/context (the caller of processes launched now)."""
    return _running.get()


class _ExitCodesOfClass:
    """``cls.exit_codes`` and ``self.exit_codes``: the exit codes of the process class."""

    def __get__(self, instance: Any, owner: type[Process]) -> ExitCodes:
        return owner.spec().exit_codes


class Process:
    """Base of everything that runs: process functions, work chains, graphs."""

    #: what :func:`.kinds.process_class_of` recognises a process class by
    is_process_class: ClassVar[bool] = True
    _node_class: ClassVar[type[ProcessNode]] = ProcessNode
    _spec_cache: ClassVar[ProcessSpec | None] = None
    _identity_cache: ClassVar[dict[str, Any] | None] = None
    #: store the node only when the process ends (one transaction): calculations run in the foreground
    _store_at_end: ClassVar[bool] = False

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        """Declare ports, exit codes (and the outline of a work chain); call ``super().define(spec)`` first."""

    @classmethod
    def spec(cls) -> ProcessSpec:
        cached = cls.__dict__.get("_spec_cache")
        if cached is None:
            cached = ProcessSpec()
            cls._spec_cache = cached  # set first: define() may read cls.exit_codes (``return_(cls.exit_codes.X)``)
            try:
                cls.define(cached)
            except BaseException:
                del cls._spec_cache
                raise
        return cached

    @classmethod
    def process_type(cls) -> str:
        return f"{cls.__module__}:{cls.__qualname__}"

    @classmethod
    def process_label(cls) -> str:
        return cls.__name__

    @classmethod
    def identity_attributes(cls) -> dict[str, Any]:
        """Attributes recording what code ran: they enter the node hash (and so the cache identity)."""
        cached = cls.__dict__.get("_identity_cache")
        if cached is None:
            cached = {"source_hash": source_hash(source_of(cls)), "version": code_versions(cls.__module__)}
            cls._identity_cache = cached
        return cached

    # ---- construction ------------------------------------------------------------------------------
    def __init__(self, inputs: Mapping[str, Any] | None = None, *, parent: "Process | None" = None,
                 metadata: Mapping[str, Any] | None = None):
        self.metadata = dict(metadata or {})
        self.parent = parent
        self.inputs = _attribute_dict(self.spec().inputs.process(inputs or {}))
        self.node = self._build_node()
        self._outputs: dict[str, Node] = {}
        self._exception: BaseException | None = None
        from .allowed_modules import remember

        remember(self._code_types())

    def _code_types(self) -> list[str]:
        """``module:name`` of the code this process imports when it is continued elsewhere (its own class)."""
        return [self.process_type()]  # what _build_node gave the node

    def _build_node(self) -> ProcessNode:
        meta = self.metadata
        node = self._node_class(process_type=self.process_type(), process_label=self.process_label(),
                                label=meta.get("label", ""), description=meta.get("description", ""))
        node.set_attribute_many(self.identity_attributes())
        link = LinkType.INPUT_CALC if node.link_kind == "calculation" else LinkType.INPUT_WORK
        for label, value in flatten(self.inputs).items():
            if isinstance(value, Node):
                node.add_incoming(value, link, label)
        self._link_caller(node)
        return node

    def _link_caller(self, node: ProcessNode) -> None:
        caller = self.parent.node if self.parent is not None else current_caller()
        if caller is None:
            return
        link = LinkType.CALL_CALC if node.link_kind == "calculation" else LinkType.CALL_WORK
        node.add_incoming(caller, link, self.metadata.get("call_link_label", "CALL"))

    @classmethod
    def load(cls, node: ProcessNode) -> "Process":
        """The process of a stored node, rebuilt from its input links (and checkpoint, for work chains)."""
        process = cls.__new__(cls)
        process.node = node
        process.parent = None
        process.metadata = {}
        process._outputs = {}
        process._exception = None
        flat = {t.link_label: t.node for t in node.get_incoming((LinkType.INPUT_CALC, LinkType.INPUT_WORK))}
        process.inputs = _attribute_dict(unflatten(flat))
        # a process still in state created has no outputs yet: one query less for every submitted process
        process._outputs = ({} if node.process_state is ProcessState.CREATED else
                            {t.link_label: t.node for t in node.get_outgoing((LinkType.CREATE, LinkType.RETURN))})
        process._restore(node.checkpoint or {})
        return process

    def _restore(self, checkpoint: Mapping[str, Any]) -> None:
        """Subclass hook: take up the state saved by :meth:`_checkpoint`."""

    def _checkpoint(self) -> dict[str, Any] | None:
        """Subclass hook: the JSON state to resume from (``None``: nothing to save)."""
        return None

    # ---- the life cycle -------------------------------------------------------------------------------
    exit_codes = _ExitCodesOfClass()

    def prepare_created(self) -> list[Node]:
        """Put the node in state ``created`` (with its checkpoint); the nodes to store: new inputs, then it."""
        self.node.set_attribute("process_state", ProcessState.CREATED.value)
        checkpoint = self._checkpoint()
        if checkpoint is not None:
            self.node.set_attribute("checkpoint", checkpoint)
        return with_new_inputs(self.node)

    def execute(self, *, run_children: bool = True, reraise: bool = False,
                interrupted: Interrupted | None = None) -> ProcessNode:
        """Run until terminal (or, with ``run_children=False``, until waiting on children); returns the node.

        An exception of the process's code is recorded (state ``excepted``, traceback in a Log) and,
        with ``reraise``, raised again to the caller. ``interrupted`` (daemon workers pass it) is asked
        at every safe boundary; when it returns ``"pause"`` or ``"kill"`` the process stops there, its
        checkpoint written, and the node is returned not terminal (the caller carries the request out).
        A kill sent with :func:`.interrupts.request_kill` ends the process (and the processes it runs
        in this thread) ``killed``.
        """
        node = self.node
        if node.is_stored and node.is_terminated:
            return node
        self._interrupted = interrupted
        g = interrupts.guard()
        with g.lock:  # from here on engine bookkeeping: a kill waits for a boundary (see interrupts.py)
            interrupts.withdraw(g)
            depth = len(g.modes)
            if not depth:
                g.kill = None
            g.modes.append(False)
            if g.kill is not None:  # the process whose code launches this one is being killed: do not start
                del g.modes[depth:]
                raise ProcessKilled()
        token = _running.set(self)
        registered: int | None = None
        try:
            if not node.is_stored:
                if node.link_kind == "calculation" and self._from_cache():
                    return node
                node.set_attribute("process_state", ProcessState.RUNNING.value)
                if not self._store_at_end:
                    store_all(with_new_inputs(node))
                else:  # stored when it ends, or as running if it outlives a short delay
                    self._visibility = watch(self)
            elif (node.process_state is ProcessState.CREATED and node.link_kind == "calculation"
                  and self._from_cache()):
                return node
            elif node.process_state is not ProcessState.RUNNING:
                set_state(node, ProcessState.RUNNING)
            if node.is_stored:
                registered = node.stored_pk
                interrupts.register(registered)
            try:
                self._run(run_children=run_children)
            except KeyboardInterrupt:
                self.kill("interrupted by the user (KeyboardInterrupt)")
                raise
            except ProcessKilled:
                interrupts.reset_modes(depth + 1)
                is_target, message = interrupts.handled(node.pk if node.is_stored else None)
                self._killed(message)
                if not is_target:
                    raise  # the process that called this one was killed: it ends too
                if depth:  # killed while its caller's code ran it: the caller sees an error it may handle
                    raise ProcessError(f"{self.process_label()} (pk {node.pk}) was killed: {message}") from None
            except Exception as exc:  # any failure of user code is recorded on the node
                self._exception = exc
                self._except(exc)
                if reraise:
                    raise
        finally:
            if registered is not None:
                interrupts.unregister(registered)
            del g.modes[depth:]
            _running.reset(token)
        if depth and interrupts.back_in_user_code():  # the code that launched this process is being killed
            raise ProcessKilled()
        return node

    def stop_requested(self) -> bool:
        """At a safe boundary: raise :class:`ProcessKilled` if a kill is pending for this thread; ``True`` if
        the caller asked to stop here (a pause or kill request handled by the daemon worker)."""
        interrupts.check()
        interrupted = getattr(self, "_interrupted", None)
        return interrupted is not None and interrupted() is not None

    def _from_cache(self) -> bool:
        from .caching import find_cache_source, is_caching_enabled, store_from_cache

        if not is_caching_enabled(self.node.process_type or ""):
            return False
        source = find_cache_source(self.node)
        if source is None:
            return False
        self._outputs = store_from_cache(self.node, source)
        return True

    def _run(self, *, run_children: bool) -> None:
        raise NotImplementedError

    def child_submitted(self, child: "Process") -> None:
        """Hook: ``child`` was submitted while this process ran (work chains wait for and run it)."""

    # ---- outputs -----------------------------------------------------------------------------------
    def out(self, label: str, value: Any) -> None:
        """Attach an output; a dotted label puts it in an output namespace."""
        label = label.replace(".", "__")
        if self.node.link_kind == "calculation":
            if not isinstance(value, Node):
                value = self._wrap_output(label, value)
            if not self.node.is_stored and any(value is link.node for link in self.node.get_incoming()):
                raise ProcessError(
                    f"{self.process_label()}: output {label!r} is one of its inputs ({value!r}); a calculation creates "
                    "its outputs, so return a new value"
                )
            if value.is_stored:
                raise ProcessError(
                    f"{self.process_label()}: output {label!r} is stored already ({value!r}); a calculation creates "
                    "its outputs, so return a new value (a workflow may return stored data)"
                )
            self._outputs[label] = value
            return
        if not isinstance(value, Node) or not value.is_stored:
            raise ProcessError(
                f"{self.process_label()}: output {label!r} is {value!r}, not stored data; a workflow only returns "
                "data that a calculation created (run a calcfunction to create it)"
            )
        value.add_incoming(self.node, LinkType.RETURN, label)
        self._outputs[label] = value

    def _wrap_output(self, label: str, value: Any) -> Node:
        from ..orm import to_data

        try:
            return to_data(value)
        except ValidationError as exc:
            raise PortValidationError(f"output {label!r} of {self.process_label()}: {exc}") from None

    def _validate_outputs(self) -> None:
        self.spec().outputs.process(unflatten(self._outputs), kind="output", fill_defaults=False)

    @property
    def outputs(self) -> dict[str, Any]:
        return unflatten(self._outputs)

    # ---- reports -----------------------------------------------------------------------------------
    def report(self, message: str, *args: Any) -> None:
        """A line in the process's log (``jprov process report``)."""
        if args:
            message = message % args
        Log(self.node, message, levelname="REPORT", loggername=self.process_label(),
            metadata={"process": self.node.uuid}).store()

    # ---- terminal states ---------------------------------------------------------------------------
    def _settle(self) -> None:
        """The process writes its end: the visibility watcher must not store it any more (see visibility.py)."""
        ticket = self.__dict__.pop("_visibility", None)
        if ticket is not None:
            ticket.settle()

    def _finish(self, exit_code: ExitCode | None = None) -> None:
        self._settle()
        exit_code = exit_code or ExitCode(0)
        if exit_code.status == 0:
            self._validate_outputs()
        node = self.node
        new = [n for n in self._outputs.values() if not n.is_stored]
        for label, value in self._outputs.items():
            if not value.is_stored:
                value.add_incoming(node, LinkType.CREATE, label)
        with current.get_storage().write_turn(), current.get_storage().transaction():
            set_state(node, ProcessState.FINISHED, exit_status=exit_code.status, exit_message=exit_code.message,
                      sealed=True, **cleared_checkpoint(node), **self._terminal_extra())
            if not node.is_stored:
                new = with_new_inputs(node) + new
            if new:
                store_all(new)

    def _terminal_extra(self) -> dict[str, Any]:
        return {}

    def _except(self, exc: BaseException) -> None:
        self._settle()
        node = self.node
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        with current.get_storage().write_turn(), current.get_storage().transaction():
            if not node.is_stored:
                node.discard_pending_links(LinkType.CREATE)
                store_all(with_new_inputs(node))
            set_state(node, ProcessState.EXCEPTED, exception=f"{type(exc).__name__}: {exc}", sealed=True,
                      **cleared_checkpoint(node))
            Log(node, text, levelname="ERROR", loggername=self.process_label(),
                metadata={"process": node.uuid, "exception": type(exc).__name__}).store()

    def kill(self, message: str = "killed") -> None:
        self._settle()
        kill_node(self.node, message)

    def _killed(self, message: str) -> None:
        """A kill interrupted this process while it ran: record it ``killed`` (stored with its inputs, no outputs)."""
        self._settle()
        node = self.node
        if node.is_stored and node.is_terminated:
            return
        with current.get_storage().write_turn(), current.get_storage().transaction():
            if not node.is_stored:
                node.discard_pending_links(LinkType.CREATE)
                store_all(with_new_inputs(node))
            set_state(node, ProcessState.KILLED, process_status=message, sealed=True, **cleared_checkpoint(node))

    # ---- results -----------------------------------------------------------------------------------
    def result(self) -> Any:
        return self.outputs


def _attribute_dict(values: Mapping[str, Any]) -> Any:
    from .checkpoints import AttributeDict

    return AttributeDict({k: _attribute_dict(v) if isinstance(v, Mapping) and not isinstance(v, Node) else v
                          for k, v in values.items()})


def iter_descendants(node: ProcessNode) -> Iterator[tuple[int, ProcessNode]]:
    """(depth, process) for the processes ``node`` called, depth first."""
    stack = [(1, child) for child in reversed(node.called)]
    while stack:
        depth, child = stack.pop()
        yield depth, child
        stack.extend((depth + 1, c) for c in reversed(child.called))
