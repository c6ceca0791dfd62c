"""Array: named numpy arrays, each stored as an ``.npy`` file (an open format), shapes in attributes."""

from __future__ import annotations

import io
import re
from typing import Any, ClassVar

import numpy as np

from ..exceptions import ValidationError
from .data import Data

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class Array(Data):
    """One or more numpy arrays. ``Array(a)`` stores ``a`` as the array named ``default``."""

    _type_string: ClassVar[str] = "data.array"
    __slots__ = ()
    DEFAULT: ClassVar[str] = "default"

    def __init__(self, array: Any = None, *, arrays: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._attributes = {"arrays": {}}
        if array is not None:
            self.set_array(self.DEFAULT, array)
        for name, value in (arrays or {}).items():
            self.set_array(name, value)

    def set_array(self, name: str, array: Any) -> None:
        self._check_mutable("arrays")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationError(f"array name {name!r} must be letters, digits, '_', '-' or '.'")
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
