"""Process functions: ``@calcfunction`` (creates data) and ``@workfunction`` (orchestrates, returns stored data).

Calling a decorated function runs it as a process: arguments become input nodes (plain values are
wrapped with ``to_data``, defaults too), the function receives the nodes, and what it returns becomes
its outputs (a mapping gives one output per key; anything else the output ``result``). The function's
source code, module and version are recorded on the node, and enter its hash (the cache identity).
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, ClassVar, Mapping

from ..orm import CalcFunctionNode, Node, ProcessNode, WorkFunctionNode
from .exit_codes import ExitCode
from .interrupts import user_code
from .kinds import code_versions, source_hash, source_of
from .ports import UNSET, Port, PortNamespace, flatten
from .process import Process, ProcessError
from .spec import ProcessSpec


class FunctionProcess(Process):
    """The process of one decorated function (a class is made per function)."""

    _func: ClassVar[Callable[..., Any]]
    _signature: ClassVar[inspect.Signature]
    #: the name of the function's **kwargs parameter, if it has one
    var_keyword: ClassVar[str | None] = None
    _list_arguments: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        for name, param in cls._signature.parameters.items():
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                spec.inputs.add(PortNamespace(name, dynamic=True))
            else:
                default = UNSET if param.default is inspect.Parameter.empty else param.default
                spec.inputs.add(Port(name, default=default))
        spec.outputs.dynamic = True

    @classmethod
    def process_type(cls) -> str:
        return f"{cls._func.__module__}:{cls._func.__qualname__}"

    @classmethod
    def process_label(cls) -> str:
        return cls._func.__name__

    @classmethod
    def identity_attributes(cls) -> dict[str, Any]:
        cached = cls.__dict__.get("_identity_cache")
        if cached is None:
            func = cls._func
            source = source_of(func)
            code = getattr(func, "__code__", None)
            cached = {
                "function_name": func.__name__,
                "function_module": func.__module__,
                "source_code": source,
                "source_hash": source_hash(source),
                "source_file": code.co_filename if code else None,
                "source_line": code.co_firstlineno if code else None,
                "version": code_versions(func.__module__),
            }
            cls._identity_cache = cached
        return cached

    @classmethod
    def bind(cls, args: tuple, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs of a call: arguments by parameter name, containers of nodes as namespaces."""
        try:
            bound = cls._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{cls._func.__name__}(): {exc}") from None
        inputs: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            if name == cls.var_keyword:
                inputs[name] = dict(value)
            elif isinstance(value, (list, tuple)) and any(isinstance(v, Node) for v in value):
                inputs[name] = {str(i): v for i, v in enumerate(value)}
            else:
                inputs[name] = value
        return inputs

    def _call_arguments(self) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, param in self._signature.parameters.items():
            if name not in self.inputs:
                continue
            value = self.inputs[name]
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                kwargs.update(value)
                continue
            if isinstance(value, Mapping) and not isinstance(value, Node) and value and all(k.isdigit() for k in value):
                value = [value[k] for k in sorted(value, key=int)]
            if param.kind is inspect.Parameter.POSITIONAL_ONLY:
                args.append(value)
            else:
                kwargs[name] = value
        return args, kwargs

    def _run(self, *, run_children: bool) -> None:
        args, kwargs = self._call_arguments()
        with user_code():
            result = self._func(*args, **kwargs)
        if isinstance(result, ExitCode):
            self._finish(result)
            return
        if result is not None:
            if isinstance(result, Mapping) and not isinstance(result, Node):
                for label, value in flatten(result).items():
                    self.out(label, value)
            else:
                self.out("result", result)
        self._finish()

    def result(self) -> Any:
        outputs = self.outputs
        if set(outputs) == {"result"}:
            return outputs["result"]
        return outputs or None


class ProcessFunction:
    """What ``@calcfunction``/``@workfunction`` return: call it to run the function as a process."""

    def __init__(self, func: Callable[..., Any], node_class: type[ProcessNode], kind: str):
        signature = inspect.signature(func)
        for param in signature.parameters.values():
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                raise TypeError(f"@{kind} {func.__qualname__}: *{param.name} is not supported; use a list argument")
        var_keyword = next((p.name for p in signature.parameters.values()
                            if p.kind is inspect.Parameter.VAR_KEYWORD), None)
        self.process_class: type[FunctionProcess] = type(
            f"{func.__name__}_process", (FunctionProcess,),
            {"_func": staticmethod(func), "_signature": signature, "var_keyword": var_keyword,
             "_node_class": node_class, "_store_at_end": node_class.link_kind == "calculation", "__module__": func.__module__, "__qualname__": f"{func.__qualname__}.process_class"},
        )
        self.kind = kind
        self.func = func
        functools.update_wrapper(self, func)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result, _node = self.run_get_node(*args, **kwargs)
        return result

    def run_get_node(self, *args: Any, **kwargs: Any) -> tuple[Any, ProcessNode]:
        from .launch import _run_process, instantiate

        return _run_process(instantiate(self, args, kwargs))

    def run_get_pk(self, *args: Any, **kwargs: Any) -> tuple[Any, int]:
        result, node = self.run_get_node(*args, **kwargs)
        return result, node.stored_pk

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        return functools.partial(self.__call__, instance)

    def __repr__(self) -> str:
        return f"<@{self.kind} {self.func.__module__}.{self.func.__qualname__}>"


def calcfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Run ``func`` as a calculation: its inputs and the new data it returns are recorded and linked."""
    return ProcessFunction(func, CalcFunctionNode, "calcfunction")


def workfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Run ``func`` as a workflow: the processes it calls are linked to it; it returns data they created."""
    return ProcessFunction(func, WorkFunctionNode, "workfunction")


__all__ = ["calcfunction", "workfunction", "ProcessFunction", "FunctionProcess", "ProcessError"]
