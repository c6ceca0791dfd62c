"""Checkpoints: the state of a running work chain as JSON data (never pickles, never code).

A context value is encoded as: JSON scalars as they are; a list as a list of encoded values; a
dict as ``{"__dict__": {key: encoded}}``; a node as ``{"__node__": uuid}``. Anything else cannot be
put in the context of a resumable process and is refused with the key that held it. The full
format is written down in ``docs/reference/checkpoints.md``.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..orm import Node, ValidationError, load_node

CHECKPOINT_VERSION = 1


class AttributeDict(dict):
    """The context of a work chain: a dict whose keys are also attributes (``self.ctx.energy``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"the context has no {key!r} (it has: {', '.join(sorted(self)) or 'nothing'})") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __delattr__(self, key: str) -> None:
        try:
            del self[key]
        except KeyError:
            raise AttributeError(key) from None


def encode_value(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(f"{where} is {value!r}; checkpoints hold finite numbers only")
        return value
    if isinstance(value, Node):
        if not value.is_stored:
            raise ValidationError(f"{where} is an unstored {type(value).__name__}; store it before the step ends "
                                  "(the checkpoint refers to nodes by UUID)")
        return {"__node__": value.uuid}
    if isinstance(value, (list, tuple)):
        return [encode_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise ValidationError(f"{where} has the key {key!r}; checkpointed dicts need string keys")
        return {"__dict__": {k: encode_value(v, f"{where}[{k!r}]") for k, v in value.items()}}
    raise ValidationError(
        f"{where} holds a {type(value).__module__}.{type(value).__qualname__}; the context of a work chain holds "
        "nodes and JSON values only (it is checkpointed as JSON), so wrap it in a data node"
    )


def decode_value(value: Any, nodes: dict[str, Node] | None = None) -> Any:
    if isinstance(value, list):
        return [decode_value(v, nodes) for v in value]
    if isinstance(value, dict):
        if "__node__" in value:
            uuid = value["__node__"]
            if nodes is not None and uuid in nodes:
                return nodes[uuid]
            return load_node(uuid=uuid)
        return AttributeDict({k: decode_value(v, nodes) for k, v in value["__dict__"].items()})
    return value


def encode_context(ctx: Mapping[str, Any]) -> dict[str, Any]:
    return {key: encode_value(value, f"ctx.{key}") for key, value in ctx.items()}


def decode_context(data: Mapping[str, Any]) -> AttributeDict:
    return AttributeDict({key: decode_value(value) for key, value in data.items()})
