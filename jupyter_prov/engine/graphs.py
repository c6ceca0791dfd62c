"""Graph workflows: ``@task`` functions wired together by a ``@graph`` function.

Calling a graph first *builds* it: its body runs with the input nodes, and every task call inside
returns a :class:`TaskFuture` instead of running, so the whole dependency graph is known (and can be
drawn with :meth:`Graph.to_dot`) before anything runs. Then the tasks run, each as soon as the tasks
it depends on are done; independent tasks run concurrently in threads. Every task is a calculation
called by the graph's workflow node (call link labelled with the task id), so the provenance is the
same as that of a hand-written workfunction calling calcfunctions. Outside a graph, a task is simply a
calcfunction.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, ClassVar, Iterator, Mapping

from ..orm import CalcFunctionNode, GraphNode, Node, ProcessNode
from ..orm.links import CALL_LINKS, LinkType
from .exit_codes import ExitCode
from .functions import FunctionProcess, ProcessFunction
from .ports import flatten
from .process import Process, ProcessError

_builder: contextvars.ContextVar["Graph | None"] = contextvars.ContextVar("jupyter_prov_graph", default=None)


class TaskFuture:
    """The not-yet-computed output of a task inside a graph; pass it to other tasks or return it."""

    def __init__(self, task: "Task", key: str | None = None):
        self.task = task
        self.key = key

    def __getitem__(self, key: str) -> "TaskFuture":
        return TaskFuture(self.task, key if self.key is None else f"{self.key}__{key}")

    def __repr__(self) -> str:
        return f"<TaskFuture {self.task.id}{'.' + self.key if self.key else ''}>"

    def __bool__(self) -> bool:
        raise ProcessError(
            f"{self!r} has no value while the graph is being built; a graph's body only wires tasks together "
            "(decide in a task, or use a work chain for control flow that depends on results)"
        )

    def resolve(self, results: Mapping[str, Any]) -> Any:
        value = results[self.task.id]
        if self.key is None:
            return value
        flat = value if isinstance(value, Mapping) else {}
        try:
            return flat[self.key]
        except KeyError:
            raise ProcessError(f"task {self.task.id} has no output {self.key!r} (it has: {', '.join(flat) or 'none'})") from None


class Task:
    """One call of a task function inside a graph."""

    def __init__(self, id: str, function: "TaskFunction", args: tuple, kwargs: dict[str, Any]):
        self.id = id
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.depends_on = sorted({f.task.id for f in _futures((args, kwargs))})

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "function": self.function.process_class.process_type(), "depends_on": self.depends_on}


def _futures(value: Any) -> Iterator[TaskFuture]:
    if isinstance(value, TaskFuture):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _futures(item)
    elif isinstance(value, Mapping) and not isinstance(value, Node):
        for item in value.values():
            yield from _futures(item)


def _resolve(value: Any, results: Mapping[str, Any]) -> Any:
    if isinstance(value, TaskFuture):
        return value.resolve(results)
    if isinstance(value, tuple):
        return tuple(_resolve(v, results) for v in value)
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    if isinstance(value, Mapping) and not isinstance(value, Node):
        return {k: _resolve(v, results) for k, v in value.items()}
    return value


class Graph:
    """The tasks of a graph workflow and their dependencies, known before anything runs."""

    def __init__(self, name: str):
        self.name = name
        self.tasks: dict[str, Task] = {}
        self.outputs: Any = None
        self._counts: dict[str, int] = {}

    def add(self, function: "TaskFunction", args: tuple, kwargs: dict[str, Any]) -> TaskFuture:
        name = function.func.__name__
        self._counts[name] = self._counts.get(name, 0) + 1
        task = Task(f"{name}_{self._counts[name]}", function, args, kwargs)
        self.tasks[task.id] = task
        return TaskFuture(task)

    def describe(self) -> dict[str, Any]:
        return {"tasks": [t.describe() for t in self.tasks.values()],
                "outputs": sorted({f.task.id for f in _futures(self.outputs)})}

    def to_dot(self) -> str:
        """The dependency graph in Graphviz DOT."""
        lines = [f'digraph "{self.name}" {{', "  rankdir=LR;"]
        for task in self.tasks.values():
            lines.append(f'  "{task.id}" [shape=box, label="{task.id}"];')
            lines.extend(f'  "{dep}" -> "{task.id}";' for dep in task.depends_on)
        lines.append("}")
        return "\n".join(lines)

    def to_networkx(self):
        import networkx as nx

        g = nx.DiGraph()
        for task in self.tasks.values():
            g.add_node(task.id, function=task.function.func.__name__)
            g.add_edges_from((dep, task.id) for dep in task.depends_on)
        return g

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/plain": f"<Graph {self.name}: {len(self.tasks)} tasks>", "text/vnd.graphviz": self.to_dot()}


class TaskFunction(ProcessFunction):
    """What ``@task`` returns: a calcfunction that, called inside a graph's body, returns a future."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        graph = _builder.get()
        if graph is not None:
            return graph.add(self, args, kwargs)
        return super().__call__(*args, **kwargs)


def task(func: Callable[..., Any]) -> TaskFunction:
    """A calculation that can be wired into ``@graph`` workflows (and called directly like a calcfunction)."""
    return TaskFunction(func, CalcFunctionNode, "task")


class GraphProcess(FunctionProcess):
    """The process of a graph workflow: builds the graph from its inputs, then runs the tasks."""

    _node_class: ClassVar[type[ProcessNode]] = GraphNode
    _max_workers: ClassVar[int] = 4

    def __init__(self, inputs: Mapping[str, Any] | None = None, *, parent: Process | None = None,
                 metadata: Mapping[str, Any] | None = None):
        super().__init__(inputs, parent=parent, metadata=metadata)
        self.graph = self.build()
        self.node.set_attribute("graph", self.graph.describe())

    def build(self) -> Graph:
        graph = Graph(self.process_label())
        args, kwargs = self._call_arguments()
        token = _builder.set(graph)
        try:
            graph.outputs = self._func(*args, **kwargs)
        finally:
            _builder.reset(token)
        return graph

    def _restore(self, checkpoint: Mapping[str, Any]) -> None:
        self.graph = self.build()
        if self.graph.describe() != self.node.get_attribute("graph", None):
            raise ProcessError(f"{self.node!r}: graph {self.process_type()} builds differently now than when it was "
                               "stored; it cannot be resumed")

    def _run(self, *, run_children: bool) -> None:
        results: dict[str, Any] = {}
        for triple in self.node.get_outgoing(CALL_LINKS):  # resuming: tasks that finished before
            child = triple.node
            if triple.link_label in self.graph.tasks and child.is_finished_ok:
                outputs = {t.link_label: t.node for t in child.get_outgoing(LinkType.CREATE)}
                results[triple.link_label] = outputs["result"] if set(outputs) == {"result"} else outputs
        self._schedule(results)
        value = _resolve(self.graph.outputs, results)
        if isinstance(value, ExitCode):
            self._finish(value)
            return
        if value is not None:
            if isinstance(value, Mapping) and not isinstance(value, Node):
                for label, item in flatten(value).items():
                    self.out(label, item)
            else:
                self.out("result", value)
        self._finish()

    def _run_task(self, task: Task, results: Mapping[str, Any]) -> Any:
        from .launch import instantiate

        args, kwargs = _resolve(task.args, results), _resolve(task.kwargs, results)
        kwargs = dict(kwargs, metadata={"call_link_label": task.id})
        process = instantiate(task.function, args, kwargs, parent=self)
        process.execute(reraise=True)
        return process.result()

    def _schedule(self, results: dict[str, Any]) -> None:
        todo = {tid: set(t.depends_on) - set(results) for tid, t in self.graph.tasks.items() if tid not in results}
        running: dict[Future, str] = {}
        error: BaseException | None = None
        workers = max(1, self._max_workers)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jprov-graph") as pool:
            while todo or running:
                if error is None:
                    for tid in [t for t, deps in todo.items() if not deps]:
                        del todo[tid]
                        context = contextvars.copy_context()  # caching overrides reach the task threads
                        running[pool.submit(context.run, self._run_task, self.graph.tasks[tid], dict(results))] = tid
                if not running:
                    if todo and error is None:
                        raise ProcessError(f"graph {self.process_label()}: tasks {sorted(todo)} wait on each other (a cycle)")
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    tid = running.pop(future)
                    try:
                        results[tid] = future.result()
                    except BaseException as exc:  # noqa: BLE001 - re-raised after the running tasks end
                        error = error or exc
                        continue
                    for deps in todo.values():
                        deps.discard(tid)
                if error is not None:
                    todo.clear()
        if error is not None:
            raise error


class GraphFunction(ProcessFunction):
    """What ``@graph`` returns: call it to build and run the graph; ``.build(...)`` only builds it."""

    process_class: type[GraphProcess]

    def __init__(self, func: Callable[..., Any], max_workers: int = 4):
        super().__init__(func, GraphNode, "graph")
        self.process_class = type(
            f"{func.__name__}_graph", (GraphProcess,),
            {"_func": staticmethod(func), "_signature": inspect.signature(func),
             "var_keyword": self.process_class.var_keyword, "_max_workers": max_workers,
             "__module__": func.__module__, "__qualname__": f"{func.__qualname__}.process_class"},
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _builder.get() is not None:
            raise ProcessError(f"graph {self.func.__name__} is called while another graph is being built; "
                               "nested graphs are not supported, call its tasks directly")
        return super().__call__(*args, **kwargs)

    def build(self, *args: Any, **kwargs: Any) -> Graph:
        """The graph these arguments give, without running or storing anything."""
        bound = self.process_class.bind(args, kwargs)
        process = self.process_class.__new__(self.process_class)
        process.inputs = self.process_class.spec().inputs.process(bound)
        return process.build()


def graph(func: Callable[..., Any] | None = None, *, max_workers: int = 4) -> Any:
    """Make ``func`` a graph workflow: its body wires ``@task`` calls; independent tasks run concurrently."""
    if func is None:
        return functools.partial(graph, max_workers=max_workers)
    return GraphFunction(func, max_workers)


__all__ = ["task", "graph", "Graph", "TaskFuture", "TaskFunction", "GraphFunction"]
