"""Work chains: a workflow written as a class with an outline of steps, checkpointed after every step.

A step may call process functions directly (they run at once and are linked to the work chain) or
``self.submit(...)`` processes and return ``ToContext(name=node)`` to wait for them: the work chain
goes ``waiting``, the children run, and their nodes appear in ``self.ctx`` for the next step. After
each step the position in the outline, the context (nodes by UUID, JSON values) and the awaited
children are written as JSON to the node's ``checkpoint`` attribute, so another OS process can
finish the work chain with :func:`jupyter_prov.engine.runner.continue_process`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

from ..orm import ProcessNode, ProcessState, WorkChainNode, load_node
from ..orm.links import CALL_LINKS
from .checkpoints import CHECKPOINT_VERSION, AttributeDict, decode_context, encode_context
from .exit_codes import ExitCode
from .interrupts import user_code
from .kinds import process_class_of
from .outline import Return, after, find_next
from .process import Process, ProcessError
from .queue import submit_queues
from .spec import ProcessSpec
from .states import kill_node, set_state


class _Append:
    def __init__(self, node: ProcessNode):
        self.node = node


def append_(node: ProcessNode) -> _Append:
    """In ``ToContext``: append the finished child to a list in the context instead of assigning it."""
    return _Append(node)


def assign_(node: ProcessNode) -> ProcessNode:
    """In ``ToContext``: assign the finished child to the key (the default)."""
    return node


class ToContext(dict):
    """Returned by a step: wait for these children, then put their nodes in the context under these keys."""


class WorkChain(Process):
    """A workflow with an outline of steps. Define ``define(cls, spec)`` with ``spec.outline(...)``."""

    _node_class: ClassVar[type[ProcessNode]] = WorkChainNode

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)

    def __init__(self, inputs: Mapping[str, Any] | None = None, *, parent: Process | None = None,
                 metadata: Mapping[str, Any] | None = None):
        super().__init__(inputs, parent=parent, metadata=metadata)
        self._init_state()

    def _init_state(self) -> None:
        self.ctx = AttributeDict()
        self._position: list[int] = [0]
        self._awaiting: list[dict[str, Any]] = []
        self._called: list[str] = []
        self._pending: list[Process] = []
        self._resumed = False
        self._run_children = True
        self._orphans: list[ProcessNode] = []

    # ---- checkpoints ------------------------------------------------------------------------------
    def _outline_names(self) -> list[str]:
        block = self.spec().outline_block
        return block.names() if block is not None else []

    def _checkpoint(self) -> dict[str, Any]:
        checkpoint = {"version": CHECKPOINT_VERSION, "position": list(self._position),
                      "context": encode_context(self.ctx), "awaiting": list(self._awaiting), "called": list(self._called),
                      "outline": self._outline_names()}
        non_db = {name: self.inputs[name] for name, port in self.spec().inputs.ports.items()
                  if getattr(port, "non_db", False) and name in self.inputs}
        if non_db:
            checkpoint["non_db_inputs"] = encode_context(non_db)
        return checkpoint

    def _restore(self, checkpoint: Mapping[str, Any]) -> None:
        self._init_state()
        self._resumed = True
        if not checkpoint:
            return
        version = checkpoint.get("version")
        if version != CHECKPOINT_VERSION:
            raise ProcessError(f"{self.node!r}: checkpoint version {version!r} is not readable (this engine reads {CHECKPOINT_VERSION})")
        if checkpoint.get("outline") != self._outline_names():
            raise ProcessError(
                f"{self.node!r}: the outline of {self.process_type()} changed since the checkpoint was written "
                f"({checkpoint.get('outline')} then, {self._outline_names()} now); it cannot be resumed safely"
            )
        self._position = list(checkpoint["position"])
        self.ctx = decode_context(checkpoint.get("context", {}))
        self._awaiting = list(checkpoint.get("awaiting", []))
        self._called = list(checkpoint.get("called", []))
        self.inputs.update(decode_context(checkpoint.get("non_db_inputs", {})))

    # ---- children ---------------------------------------------------------------------------------
    def submit(self, process: Any, *args: Any, **inputs: Any) -> ProcessNode:
        """Store a child process (state ``created``, called by this work chain); return ``ToContext`` to wait for it."""
        from .launch import instantiate, store_and_queue

        instance = instantiate(process, args, inputs, parent=self)
        adopted = self._adopt(instance)
        if adopted is not None:
            return adopted
        # run by a daemon worker: the children go to the daemon's queue (in the same transaction)
        return store_and_queue([instance], queue=not self._run_children)[0]

    def child_submitted(self, child: Process) -> None:
        self._pending.append(child)
        self._called.append(child.node.uuid)

    def to_context(self, **children: Any) -> None:
        """Wait for these children before the next step; their nodes go into ``self.ctx``."""
        for key, value in children.items():
            append = isinstance(value, _Append)
            node = value.node if append else value
            if not isinstance(node, ProcessNode) or not node.is_stored:
                raise ProcessError(f"ToContext({key}=...) needs a stored process node (from self.submit), got {node!r}")
            self._awaiting.append({"key": key, "uuid": node.uuid, "append": append})

    def exposed_inputs(self, process: Any, namespace: str | None = None) -> AttributeDict:
        """The inputs of this work chain that ``spec.expose_inputs(process, namespace)`` took over."""
        klass = process_class_of(process)
        try:
            names = self.spec().exposed[(klass.process_type(), namespace)]
        except KeyError:
            raise ProcessError(f"{self.process_label()} did not expose the inputs of {klass.process_label()} "
                               f"in namespace {namespace!r}") from None
        source = self.inputs.get(namespace, {}) if namespace else self.inputs
        return AttributeDict({name: source[name] for name in names if name in source})

    def exposed_outputs(self, node: ProcessNode, process: Any, namespace: str | None = None) -> AttributeDict:
        """The outputs of the finished child ``node`` that ``process`` declares, nested under ``namespace``."""
        from .ports import unflatten

        declared = process_class_of(process).spec().outputs
        outputs = unflatten({t.link_label: t.node for t in node.get_outgoing(("create", "return"))})
        picked = AttributeDict({k: v for k, v in outputs.items() if declared.dynamic or k in declared.ports})
        return AttributeDict({namespace: picked}) if namespace else picked

    def out_many(self, values: Mapping[str, Any]) -> None:
        """Attach several outputs at once (nested mappings are output namespaces)."""
        from .ports import flatten

        for label, value in flatten(values).items():
            self.out(label, value)

    # ---- running ----------------------------------------------------------------------------------
    def _run(self, *, run_children: bool) -> None:
        self._run_children = run_children
        outline = self.spec().outline_block
        if outline is None:
            raise ProcessError(f"{self.process_label()} has no outline; call spec.outline(...) in define()")
        if self._resumed:
            self._find_orphans()
        while True:
            if self.stop_requested():  # a pause or kill: stop at this boundary, the checkpoint is written
                return
            if self._pending or self._awaiting:
                if not self._settle_children(run_children):
                    return
            found = find_next(outline, self._position, self)
            if found is None:
                self._finish()
                return
            instruction, position = found
            if isinstance(instruction, Return):
                self._finish(instruction.exit_code)
                return
            with user_code():
                result = instruction.func(self)
            self._position = after(position)
            if isinstance(result, ExitCode) and result.status != 0:
                self._drop_orphans()
                self._finish(result)
                return
            if isinstance(result, Mapping):
                self.to_context(**result)
            state = ProcessState.WAITING if self._awaiting else ProcessState.RUNNING
            set_state(self.node, state, checkpoint=self._checkpoint())
            self._drop_orphans()

    def _settle_children(self, run_children: bool) -> bool:
        """Run children submitted here (foreground); put awaited ones in the context. ``False``: still waiting."""
        if run_children:
            pending, self._pending = self._pending, []
            for child in pending:
                child.execute(run_children=True)
        else:
            self._pending = []
        awaited = [load_node(uuid=entry["uuid"]) for entry in self._awaiting]
        if run_children:
            from .runner import continue_process

            awaited = [n if n.is_terminated else continue_process(n.pk) for n in awaited]
        if not all(n.is_terminated for n in awaited):
            if self.node.process_state is not ProcessState.WAITING:
                set_state(self.node, ProcessState.WAITING, checkpoint=self._checkpoint())
            return False
        for entry, node in zip(self._awaiting, awaited):
            if entry["append"]:
                self.ctx.setdefault(entry["key"], []).append(node)
            else:
                self.ctx[entry["key"]] = node
        self._awaiting = []
        if self.node.process_state is not ProcessState.RUNNING:
            set_state(self.node, ProcessState.RUNNING, checkpoint=self._checkpoint())
        return True

    def _find_orphans(self) -> None:
        """Children stored by a step whose checkpoint was never written (its worker died in the step).

        The step runs again; the children it submits again are adopted (:meth:`_adopt`), the others are
        killed once it has run (:meth:`_drop_orphans`). A child may be running in another worker or be
        finished already: adopting it neither kills nor duplicates it.
        """
        known = set(self._called)
        self._orphans = sorted((child for child in self.node.called if child.uuid not in known),
                               key=lambda n: n.stored_pk)

    def _adopt(self, instance: Process) -> ProcessNode | None:
        """The orphan that is the same submission as ``instance`` (process, inputs, call label), if any."""
        if not self._orphans:
            return None
        node = instance.node
        node.set_attribute("process_state", ProcessState.CREATED.value)
        checkpoint = instance._checkpoint()
        if checkpoint is not None:
            node.set_attribute("checkpoint", checkpoint)
        identity = node.compute_hash()
        label = instance.metadata.get("call_link_label", "CALL")
        for orphan in self._orphans:
            if orphan.node_hash != identity or orphan.process_state in (ProcessState.EXCEPTED, ProcessState.KILLED):
                continue
            if not any(t.node.pk == self.node.pk and t.link_label == label for t in orphan.get_incoming(CALL_LINKS)):
                continue
            self._orphans.remove(orphan)
            self._called.append(orphan.uuid)
            return orphan
        return None

    def _drop_orphans(self) -> None:
        """After the step ran again (its checkpoint written): kill the orphans it did not submit again."""
        orphans, self._orphans = self._orphans, []
        alive = [orphan for orphan in orphans if not load_node(orphan.pk).is_terminated]
        if not alive:
            return
        message = f"orphaned: work chain {self.node.pk} was resumed and its step did not submit this process again"
        # a daemon worker: a submitted orphan is in the submit queue and may run elsewhere; only its runner may end it
        queues = submit_queues() if not self._run_children else []
        held = [(queue, queue.holds([orphan.stored_pk for orphan in alive])) for queue in queues]
        queued = {pk for _queue, pks in held for pk in pks}
        for orphan in alive:
            if orphan.pk not in queued:  # not queued: nobody runs it (e.g. called inline by the crashed step)
                kill_node(load_node(orphan.pk), message)
        for queue, pks in held:
            if pks:
                queue.kill(pks, message)

    def _finish(self, exit_code: ExitCode | None = None) -> None:
        if exit_code is None and self._pending and self._run_children:
            self._settle_children(True)
        super()._finish(exit_code)


__all__ = ["WorkChain", "ToContext", "append_", "assign_"]
