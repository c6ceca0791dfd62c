"""Run by aiida-core's own Python (benchmarks/.venv-aiida), never by jupyter-prov's: import ARCHIVE_IN into
a throw-away AiiDA profile; for every node its ancestors and descendants by aiida-core's QueryBuilder; for
every process `verdi process show/report`, for calc jobs `verdi calcjob outputcat`; `verdi code list -A`;
then export everything again to ARCHIVE_OUT.

Usage: python aiida_verdi.py ARCHIVE_IN ARCHIVE_OUT   -> prints one JSON object as the last line
"""

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "aiida_reference"))

from _common import VERDI, fresh_profile
from aiida import orm
from aiida.tools.archive import create_archive, import_archive


def verdi(*args):
    proc = subprocess.run([str(VERDI), *args], capture_output=True, text=True, env=dict(os.environ), timeout=300)
    return {"rc": proc.returncode, "out": proc.stdout[-2000:], "err": proc.stderr[-2000:]}


def related(uuid, relation):
    query = orm.QueryBuilder().append(orm.Node, filters={"uuid": uuid}, tag="n")
    query.append(orm.Node, **{relation: "n"}, project="uuid")
    return sorted(set(query.all(flat=True)))  # (aiida-core gives a node once per path)


def main():
    source, target = sys.argv[1], sys.argv[2]
    with fresh_profile("jprov-verdi-check") as name:
        os.environ["AIIDA_PROFILE"] = name
        import_archive(source)
        nodes = {}
        shown = set()  # verdi takes seconds to start: one process of each class and kind is enough
        for node in orm.QueryBuilder().append(orm.Node).all(flat=True):
            entry = {"class": type(node).__name__, "extras": node.base.extras.all,
                     "ancestors": related(node.uuid, "with_descendants"),
                     "descendants": related(node.uuid, "with_ancestors")}
            kind = (type(node).__name__, node.base.extras.get("jprov_node_type", None),
                    "jprov_cell_workflow_of" in node.base.extras)
            if isinstance(node, orm.ProcessNode) and kind not in shown:
                shown.add(kind)
                entry["show"] = verdi("process", "show", str(node.pk))
                entry["report"] = verdi("process", "report", str(node.pk))
            if isinstance(node, orm.CalcJobNode):
                entry["outputcat"] = verdi("calcjob", "outputcat", str(node.pk))
            nodes[node.uuid] = entry
        codes = verdi("code", "list", "-A")
        create_archive(None, filename=target)
    print(json.dumps({"nodes": nodes, "code_list": codes}, default=str))


if __name__ == "__main__":
    main()
