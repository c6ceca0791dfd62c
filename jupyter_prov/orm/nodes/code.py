"""A code: an executable on a computer, the thing a calc job runs."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, ClassVar

from ..exceptions import NotExistent, ValidationError
from .data import Data


class Code(Data):
    """``executable`` (an absolute path) on ``computer``; its label is unique per computer (``label@computer``)."""

    _type_string: ClassVar[str] = "data.code"
    __slots__ = ()

    def __init__(self, executable: str | None = None, *, computer: Any = None, with_mpi: bool = False,
                 prepend_text: str = "", append_text: str = "", **kwargs: Any):
        super().__init__(computer=computer, **kwargs)
        if executable is not None:
            if not isinstance(executable, str) or not PurePosixPath(executable).is_absolute():
                raise ValidationError(f"Code executable {executable!r} must be an absolute path on the computer")
            self._attributes = {"executable": executable, "with_mpi": bool(with_mpi),
                                "prepend_text": prepend_text, "append_text": append_text}

    @property
    def executable(self) -> str:
        return self._attributes["executable"]

    @property
    def with_mpi(self) -> bool:
        return bool(self._attributes.get("with_mpi", False))

    @property
    def prepend_text(self) -> str:
        return self._attributes.get("prepend_text", "")

    @property
    def append_text(self) -> str:
        return self._attributes.get("append_text", "")

    @property
    def full_label(self) -> str:
        return f"{self.label}@{self.computer.label}"

    @property
    def value(self) -> str:
        return self.executable

    def _validate(self) -> None:
        if "executable" not in self._attributes:
            raise ValidationError(f"{self!r} has no executable")
        if self._computer_id is None:
            raise ValidationError(f"{self!r} needs the computer its executable is on")
        if not self.label:
            raise ValidationError(f"{self!r} needs a label (codes are found as label@computer)")

    @classmethod
    def get(cls, identifier: str | int) -> Code:  # type: ignore[override]  # one identifier, not filters (as Node.get)
        """A stored code by ``label@computer``, label (if unique), pk or UUID."""
        from ..computers import Computer
        from .node import load_node

        if isinstance(identifier, int) or (isinstance(identifier, str) and identifier.isdigit()):
            node = load_node(int(identifier))
            if not isinstance(node, Code):
                raise NotExistent(f"node {identifier} is a {type(node).__name__}, not a code")
            return node
        label, _, computer_label = identifier.partition("@")
        found = [c for c in _all_codes() if c.label == label]
        if computer_label:
            computer = Computer.load(computer_label)
            found = [c for c in found if c._computer_id == computer.pk]
        if not found:
            try:
                node = load_node(uuid=identifier)
            except Exception:  # noqa: BLE001 - not a UUID either
                node = None
            if isinstance(node, Code):
                return node
            raise NotExistent(f"no code {identifier!r} (use `jprov code list`)")
        if len(found) > 1:
            raise NotExistent(f"code label {identifier!r} is ambiguous: use label@computer "
                              f"({', '.join(c.full_label for c in found)})")
        return found[0]


def _all_codes() -> list[Code]:
    from ..querybuilder import QueryBuilder

    return QueryBuilder().append(Code).all(flat=True)
