"""The outline of a work chain: steps, ``if_``/``elif_``/``else_``, ``while_`` and ``return_``.

The position in an outline is a JSON list of integers, so it can be checkpointed: for a block, the
index of the instruction; inside a ``while_``, the position in its body follows; inside an ``if_``,
the index of the chosen branch and then the position in its body. The position always points at the
next instruction to consider (conditions are evaluated when the stepper reaches them).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from .exit_codes import ExitCode


class Instruction:
    def names(self) -> list[str]:
        return []


class Step(Instruction):
    def __init__(self, func: Callable[[Any], Any]):
        if not callable(func):
            raise TypeError(f"outline step {func!r} is not callable")
        self.func = func

    def names(self) -> list[str]:
        return [self.func.__name__]


class Block(Instruction):
    def __init__(self, instructions: Sequence[Any]):
        self.instructions = [_instruction(i) for i in instructions]

    def names(self) -> list[str]:
        return [n for i in self.instructions for n in i.names()]


class While(Instruction):
    def __init__(self, condition: Callable[[Any], bool]):
        self.condition = condition
        self.body = Block(())

    def __call__(self, *instructions: Any) -> "While":
        self.body = Block(instructions)
        return self

    def names(self) -> list[str]:
        return [f"while({self.condition.__name__})", *self.body.names()]


class If(Instruction):
    def __init__(self, condition: Callable[[Any], bool]):
        self.branches: list[tuple[Callable[[Any], bool] | None, Block]] = []
        self._pending: Callable[[Any], bool] | None = condition  # None: the body is taken

    def __call__(self, *instructions: Any) -> "If":
        if self._pending is None:
            raise SyntaxError("if_(...)(...) takes its body once; add branches with .elif_(cond)(...) or .else_(...)")
        self.branches.append((self._pending, Block(instructions)))
        self._pending = None
        return self

    def elif_(self, condition: Callable[[Any], bool]) -> "If":
        self._pending = condition
        return self

    def else_(self, *instructions: Any) -> "If":
        self.branches.append((None, Block(instructions)))
        return self

    def names(self) -> list[str]:
        return [f"if({c.__name__ if c else 'else'})" for c, _ in self.branches] + [n for _, b in self.branches for n in b.names()]


class Return(Instruction):
    def __init__(self, exit_code: ExitCode | None = None):
        self.exit_code = exit_code

    def __call__(self, exit_code: ExitCode | None = None) -> "Return":
        return Return(exit_code)

    def names(self) -> list[str]:
        return [f"return({self.exit_code.label})" if self.exit_code else "return"]



def while_(condition: Callable[[Any], bool]) -> While:
    """Repeat the body while ``condition(self)`` is true: ``while_(cls.not_converged)(cls.step)``."""
    return While(condition)


def if_(condition: Callable[[Any], bool]) -> If:
    """Run the body if ``condition(self)``: ``if_(cls.c)(cls.a).elif_(cls.d)(cls.b).else_(cls.e)``."""
    return If(condition)


#: end the outline here (``return_`` or ``return_(cls.exit_codes.X)`` to exit with a code)
return_ = Return()


def _instruction(item: Any) -> Instruction:
    if isinstance(item, Instruction):
        return item
    if isinstance(item, (list, tuple)):
        return Block(item)
    return Step(item)


def find_next(block: Block, position: list[int], process: Any) -> tuple[Step | Return, list[int]] | None:
    """The next step or return at or after ``position``, with its position; ``None`` when the outline is done."""
    index = position[0] if position else 0
    sub = list(position[1:])
    instructions = block.instructions
    while index < len(instructions):
        item = instructions[index]
        if isinstance(item, (Step, Return)):
            return item, [index]
        if isinstance(item, Block):
            found = find_next(item, sub, process)
            if found:
                return found[0], [index, *found[1]]
            index, sub = index + 1, []
        elif isinstance(item, While):
            if not sub:
                if not item.condition(process):
                    index += 1
                    continue
                sub = [0]
            found = find_next(item.body, sub, process)
            if found:
                return found[0], [index, *found[1]]
            sub = []  # body done: evaluate the condition again
        elif isinstance(item, If):
            if not sub:
                chosen = next((b for b, (cond, _) in enumerate(item.branches) if cond is None or cond(process)), None)
                if chosen is None:
                    index += 1
                    continue
                sub = [chosen, 0]
            found = find_next(item.branches[sub[0]][1], sub[1:], process)
            if found:
                return found[0], [index, sub[0], *found[1]]
            index, sub = index + 1, []
    return None


def after(position: list[int]) -> list[int]:
    """The position just after the step at ``position``."""
    return [*position[:-1], position[-1] + 1]
