"""Static analysis of cell code: reads, writes, imports, definitions, globals of functions."""

from __future__ import annotations

import pytest

from jupyter_prov.notebook.cell_analysis import analyse_cell


@pytest.mark.parametrize("source, reads, writes", [
    ("x = y + 1", ["y"], ["x"]),
    ("x = 1\ny = x", [], ["x", "y"]),
    ("x = x + 1", ["x"], ["x"]),
    ("x += 1", ["x"], ["x"]),
    ("a[0] = b", ["b", "a"], []),
    ("a.attr = 1", ["a"], []),
    ("for i in range(n):\n    total = total + i", ["range", "n", "total"], ["i", "total"]),
    ("for i in items:\n    y = i\n    z = y", ["items"], ["i", "y", "z"]),
    ("if c:\n    v = 1\nelse:\n    v = 2\nprint(v)", ["c", "print"], ["v"]),
    ("if c:\n    v = 1\nprint(v)", ["c", "print", "v"], ["v"]),
    ("with open(p) as fh:\n    data = fh.read()", ["open", "p"], ["fh", "data"]),
    ("squares = [k * k for k in ks if k > lim]", ["ks", "lim"], ["squares"]),
    ("f = lambda q: q + w", [], ["f"]),
    ("try:\n    r = g()\nexcept ValueError as e:\n    r = None", ["g", "ValueError"], ["r", "e"]),
    ("del old", [], ["old"]),
    ("import numpy as np, os.path\nfrom math import pi as PI", [], ["np", "os", "PI"]),
])
def test_reads_and_writes(source, reads, writes):
    result = analyse_cell(source)
    assert sorted(result.reads) == sorted(reads)
    assert sorted(result.writes) == sorted(writes)


def test_functions_and_their_globals():
    source = (
        "import math\n"
        "scale = 2\n"
        "def area(r, k=default_k):\n"
        "    global counter\n"
        "    counter = counter + 1\n"
        "    local = math.pi * r ** 2\n"
        "    return helper(local) * scale\n"
        "class Model(Base):\n"
        "    size = SIZE\n"
        "    def fit(self):\n"
        "        return train(self, epochs)\n"
        "f = lambda x: x * factor\n"
    )
    result = analyse_cell(source)
    assert result.defines == ["area", "Model"]
    assert result.imports == ["math"]
    assert sorted(result.reads) == ["Base", "SIZE", "default_k"]
    assert result.function_globals["area"] == ["counter", "helper", "math", "scale"]
    assert result.function_globals["Model"] == ["epochs", "train"]
    assert result.function_globals["f"] == ["factor"]
    assert "counter" in result.writes  # a global the function assigns


def test_syntax_error_is_reported_not_raised():
    result = analyse_cell("x = (")
    assert result.syntax_error and result.reads == [] and result.writes == []
