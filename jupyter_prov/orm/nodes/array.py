"""Array: named numpy arrays, each stored as an ``.npy`` file (an open format), shapes in attributes."""

from __future__ import annotations

import io
import os
import re
from typing import Any, ClassVar

import numpy as np

from ..exceptions import ValidationError
from .data import Data

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
DEFAULT_NAME = "default"


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValidationError(f"array name {name!r} must be letters, digits, '_', '-' or '.'")


class Array(Data):
    """One or more numpy arrays. ``Array(a)`` stores ``a`` as the array named ``default``."""

    _type_string: ClassVar[str] = "data.array"
    __slots__ = ()
    DEFAULT: ClassVar[str] = DEFAULT_NAME

    def __init__(self, array: Any = None, *, arrays: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._attributes = {"arrays": {}}
        if array is not None:
            self.set_array(self.DEFAULT, array)
        for name, value in (arrays or {}).items():
            self.set_array(name, value)

    @classmethod
    def from_numpy(cls, array: Any, *, key: str | None = None, npy_file: str | os.PathLike | None = None,
                   name: str = DEFAULT_NAME, **kwargs: Any) -> "Array":
        """An array node holding ``array`` as ``name`` (default ``default``).

        ``key``: the repository key (SHA-256) of the array's ``.npy`` bytes, when the caller wrote them
        already or writes them with the batch before storing (the notebook's capture streams large arrays
        and packs small ones); the node then only records the key, shape and dtype. ``npy_file``: a local
        file holding those bytes (copied into the repository here). Without either, the bytes are
        written like :meth:`set_array` does.
        """
        node = cls(**kwargs)
        if key is None and npy_file is None:
            node.set_array(name, array)
            return node
        _check_name(name)
        if npy_file is not None:
            node.put_file(f"{name}.npy", npy_file)
        else:
            node._files[f"{name}.npy"] = key
        node._attributes["arrays"][name] = {"shape": list(array.shape), "dtype": array.dtype.str}
        return node

    def set_array(self, name: str, array: Any) -> None:
        self._check_mutable("arrays")
        _check_name(name)
        array = np.asarray(array)
        if array.dtype == object:
            raise ValidationError(f"array {name!r}: object arrays cannot be stored (they would need pickling)")
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        buffer.seek(0)
        self.put_file(f"{name}.npy", buffer)
        self._attributes["arrays"][name] = {"shape": list(array.shape), "dtype": array.dtype.str}

    def get_array(self, name: str | None = None) -> np.ndarray:
        name = name or self.DEFAULT
        if name not in self._attributes["arrays"]:
            raise KeyError(f"{self!r} has no array {name!r} (it has: {', '.join(self.array_names) or 'none'})")
        with self.open(f"{name}.npy", "rb") as handle:
            return np.load(handle, allow_pickle=False)

    @property
    def array_names(self) -> list[str]:
        return sorted(self._attributes["arrays"])

    def get_shape(self, name: str | None = None) -> tuple[int, ...]:
        return tuple(self._attributes["arrays"][name or self.DEFAULT]["shape"])

    @property
    def value(self) -> np.ndarray:
        return self.get_array()
