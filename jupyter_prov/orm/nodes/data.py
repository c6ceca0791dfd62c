"""Data nodes: the values that processes read and produce.

The scalar kinds (:class:`Int`, :class:`Float`, :class:`Str`, :class:`Bool`) keep their value in the
attribute ``value``; :class:`Dict` keeps its content as the attributes themselves (so queries reach
``attributes.energy``); :class:`List` keeps ``attributes.list``. :class:`Reference` records a Python
object that has no open format: its type, a short repr and a fingerprint, never the object itself.
"""

from __future__ import annotations

import hashlib
import numbers
from typing import Any, ClassVar, Iterator, Mapping

from ..exceptions import ValidationError
from ..json_values import clean_json, copy_json
from .node import Node
from .registry import registered_node_classes


class Data(Node):
    """Base of data nodes."""

    _type_string: ClassVar[str] = "data"
    link_kind: ClassVar[str] = "data"
    __slots__ = ()

    @property
    def value(self) -> Any:
        """The Python value this datum holds (subclasses say what that is)."""
        raise AttributeError(f"{type(self).__name__} holds no single value")


class BaseType(Data):
    """A datum holding one JSON scalar of a fixed Python type in the attribute ``value``."""

    _python_type: ClassVar[type] = object
    __slots__ = ()

    def __init__(self, value: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._attributes = {"value": self._coerce(value)}

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        raise NotImplementedError

    @property
    def value(self) -> Any:
        return self._attributes.get("value")

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        where = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<{type(self).__name__}: {self.value!r} ({where})>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BaseType):
            return self.value == other.value and (type(self) is type(other) or self._uuid == other._uuid)
        if isinstance(other, Node):
            return False
        return self.value == other

    def __hash__(self) -> int:
        return hash(self._uuid)

    def __lt__(self, other: Any) -> bool:
        return self.value < (other.value if isinstance(other, BaseType) else other)


def _number(cls_name: str, value: Any) -> Any:  # a numbers.Number (typeshed's has no __float__ or __int__)
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise ValidationError(f"{cls_name} needs a number, got {value!r} ({type(value).__name__})")
    return value


class Int(BaseType):
    """An integer."""

    _type_string: ClassVar[str] = "data.int"
    __slots__ = ()

    @classmethod
    def _coerce(cls, value: Any) -> int:
        if value is None:
            return 0
        if type(value) is int:
            return value
        value = _number("Int", value)
        if int(value) != value:
            raise ValidationError(f"Int needs an integral number, got {value!r}")
        return int(value)

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __add__(self, other: Any) -> int:
        return self.value + (other.value if isinstance(other, BaseType) else other)

    __radd__ = __add__

    def __mul__(self, other: Any) -> int:
        return self.value * (other.value if isinstance(other, BaseType) else other)

    __rmul__ = __mul__


class Float(BaseType):
    """A finite floating-point number."""

    _type_string: ClassVar[str] = "data.float"
    __slots__ = ()

    @classmethod
    def _coerce(cls, value: Any) -> float:
        if value is None:
            return 0.0
        return clean_json(float(_number("Float", value)), "Float value")

    def __float__(self) -> float:
        return self.value

    def __add__(self, other: Any) -> float:
        return self.value + (other.value if isinstance(other, BaseType) else other)

    __radd__ = __add__

    def __mul__(self, other: Any) -> float:
        return self.value * (other.value if isinstance(other, BaseType) else other)

    __rmul__ = __mul__


class Str(BaseType):
    """A string."""

    _type_string: ClassVar[str] = "data.str"
    __slots__ = ()

    @classmethod
    def _coerce(cls, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValidationError(f"Str needs a str, got {value!r} ({type(value).__name__})")
        return value


class Bool(BaseType):
    """A boolean."""

    _type_string: ClassVar[str] = "data.bool"
    __slots__ = ()

    @classmethod
    def _coerce(cls, value: Any) -> bool:
        if value is None:
            return False
        if type(value).__name__ == "bool_":  # numpy
            value = bool(value)
        if not isinstance(value, bool):
            raise ValidationError(f"Bool needs True or False, got {value!r} ({type(value).__name__})")
        return value

    def __bool__(self) -> bool:
        return self.value


class Dict(Data):
    """A JSON object; its keys are the node's attributes."""

    _type_string: ClassVar[str] = "data.dict"
    __slots__ = ()

    def __init__(self, value: Mapping[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if value is not None and not isinstance(value, Mapping):
            raise ValidationError(f"Dict needs a mapping, got {type(value).__name__}")
        self._attributes = clean_json(dict(value or {}), "Dict")

    def get_dict(self) -> dict[str, Any]:
        return copy_json(self._attributes)

    @property
    def value(self) -> dict[str, Any]:
        return self.get_dict()

    def __getitem__(self, key: str) -> Any:
        return copy_json(self._attributes[key])

    def __contains__(self, key: str) -> bool:
        return key in self._attributes

    def __iter__(self) -> Iterator[str]:
        return iter(self._attributes)

    def __len__(self) -> int:
        return len(self._attributes)

    def keys(self):
        return self._attributes.keys()

    def items(self):
        return ((key, copy_json(value)) for key, value in self._attributes.items())

    # a Dict reads like a dict (d.get(key)); the class-level Node.get(pk) is load_node / Node.get on the base
    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return copy_json(self._attributes.get(key, default))

    def __setitem__(self, key: str, value: Any) -> None:
        self.set_attribute(key, value)


class List(Data):
    """A JSON array, in the attribute ``list``."""

    _type_string: ClassVar[str] = "data.list"
    __slots__ = ()

    def __init__(self, value: list | tuple | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if value is not None and not isinstance(value, (list, tuple)):
            raise ValidationError(f"List needs a list or tuple, got {type(value).__name__}")
        self._attributes = {"list": clean_json(list(value or []), "List")}

    def get_list(self) -> list:
        return copy_json(self._attributes["list"])

    @property
    def value(self) -> list:
        return self.get_list()

    def __getitem__(self, index: int) -> Any:
        return copy_json(self._attributes["list"][index])

    def __len__(self) -> int:
        return len(self._attributes["list"])

    def __iter__(self):
        return (copy_json(item) for item in self._attributes["list"])

    def append(self, item: Any) -> None:
        self._check_mutable("list")
        self._attributes["list"].append(clean_json(item, "List item"))


class Reference(Data):
    """A Python object recorded by description only: type, a repr excerpt and a fingerprint.

    Used for values that have no open format (open files, models, handles); the object itself is
    never serialised into the store.
    """

    _type_string: ClassVar[str] = "data.reference"
    __slots__ = ()
    REPR_LIMIT: ClassVar[int] = 200

    def __init__(self, obj: Any = None, *, fingerprint: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        kind = type(obj)
        try:
            text = repr(obj)
        except Exception as exc:  # noqa: BLE001 - a broken __repr__ must not break recording
            text = f"<repr failed: {type(exc).__name__}>"
        if fingerprint is None:
            fingerprint = hashlib.sha256(f"{kind.__module__}.{kind.__qualname__}:{text}:{id(obj)}".encode()).hexdigest()
        self._attributes = {
            "python_type": f"{kind.__module__}.{kind.__qualname__}",
            "repr": text[: self.REPR_LIMIT],
            "fingerprint": fingerprint,
        }

    @classmethod
    def of(cls, python_type: str, text: str, fingerprint: str, **kwargs: Any) -> "Reference":
        """A reference from its description alone: the type's dotted name, a repr excerpt, a fingerprint.

        For recorders that described the object already (the notebook's capture, on another thread
        than the one holding the object).
        """
        node = cls(**kwargs)
        node._attributes = {"python_type": python_type, "repr": text, "fingerprint": fingerprint}
        return node

    @property
    def python_type(self) -> str:
        return self._attributes["python_type"]

    @property
    def value(self) -> str:
        return self._attributes["repr"]


def to_data(value: Any) -> Node:
    """Wrap a Python value in the data node that holds it; a node is returned as it is.

    bool → Bool, int → Int, float → Float, str → Str, dict → Dict, list/tuple → List,
    numpy array → Array, pathlib.Path of a file → File. Anything else raises :class:`ValidationError`.
    """
    if isinstance(value, Node):
        return value
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, numbers.Integral):
        return Int(int(value))
    if isinstance(value, numbers.Real):
        return Float(float(value))
    if isinstance(value, str):
        return Str(value)
    if isinstance(value, Mapping):
        return Dict(value)
    if isinstance(value, (list, tuple)):
        return List(value)
    module = type(value).__module__
    if module == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return to_data(value.item())
    # array.py and files.py build on this module: their classes come from the registry, not an import
    if module == "numpy" and type(value).__name__ == "ndarray":
        return registered_node_classes()["data.array"](value)
    import pathlib

    if isinstance(value, pathlib.Path) and value.is_file():
        return registered_node_classes()["data.file"].from_path(value)
    raise ValidationError(
        f"cannot turn a {module}.{type(value).__qualname__} into a data node; pass a node or a JSON-like value"
    )
