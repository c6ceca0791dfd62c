"""Ports: the typed, named inputs and outputs of a process, grouped in (possibly dynamic) namespaces.

Validation turns what a caller passed into data nodes (plain Python values are wrapped with
:func:`~jupyter_prov.orm.to_data`), fills in defaults and checks types, required ports and validators.
Every error names the port by its full dotted path, e.g. ``input 'relax.steps'``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

from ..orm import Data, Node, ValidationError, to_data

NAMESPACE_SEPARATOR = "__"  # link labels of ports inside namespaces: "relax__steps"


class PortValidationError(ValidationError):
    """An input or output does not fit its port; the message names the port."""


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _type_names(valid_type: Any) -> str:
    types = valid_type if isinstance(valid_type, tuple) else (valid_type,)
    return " or ".join(t.__name__ for t in types)


def _data_type(valid_type: Any) -> bool:
    """Whether plain values given to a port of this type should be wrapped into data nodes."""
    if valid_type is None:
        return True
    types = valid_type if isinstance(valid_type, tuple) else (valid_type,)
    return any(isinstance(t, type) and issubclass(t, Node) for t in types)


class Port:
    """One named value of a process (an input or an output)."""

    def __init__(self, name: str, *, valid_type: Any = None, required: bool = True, default: Any = UNSET,
                 validator: Callable[[Any], str | None] | None = None, help: str = "", non_db: bool = False):
        if not (name.isidentifier() or name.isdigit()) or NAMESPACE_SEPARATOR in name:
            raise ValueError(f"port name {name!r} must be an identifier without {NAMESPACE_SEPARATOR!r}")
        self.name = name
        self.valid_type = valid_type
        self.default = default
        self.required = required and default is UNSET
        self.validator = validator
        self.help = help
        self.non_db = non_db

    @property
    def has_default(self) -> bool:
        return self.default is not UNSET

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "valid_type": _type_names(self.valid_type) if self.valid_type else "any",
                "required": self.required, "help": self.help}

    def convert(self, value: Any, where: str) -> Any:
        """``value`` as this port takes it: a data node (wrapped if plain) unless the port is non-db."""
        if self.non_db:
            return value
        if not isinstance(value, Node) and _data_type(self.valid_type):
            try:
                value = to_data(value)
            except ValidationError as exc:
                raise PortValidationError(f"{where}: {exc}") from None
        return value

    def validate(self, value: Any, where: str, given: Any = UNSET) -> None:
        if self.valid_type is not None and not isinstance(value, self.valid_type):
            shown = type(value).__name__ if isinstance(value, Node) else repr(value)
            if given is not UNSET and given is not value:
                shown += f" ({given!r})"
            raise PortValidationError(f"{where}: expected {_type_names(self.valid_type)}, got {shown}")
        if not self.non_db and not isinstance(value, Data):
            raise PortValidationError(f"{where}: expected a data node, got {type(value).__name__}")
        if self.validator is not None:
            message = self.validator(value)
            if message:
                raise PortValidationError(f"{where}: {message}")


class PortNamespace(Port):
    """A group of ports. A *dynamic* namespace also takes names it does not declare (of ``valid_type``)."""

    def __init__(self, name: str = "", *, dynamic: bool = False, valid_type: Any = None, required: bool = False,
                 validator: Callable[[Mapping[str, Any]], str | None] | None = None, help: str = ""):
        self.name = name
        self.ports: dict[str, Port] = {}
        self.dynamic = dynamic
        self.valid_type = valid_type
        self.required = required
        self.default = UNSET
        self.validator = validator
        self.help = help
        self.non_db = False

    def __contains__(self, name: str) -> bool:
        return name in self.ports

    def __getitem__(self, name: str) -> Port:
        return self.ports[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ports)

    def add(self, port: Port) -> Port:
        self.ports[port.name] = port
        return port

    def namespace(self, path: str) -> "PortNamespace":
        """The namespace at dotted ``path`` below this one, created if missing."""
        space = self
        for part in path.split("."):
            child = space.ports.get(part)
            if child is None:
                child = space.add(PortNamespace(part))
            if not isinstance(child, PortNamespace):
                raise ValueError(f"{part!r} is a port, not a namespace")  # noqa: TRY004 - a wrong name, not a wrong type
            space = child
        return space

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "dynamic": self.dynamic, "required": self.required, "help": self.help,
                "ports": {name: port.describe() for name, port in self.ports.items()}}

    def _where(self, prefix: str, name: str, kind: str) -> str:
        return f"{kind} {prefix + name!r}"

    def process(self, values: Mapping[str, Any] | None, *, kind: str = "input", prefix: str = "",
                fill_defaults: bool = True) -> dict[str, Any]:
        """Validated values: plain values wrapped, defaults filled in, errors naming the port."""
        if values is None:
            values = {}
        if not isinstance(values, Mapping):
            raise PortValidationError(f"{kind} {prefix.rstrip('.') or 'namespace'!r}: expected a mapping, got {type(values).__name__}")
        result: dict[str, Any] = {}
        for name, value in values.items():
            where = self._where(prefix, name, kind)
            port = self.ports.get(name)
            if port is None:
                if not self.dynamic:
                    known = ", ".join(sorted(self.ports)) or "none"
                    raise PortValidationError(f"unexpected {where} (known: {known})")
                if _holds_nodes(value):
                    sub = PortNamespace(name, dynamic=True, valid_type=self.valid_type)
                    result[name] = sub.process(value, kind=kind, prefix=f"{prefix}{name}.", fill_defaults=fill_defaults)
                    continue
                port = Port(name, valid_type=self.valid_type)
            if isinstance(port, PortNamespace):
                result[name] = port.process(value, kind=kind, prefix=f"{prefix}{name}.", fill_defaults=fill_defaults)
                continue
            if port.valid_type is None and not port.non_db and _holds_nodes(value):
                sub = PortNamespace(name, dynamic=True)
                result[name] = sub.process(value, kind=kind, prefix=f"{prefix}{name}.", fill_defaults=fill_defaults)
                continue
            given = value
            value = port.convert(value, where)
            port.validate(value, where, given)
            result[name] = value
        for name, port in self.ports.items():
            if name in result:
                continue
            where = self._where(prefix, name, kind)
            if isinstance(port, PortNamespace):
                filled = port.process({}, kind=kind, prefix=f"{prefix}{name}.", fill_defaults=fill_defaults)
                if filled or port.required:
                    result[name] = filled
                continue
            if port.has_default and fill_defaults:
                default = port.default() if callable(port.default) and not isinstance(port.default, type) else port.default
                value = port.convert(default, where)
                port.validate(value, where)
                result[name] = value
            elif port.required:
                raise PortValidationError(f"{where} is required but was not given")
        if self.validator is not None:
            message = self.validator(result)
            if message:
                raise PortValidationError(f"{kind} namespace {prefix.rstrip('.') or '(top)'!r}: {message}")
        return result

    def absorb(self, other: "PortNamespace", *, exclude: tuple[str, ...] = (), include: tuple[str, ...] | None = None) -> None:
        """Copy the ports of ``other`` into this namespace (used by ``expose_inputs``)."""
        for name, port in other.ports.items():
            if name in exclude or (include is not None and name not in include):
                continue
            self.ports[name] = port


def _holds_nodes(value: Any) -> bool:
    """A mapping with nodes in it is a namespace of values, not one dict value."""
    return isinstance(value, Mapping) and not isinstance(value, Node) and any(
        isinstance(v, Node) or _holds_nodes(v) for v in value.values())


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested namespaces as flat link labels: ``{"a": {"b": x}}`` → ``{"a__b": x}``."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Mapping) and not isinstance(value, Node):
            flat.update(flatten(value, f"{prefix}{name}{NAMESPACE_SEPARATOR}"))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Link labels back into nested namespaces: ``{"a__b": x}`` → ``{"a": {"b": x}}``."""
    nested: dict[str, Any] = {}
    for label, value in flat.items():
        parts = label.split(NAMESPACE_SEPARATOR)
        space = nested
        for part in parts[:-1]:
            space = space.setdefault(part, {})
        space[parts[-1]] = value
    return nested
