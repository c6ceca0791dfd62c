"""Writes the test notebooks (run once; the .ipynb files are committed, the tests execute them)."""
import nbformat

def nb(name, sources):
    cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for i, c in enumerate(cells):
        c["id"] = f"{name.split('.')[0][:12]}-{i:02d}"
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(book, name)

nb("data_pipeline.ipynb", [
    "%load_ext jupyter_prov",
    "import numpy as np\nimport pandas as pd",
    'with open("measurements.csv", "w") as fh:\n    fh.write("t,v\\n0,1.0\\n1,2.5\\n2,4.0\\n")',
    'df = pd.read_csv("measurements.csv")',
    'values = df["v"].to_numpy()\nscaled = values * 2',
    'df["v2"] = df["v"] ** 2',
    "offset = 1.0\n\ndef total(arr):\n    return float(arr.sum()) + offset",
    "result = total(scaled)\nprint(result)",
    "acc = 0.0\nfor v in values:\n    acc = acc + float(v)",
    "items = [1, 2]",
    "items.append(3)",
    "bad = 1 / 0",
    "%provenance flush",
])

nb("calcfunction.ipynb", [
    "%load_ext jupyter_prov",
    "from jupyter_prov.engine import calcfunction\nfrom jupyter_prov.orm import Int",
    "@calcfunction\ndef add(x, y):\n    return Int(x.value + y.value)",
    "a = Int(3).store()\nb = Int(4).store()",
    "total = add(a, b)\ndoubled = total.value * 2",
    "%provenance flush",
])

nb("provider.ipynb", [
    "%load_ext jupyter_prov",
    "x = 21",
    # what the engine does when a process starts in a cell: ask for the caller and link to it
    "from jupyter_prov.orm.callers import current_caller\n"
    "from jupyter_prov.orm import Int, store_all\n"
    "from jupyter_prov.orm.nodes.process import CalcFunctionNode\n"
    "caller = current_caller()\n"
    "calc = CalcFunctionNode(process_label='double')\n"
    "calc.add_incoming(caller, 'call_calc', 'CALL')\n"
    "calc.set_attribute_many({'process_state': 'finished', 'exit_status': 0})\n"
    "out = Int(2 * x)\n"
    "out.add_incoming(calc, 'create', 'result')\n"
    "store_all([calc, out])\n"
    "y = out\n"
    "z = x + 1",
    "%provenance flush",
])

nb("slice.ipynb", [
    "%load_ext jupyter_prov",
    "import numpy as np",
    "n = 5\nunrelated = 'not needed'",
    "grid = np.linspace(0.0, 1.0, n)",
    "noise = [0.5] * n",
    "grid *= 3",
    "signal = grid ** 2 + np.asarray(noise)",
    "unrelated = unrelated.upper()",
    "%provenance slice signal --run",
    "%provenance history grid",
    "%provenance show signal",
    "%provenance status",
    "%provenance export session.jprov",
])

# tests/notebook/test_cell_identity.py: magics, a skipped cell, a cell that launches a process (stored
# while it runs), a failing cell and a syntax error between the recorded ones, so that counts and
# recording order part ways
nb("cell_identity.ipynb", [
    "%load_ext jupyter_prov",
    "a = 1",
    "%provenance status",
    "%%provenance skip\nb = a + 1",
    "c = a + 2",
    "from jupyter_prov.engine import calcfunction\nfrom jupyter_prov.orm import Int\n\n"
    "@calcfunction\ndef add(x, y):\n    return Int(x.value + y.value)",
    "total = add(Int(a), Int(c))",
    "d = 1 / 0",
    "e = (1",
    "f = c * 2",
    "%provenance flush",
])
