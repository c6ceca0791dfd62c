"""The specification of a process class: its input and output ports, exit codes and (work chains) outline."""

from __future__ import annotations

from typing import Any, Callable

from .exit_codes import ExitCode, ExitCodes
from .kinds import process_class_of
from .ports import UNSET, Port, PortNamespace


class ProcessSpec:
    """What a process takes, gives and may exit with; filled by the class's ``define(spec)``."""

    def __init__(self) -> None:
        self.inputs = PortNamespace()
        self.outputs = PortNamespace()
        self.exit_codes = ExitCodes()
        self.outline_block: Any = None
        self.exposed: dict[tuple[str, str | None], list[str]] = {}

    # ---- ports ---------------------------------------------------------------------------------
    @staticmethod
    def _split(name: str, root: PortNamespace) -> tuple[PortNamespace, str]:
        if "." in name:
            path, _, leaf = name.rpartition(".")
            return root.namespace(path), leaf
        return root, name

    def input(self, name: str, *, valid_type: Any = None, default: Any = UNSET, required: bool = True,
              validator: Callable[[Any], str | None] | None = None, help: str = "", non_db: bool = False) -> Port:
        """Declare an input port; a dotted ``name`` puts it in a namespace (``"relax.steps"``)."""
        space, leaf = self._split(name, self.inputs)
        return space.add(Port(leaf, valid_type=valid_type, default=default, required=required,
                              validator=validator, help=help, non_db=non_db))

    def output(self, name: str, *, valid_type: Any = None, required: bool = True, help: str = "") -> Port:
        """Declare an output port (required outputs must exist when the process finishes with status 0)."""
        space, leaf = self._split(name, self.outputs)
        return space.add(Port(leaf, valid_type=valid_type, required=required, help=help))

    def input_namespace(self, name: str, *, dynamic: bool = False, valid_type: Any = None, required: bool = False,
                        validator: Callable[[Any], str | None] | None = None, help: str = "") -> PortNamespace:
        space = self.inputs.namespace(name)
        space.dynamic, space.valid_type, space.required = dynamic, valid_type, required
        space.validator, space.help = validator, help
        return space

    def output_namespace(self, name: str, *, dynamic: bool = False, valid_type: Any = None, required: bool = False,
                         help: str = "") -> PortNamespace:
        space = self.outputs.namespace(name)
        space.dynamic, space.valid_type, space.required, space.help = dynamic, valid_type, required, help
        return space

    def inputs_validator(self, validator: Callable[[dict[str, Any]], str | None]) -> None:
        """A check across all inputs: returns an error message or ``None``."""
        self.inputs.validator = validator

    # ---- exit codes ------------------------------------------------------------------------------
    def exit_code(self, status: int, label: str, message: str, *, invalidates_cache: bool = False) -> ExitCode:
        if not isinstance(status, int) or status < 0:
            raise ValueError(f"exit code {label!r}: the status must be a non-negative integer, got {status!r}")
        code = ExitCode(status, message, label, invalidates_cache)
        self.exit_codes.add(code)
        return code

    # ---- work chains -----------------------------------------------------------------------------
    def outline(self, *instructions: Any) -> None:
        from .outline import Block

        self.outline_block = Block(instructions)

    # ---- exposing another process's ports ---------------------------------------------------------
    def expose_inputs(self, process: Any, namespace: str | None = None, *, exclude: tuple[str, ...] = (),
                      include: tuple[str, ...] | None = None) -> None:
        """Take over the inputs of ``process`` (a process class or process function), in ``namespace``."""
        source = process_class_of(process).spec().inputs
        target = self.inputs.namespace(namespace) if namespace else self.inputs
        names = [n for n in source.ports if n not in exclude and (include is None or n in include)]
        target.absorb(source, exclude=exclude, include=include)
        self.exposed[(process_class_of(process).process_type(), namespace)] = names

    def expose_outputs(self, process: Any, namespace: str | None = None, *, exclude: tuple[str, ...] = ()) -> None:
        source = process_class_of(process).spec().outputs
        target = self.outputs.namespace(namespace) if namespace else self.outputs
        target.absorb(source, exclude=exclude)
