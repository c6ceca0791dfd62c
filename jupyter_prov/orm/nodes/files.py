"""File-like data: a single file, a folder of files, and a folder on a remote computer."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, ClassVar

from ..exceptions import ValidationError
from .data import Data


class File(Data):
    """Exactly one file; its name is in the attribute ``filename``."""

    _type_string: ClassVar[str] = "data.file"
    __slots__ = ()

    def __init__(self, content: bytes | str | BinaryIO | None = None, *, filename: str = "file.txt", **kwargs: Any):
        super().__init__(**kwargs)
        if "/" in filename or filename in ("", ".", ".."):
            raise ValidationError(f"File name {filename!r} must be a plain file name")
        self._attributes = {"filename": filename}
        if content is not None:
            self.set_content(content)

    @classmethod
    def from_path(cls, path: str | os.PathLike, *, filename: str | None = None, **kwargs: Any) -> "File":
        path = Path(path)
        if not path.is_file():
            raise ValidationError(f"File.from_path: {str(path)!r} is not a file")
        node = cls(filename=filename or path.name, **kwargs)
        node.put_file(node.filename, path)
        return node

    def set_content(self, content: bytes | str | BinaryIO) -> None:
        self._check_mutable("file")
        if isinstance(content, str):
            content = content.encode("utf-8")
        self._files = {}
        self.put_file(self.filename, content)

    @property
    def filename(self) -> str:
        return self._attributes["filename"]

    def get_content(self, mode: str = "r") -> str | bytes:
        """The content as text (``mode="r"``) or bytes (``"rb"``)."""
        content = self.get_file(self.filename)
        return content.decode("utf-8") if mode == "r" else content

    @property
    def value(self) -> bytes:
        return self.get_file(self.filename)

    def _validate(self) -> None:
        if self.filename not in self._files:
            raise ValidationError(f"{self!r} has no content; give it bytes, text, a stream or use File.from_path")


class Folder(Data):
    """A tree of files."""

    _type_string: ClassVar[str] = "data.folder"
    __slots__ = ()

    @classmethod
    def from_path(cls, path: str | os.PathLike, **kwargs: Any) -> "Folder":
        node = cls(**kwargs)
        node.put_folder(path)
        return node


class RemoteFolder(Data):
    """A folder on a computer (for example a job's working directory); only its path is recorded."""

    _type_string: ClassVar[str] = "data.remote_folder"
    __slots__ = ()

    def __init__(self, remote_path: str | None = None, *, computer: Any = None, **kwargs: Any):
        super().__init__(computer=computer, **kwargs)
        if remote_path is not None:
            if not isinstance(remote_path, str) or not PurePosixPath(remote_path).is_absolute():
                raise ValidationError(f"RemoteFolder path {remote_path!r} must be an absolute path")
            self._attributes = {"remote_path": remote_path}

    @property
    def remote_path(self) -> str:
        return self._attributes["remote_path"]

    @property
    def value(self) -> str:
        return self.remote_path

    def _validate(self) -> None:
        if "remote_path" not in self._attributes:
            raise ValidationError(f"{self!r} has no remote path")
        if self._computer_id is None:
            raise ValidationError(f"{self!r} needs the computer its folder is on")
