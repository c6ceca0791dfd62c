"""aiida-core's codes (``InstalledCode``, aiida-shell's ``ShellCode``, the legacy ``Code``) as runnable codes.

An AiiDA code imported from an archive keeps its type string and attributes exactly (so it exports back
unchanged), and is a :class:`~.code.Code` here: ``executable`` is aiida-core's ``filepath_executable``
(``remote_exec_path`` for the legacy ``Code``), so calc jobs and shell jobs run it on its computer like
one of ours, ``jprov code list`` shows it, and ``Code.get("bash@tutorial-localhost")`` finds it.

Not runnable here, and so left as plain data with every attribute and file intact: ``PortableCode`` (its
executable is a file of the node, uploaded by aiida-core's engine) and ``ContainerizedCode`` (run through
a container engine command). A legacy ``Code`` with ``is_local`` is a portable one.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, ClassVar

from ..exceptions import ValidationError
from .code import Code


class InstalledCode(Code):
    """An executable installed on a computer (aiida-core ``core.code.installed``)."""

    _type_string: ClassVar[str] = "data.core.code.installed.InstalledCode."
    _path_attribute: ClassVar[str] = "filepath_executable"
    __slots__ = ()

    def __init__(self, filepath_executable: str | None = None, *, computer: Any = None,
                 default_calc_job_plugin: str | None = None, with_mpi: bool | None = None,
                 prepend_text: str = "", append_text: str = "", use_double_quotes: bool = False,
                 **kwargs: Any):
        super().__init__(computer=computer, **kwargs)
        if filepath_executable is not None:
            if not isinstance(filepath_executable, str) or not PurePosixPath(filepath_executable).is_absolute():
                raise ValidationError(f"{type(self).__name__} filepath_executable {filepath_executable!r} must be "
                                      "an absolute path on the computer")
            self._attributes = {"filepath_executable": filepath_executable, "input_plugin": default_calc_job_plugin,
                                "prepend_text": prepend_text, "append_text": append_text,
                                "use_double_quotes": bool(use_double_quotes), "with_mpi": with_mpi,
                                "wrap_cmdline_params": False}

    @property
    def executable(self) -> str:
        try:
            return self._attributes[self._path_attribute]
        except KeyError:
            raise ValidationError(f"{self!r} has no {self._path_attribute} attribute") from None

    @property
    def filepath_executable(self) -> str:
        return self.executable

    @property
    def default_calc_job_plugin(self) -> str | None:
        return self._attributes.get("input_plugin")

    @property
    def with_mpi(self) -> bool:
        return bool(self._attributes.get("with_mpi") or False)

    def _validate(self) -> None:
        if self._path_attribute not in self._attributes:
            raise ValidationError(f"{self!r} has no {self._path_attribute}")
        if self._computer_id is None:
            raise ValidationError(f"{self!r} needs the computer its executable is on")
        if not self.label:
            raise ValidationError(f"{self!r} needs a label (codes are found as label@computer)")


class ShellCode(InstalledCode):
    """aiida-shell's code for a shell command (``core.code.installed.shell``)."""

    _type_string: ClassVar[str] = "data.core.code.installed.shell.ShellCode."
    __slots__ = ()


class LegacyCode(InstalledCode):
    """aiida-core's deprecated ``Code`` (``data.core.code.Code.``): ``remote_exec_path`` on a computer."""

    _type_string: ClassVar[str] = "data.core.code.Code."
    _path_attribute: ClassVar[str] = "remote_exec_path"
    __slots__ = ()

    @property
    def executable(self) -> str:
        if self._attributes.get("is_local"):
            raise ValidationError(f"{self!r} is a local (portable) AiiDA code: its executable is a file of the "
                                  "node, which only aiida-core's engine uploads")
        return super().executable
