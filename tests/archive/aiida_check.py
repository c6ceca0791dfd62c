"""Run by aiida-core's own Python (benchmarks/.venv-aiida), never by jupyter-prov's: import an archive
into a throw-away AiiDA profile, describe what AiiDA sees, and export it again with aiida-core.

Usage: python aiida_check.py ARCHIVE_IN ARCHIVE_OUT   -> prints one JSON object as the last line
"""

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "aiida_reference"))

from _common import fresh_profile
from aiida import orm
from aiida.tools.archive import create_archive, import_archive


def describe_node(node):
    entry = {"node_type": node.node_type, "process_type": node.process_type, "label": node.label,
             "class": type(node).__name__, "attributes": node.base.attributes.all,
             "extras": node.base.extras.all, "computer": node.computer.label if node.computer else None,
             "user": node.user.email, "files": {}}
    for path in _walk(node, ""):
        entry["files"][path] = hashlib.sha256(node.base.repository.get_object_content(path, mode="rb")).hexdigest()
    if isinstance(node, orm.ArrayData):
        entry["arrays"] = {name: node.get_array(name).tolist() for name in node.get_arraynames()}
    return entry


def _walk(node, prefix):
    for obj in node.base.repository.list_objects(prefix):
        path = f"{prefix}/{obj.name}" if prefix else obj.name
        if obj.file_type.name == "DIRECTORY":
            yield from _walk(node, path)
        else:
            yield path


def main():
    source, target = sys.argv[1], sys.argv[2]
    with fresh_profile("jprov-archive-check"):
        import_archive(source)
        nodes = {node.uuid: describe_node(node) for node in orm.QueryBuilder().append(orm.Node).all(flat=True)}
        query = (orm.QueryBuilder().append(orm.Node, tag="s", project="uuid")
                 .append(orm.Node, tag="t", with_incoming="s", edge_tag="e", edge_project=["type", "label"],
                         project="uuid"))
        links = sorted([row["s"]["uuid"], row["t"]["uuid"], row["e"]["type"], row["e"]["label"]]
                       for row in query.dict())
        groups = {g.label: sorted(n.uuid for n in g.nodes) for g in orm.QueryBuilder().append(orm.Group).all(flat=True)}
        comments = [c.content for c in orm.QueryBuilder().append(orm.Comment).all(flat=True)]
        logs = [log.message for log in orm.QueryBuilder().append(orm.Log).all(flat=True)]
        create_archive(None, filename=target)
    print(json.dumps({"nodes": nodes, "links": links, "groups": groups, "comments": comments, "logs": logs},
                     default=str))


if __name__ == "__main__":
    main()
