"""The trivial calcfunction the aiida daemon benchmark submits (importable by aiida's daemon workers)."""

from aiida import orm
from aiida.engine import calcfunction


@calcfunction
def add(x, y):
    return orm.Int(x.value + y.value)
