"""What a cell's code reads and writes, from its syntax tree alone (no execution).

- ``reads``: global names loaded before the cell itself assigns them on every path (a name assigned in
  only one branch of an ``if`` and loaded afterwards is counted as read: an extra input is harmless, a
  missing one breaks a slice);
- ``writes``: global names the cell binds (assignments, ``for`` targets, ``with ... as``, imports,
  ``def``/``class``, ``global`` statements in functions it defines);
- ``imports`` and ``defines`` (functions and classes);
- ``function_globals``: for each function or class defined at the top level (and each ``name = lambda``),
  the global names its body reads when it is *called*; the recorder adds them to the reads of a later
  cell that calls the function.

Scopes follow Python's rules: function bodies, lambdas and comprehensions have their own locals,
class bodies run at definition time.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import cast

_TRY_NODES: tuple[type[ast.stmt], ...] = (ast.Try, *([ast.TryStar] if hasattr(ast, "TryStar") else []))


@dataclass
class CellAnalysis:
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)
    function_globals: dict[str, list[str]] = field(default_factory=dict)
    syntax_error: str | None = None


def analyse_cell(source: str) -> CellAnalysis:
    """Analyse Python source (IPython magics already transformed to Python)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return CellAnalysis(syntax_error=f"{exc.msg} (line {exc.lineno})")
    visitor = _TopLevel()
    visitor.block(tree.body)
    return CellAnalysis(
        reads=list(dict.fromkeys(visitor.reads)),
        writes=list(dict.fromkeys(visitor.writes)),
        imports=list(dict.fromkeys(visitor.imports)),
        defines=list(dict.fromkeys(visitor.defines)),
        function_globals={k: sorted(v) for k, v in visitor.function_globals.items()},
    )


def _target_names(target: ast.AST) -> list[str]:
    """Names bound by an assignment target (``a``, ``a, (b, *c)``); ``x[i] = ``/``x.y = `` bind nothing."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _target_names(elt)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


class _Scope:
    """Free-variable analysis of a function/lambda/comprehension body: the globals it reads."""

    @staticmethod
    def function_free_names(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> tuple[set[str], set[str]]:
        """(free names read, names declared ``global`` and assigned) of a function or lambda."""
        args = node.args
        params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        if args.vararg:
            params.add(args.vararg.arg)
        if args.kwarg:
            params.add(args.kwarg.arg)
        body: list[ast.AST] = list(node.body) if isinstance(node.body, list) else [node.body]
        declared_global: set[str] = set()
        local: set[str] = set(params)
        loads: set[str] = set()
        nested_free: set[str] = set()
        stack: list[ast.AST] = list(body)
        global_writes: set[str] = set()
        while stack:
            item = stack.pop()
            if isinstance(item, ast.Global):
                declared_global.update(item.names)
                continue
            if isinstance(item, ast.Nonlocal):
                local.update(item.names)
                continue
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                if not isinstance(item, ast.Lambda):
                    local.add(item.name)
                    stack.extend(item.decorator_list)
                stack.extend(d for d in item.args.defaults + item.args.kw_defaults if d is not None)
                free, writes = _Scope.function_free_names(item)
                nested_free |= free
                global_writes |= writes
                continue
            if isinstance(item, ast.ClassDef):
                local.add(item.name)
                stack.extend([*item.bases, *item.decorator_list, *(k.value for k in item.keywords), *item.body])
                continue
            if isinstance(item, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                nested_free |= _comprehension_free(item)
                continue
            if isinstance(item, ast.Name):
                if isinstance(item.ctx, ast.Load):
                    loads.add(item.id)
                else:
                    local.add(item.id)
                continue
            if isinstance(item, ast.alias):
                local.add((item.asname or item.name).split(".")[0])
                continue
            if isinstance(item, ast.ExceptHandler) and item.name:
                local.add(item.name)
            if isinstance(item, ast.MatchAs) and item.name:
                local.add(item.name)
            stack.extend(ast.iter_child_nodes(item))
        local -= declared_global
        global_writes |= declared_global & _assigned_names(body)
        return (loads | nested_free) - local, global_writes


def _assigned_names(body: list[ast.AST]) -> set[str]:
    names = set()
    for node in body:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                names.add(sub.id)
    return names


def _comprehension_free(node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> set[str]:
    """Names a comprehension reads from the enclosing scope."""
    targets: set[str] = set()
    loads: set[str] = set()
    first_iter = node.generators[0].iter
    for index, gen in enumerate(node.generators):
        targets.update(_target_names(gen.target))
        parts = ([] if index == 0 else [gen.iter]) + list(gen.ifs)
        for part in parts:
            loads |= _expression_loads(part)
    elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
    for element in elements:
        loads |= _expression_loads(element)
    return (loads - targets) | _expression_loads(first_iter)


def _expression_loads(node: ast.AST) -> set[str]:
    """Global-or-enclosing names an expression loads (respecting nested lambdas/comprehensions)."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    if isinstance(node, ast.Lambda):
        free, _ = _Scope.function_free_names(node)
        defaults = set().union(*(_expression_loads(d) for d in node.args.defaults + node.args.kw_defaults if d is not None))
        return free | defaults
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        return _comprehension_free(node)
    names: set[str] = set()
    for child in ast.iter_child_nodes(node):
        names |= _expression_loads(child)
    return names


class _TopLevel:
    """Walks top-level statements in order, tracking which names are surely assigned so far."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self.writes: list[str] = []
        self.imports: list[str] = []
        self.defines: list[str] = []
        self.function_globals: dict[str, set[str]] = {}
        self.assigned: set[str] = set()

    # -- helpers
    def load(self, names: set[str] | list[str]) -> None:
        for name in names:
            if name not in self.assigned:
                self.reads.append(name)

    def store(self, names: list[str]) -> None:
        for name in names:
            self.writes.append(name)
            self.assigned.add(name)

    def expr(self, node: ast.AST | None) -> None:
        if node is not None:
            self.load(sorted(_expression_loads(node)))

    def target(self, target: ast.AST) -> None:
        """An assignment target: subscripts/attributes read their base (``x[i] = v`` reads and mutates x)."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.target(elt)
            return
        if isinstance(target, ast.Starred):
            self.target(target.value)
            return
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            self.expr(target)
            return
        self.store(_target_names(target))

    def branches(self, bodies: list[list[ast.stmt]]) -> None:
        """Alternative blocks: afterwards only names assigned on every path count as assigned."""
        before = set(self.assigned)
        results = []
        for body in bodies:
            self.assigned = set(before)
            self.block(body)
            results.append(self.assigned)
        self.assigned = before | set.intersection(*results) if results else before

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    # -- statements
    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                self.expr(decorator)
            for default in node.args.defaults + node.args.kw_defaults:
                self.expr(default)
            free, global_writes = _Scope.function_free_names(node)
            self.function_globals[node.name] = free - {node.name}
            self.defines.append(node.name)
            self.store([node.name])
            self.writes.extend(sorted(global_writes))
        elif isinstance(node, ast.ClassDef):
            for part in node.bases + node.decorator_list + [k.value for k in node.keywords]:
                self.expr(part)
            body_reads, method_globals = self._class_body(node)
            self.load(body_reads)
            self.function_globals[node.name] = method_globals - {node.name}
            self.defines.append(node.name)
            self.store([node.name])
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = []
            for alias in node.names:
                if alias.name == "*":
                    continue
                names.append(alias.asname or alias.name.split(".")[0])
            module = node.module if isinstance(node, ast.ImportFrom) else None
            self.imports.extend([module] if module else [a.name for a in node.names])
            self.store(names)
        elif isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Lambda) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                # ``f = lambda ...``: its body reads globals when called, like a def
                for default in node.value.args.defaults + node.value.args.kw_defaults:
                    self.expr(default)
                free, _ = _Scope.function_free_names(node.value)
                self.function_globals[node.targets[0].id] = free
            else:
                self.expr(node.value)
            for target in node.targets:
                self.target(target)
        elif isinstance(node, ast.AugAssign):
            self.expr(node.value)
            if isinstance(node.target, ast.Name):
                self.load([node.target.id])
                self.store([node.target.id])
            else:
                self.expr(node.target)
        elif isinstance(node, ast.AnnAssign):
            self.expr(node.value)
            if node.value is not None:
                self.target(node.target)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.expr(node.iter)
            before = set(self.assigned)
            self.target(node.target)
            self.block(node.body)
            self.assigned = before
            self.block(node.orelse)
            self.assigned = before
        elif isinstance(node, ast.While):
            self.expr(node.test)
            before = set(self.assigned)
            self.block(node.body)
            self.assigned = before
            self.block(node.orelse)
            self.assigned = before
        elif isinstance(node, ast.If):
            self.expr(node.test)
            self.branches([node.body, node.orelse])
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.target(item.optional_vars)
            self.block(node.body)
        elif isinstance(node, _TRY_NODES):
            block = cast(ast.Try, node)  # ast.TryStar (``except*``, Python 3.11+) has the same fields
            before = set(self.assigned)
            self.block(block.body)
            self.assigned = before
            for handler in block.handlers:
                self.expr(handler.type)
                if handler.name:
                    self.store([handler.name])
                self.block(handler.body)
                self.assigned = before
            self.block(block.orelse)
            self.assigned = before
            self.block(block.finalbody)
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.writes.append(target.id)
                    self.assigned.discard(target.id)
                else:
                    self.expr(target)
        elif isinstance(node, ast.Global):
            pass
        elif isinstance(node, ast.Match):
            self.expr(node.subject)
            before = set(self.assigned)
            for case in node.cases:
                for sub in ast.walk(case.pattern):
                    if isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
                        self.store([sub.name])
                    elif isinstance(sub, ast.MatchMapping) and sub.rest:
                        self.store([sub.rest])
                    elif isinstance(sub, ast.MatchValue):
                        self.expr(sub.value)
                self.expr(case.guard)
                self.block(case.body)
                self.assigned = set(before)
        else:  # Expr, Return, Raise, Assert, Pass, ...
            for child in ast.iter_child_nodes(node):
                self.expr(child)

    def _class_body(self, node: ast.ClassDef) -> tuple[list[str], set[str]]:
        """Names the class body reads at definition time, and globals its methods read when called."""
        inner = _TopLevel()
        method_globals: set[str] = set()
        for stmt in node.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for part in stmt.decorator_list + [d for d in stmt.args.defaults + stmt.args.kw_defaults if d]:
                    inner.expr(part)
                free, _ = _Scope.function_free_names(stmt)
                method_globals |= free
                inner.assigned.add(stmt.name)
            else:
                inner.statement(stmt)
        for nested in inner.function_globals.values():
            method_globals |= nested
        return list(dict.fromkeys(inner.reads)), method_globals
