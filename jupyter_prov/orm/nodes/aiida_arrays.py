"""AiiDA's array data kinds (``ArrayData``, ``XyData``, ``KpointsData``), read and written as aiida-core does.

A node imported from an AiiDA archive keeps its AiiDA type string (``data.core.array.ArrayData.``), so
exporting it again gives aiida-core exactly what it wrote. These classes give such nodes the behaviour an
AiiDA user reaches for (``get_array``, ``get_arraynames``, ``get_x``/``get_y``, ``get_kpoints_mesh``) on
aiida-core's own layout: each array is a repository file ``<name>.npy`` and its shape the attribute
``array|<name>`` (aiida-core 2.x ``ArrayData.set_array``). New ones can be made here too and are read by
aiida-core unchanged. Our own :class:`~.array.Array` (shapes *and* dtypes under ``arrays``) stays the
native kind; it exports as ``ArrayData`` and comes back as ``Array``.

Arrays are read with ``allow_pickle=False``: an archive's ``.npy`` file is data, never code.
"""

from __future__ import annotations

import io
import re
from typing import Any, ClassVar, Sequence

import numpy as np

from ..exceptions import ValidationError
from .data import Data

_PREFIX = "array|"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class ArrayData(Data):
    """aiida-core's ``ArrayData``: named numpy arrays, shapes in ``array|<name>`` attributes."""

    _type_string: ClassVar[str] = "data.core.array.ArrayData."
    __slots__ = ()

    def __init__(self, arrays: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        for name, value in (arrays or {}).items():
            self.set_array(name, value)

    def set_array(self, name: str, array: Any) -> None:
        """Store ``array`` as ``<name>.npy`` (numpy's open format; object arrays are refused)."""
        self._check_mutable("arrays")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValidationError(f"array name {name!r} must be letters, digits, '_', '-' or '.'")
        array = np.asarray(array)
        if array.dtype == object:
            raise ValidationError(f"array {name!r}: object arrays cannot be stored (they would need pickling)")
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        buffer.seek(0)
        self.put_file(f"{name}.npy", buffer)
        self._attributes[f"{_PREFIX}{name}"] = list(array.shape)

    def get_arraynames(self) -> list[str]:
        """The names of the arrays (aiida-core's spelling)."""
        return sorted(key[len(_PREFIX):] for key in self._attributes if key.startswith(_PREFIX))

    @property
    def array_names(self) -> list[str]:
        return self.get_arraynames()

    def get_shape(self, name: str) -> tuple[int, ...]:
        return tuple(self._attributes[f"{_PREFIX}{self._known(name)}"])

    def get_array(self, name: str | None = None) -> np.ndarray:
        """The array ``name`` (the only one when there is one and no name is given)."""
        if name is None:
            names = self.get_arraynames()
            if len(names) != 1:
                raise KeyError(f"{self!r} holds {len(names)} arrays ({', '.join(names) or 'none'}): name one")
            name = names[0]
        with self.open(f"{self._known(name)}.npy", "rb") as handle:
            return np.load(handle, allow_pickle=False)

    def get_iterarrays(self) -> list[tuple[str, np.ndarray]]:
        return [(name, self.get_array(name)) for name in self.get_arraynames()]

    @property
    def value(self) -> dict[str, np.ndarray]:
        return dict(self.get_iterarrays())

    def _known(self, name: str) -> str:
        if f"{_PREFIX}{name}" not in self._attributes:
            raise KeyError(f"{self!r} has no array {name!r} (it has: {', '.join(self.get_arraynames()) or 'none'})")
        return name


class XyData(ArrayData):
    """aiida-core's ``XyData``: one x array and any number of y arrays, each with a name and units."""

    _type_string: ClassVar[str] = "data.core.array.xy.XyData."
    __slots__ = ()

    def set_x(self, array: Any, name: str, units: str) -> None:
        self.set_array("x_array", array)
        self._attributes.update({"x_name": name, "x_units": units})

    def set_y(self, arrays: Sequence[Any], names: Sequence[str], units: Sequence[str]) -> None:
        if not len(arrays) == len(names) == len(units):
            raise ValidationError("set_y needs as many names and units as arrays")
        x_shape = self._attributes.get(f"{_PREFIX}x_array")
        for index, array in enumerate(arrays):
            array = np.asarray(array)
            if x_shape is not None and list(array.shape) != list(x_shape):
                raise ValidationError(f"y array {names[index]!r} has shape {array.shape}, x has {tuple(x_shape)}")
            self.set_array(f"y_array_{index}", array)
        self._attributes.update({"y_names": list(names), "y_units": list(units)})

    def get_x(self) -> tuple[str, np.ndarray, str]:
        """``(name, array, units)`` of x."""
        return self._attributes.get("x_name", ""), self.get_array("x_array"), self._attributes.get("x_units", "")

    def get_y(self) -> list[tuple[str, np.ndarray, str]]:
        """``(name, array, units)`` of each y, in order."""
        names = self._attributes.get("y_names", [])
        units = self._attributes.get("y_units", [])
        return [(names[i], self.get_array(f"y_array_{i}"), units[i]) for i in range(len(names))]


class KpointsData(ArrayData):
    """aiida-core's ``KpointsData``: a mesh (``mesh``/``offset`` attributes) or an explicit list of points."""

    _type_string: ClassVar[str] = "data.core.array.kpoints.KpointsData."
    __slots__ = ()

    def set_kpoints_mesh(self, mesh: Sequence[int], offset: Sequence[float] = (0.0, 0.0, 0.0)) -> None:
        self._check_mutable("mesh")
        if len(mesh) != 3 or any(not isinstance(m, int) or isinstance(m, bool) or m < 1 for m in mesh):
            raise ValidationError(f"a k-point mesh is three positive integers, got {list(mesh)!r}")
        if len(offset) != 3:
            raise ValidationError(f"a k-point mesh offset is three numbers, got {list(offset)!r}")
        self._attributes.update({"mesh": list(mesh), "offset": [float(o) for o in offset]})

    def get_kpoints_mesh(self) -> tuple[list[int], list[float]]:
        """``(mesh, offset)``; KeyError when the points were given as a list."""
        if "mesh" not in self._attributes:
            raise KeyError(f"{self!r} holds an explicit list of k-points, not a mesh (use get_kpoints)")
        return list(self._attributes["mesh"]), list(self._attributes.get("offset", [0.0, 0.0, 0.0]))

    def set_kpoints(self, kpoints: Any, weights: Any = None) -> None:
        self.set_array("kpoints", kpoints)
        if weights is not None:
            self.set_array("weights", weights)

    def get_kpoints(self, also_weights: bool = False) -> Any:
        points = self.get_array("kpoints")
        return (points, self.get_array("weights")) if also_weights else points

    @property
    def cell(self) -> list[list[float]] | None:
        return self._attributes.get("cell")

    @property
    def pbc(self) -> tuple[bool, bool, bool]:
        get = self._attributes.get
        return bool(get("pbc1", True)), bool(get("pbc2", True)), bool(get("pbc3", True))
