"""The difference of two versions of one record: content summary and lineage (which record inputs changed).

Apart from :mod:`.model` (which calls it from ``Record.diff``) so that neither imports the other's callers:
it reads versions through the queries only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..orm import record_queries as q

if TYPE_CHECKING:
    from .model import Version


def diff_versions(a: "Version", b: "Version") -> dict[str, Any]:
    """Content summary and lineage difference of two versions of one record."""
    node_a, node_b = a.node, b.node
    content: dict[str, Any] = {
        "node_type": [node_a.node_type, node_b.node_type],
        "same_content": a.content_hash == b.content_hash,
    }
    attrs_a, attrs_b = dict(node_a.attributes), dict(node_b.attributes)
    changed = sorted(k for k in set(attrs_a) & set(attrs_b) if attrs_a[k] != attrs_b[k])
    content["attributes"] = {"added": sorted(set(attrs_b) - set(attrs_a)),
                             "removed": sorted(set(attrs_a) - set(attrs_b)), "changed": changed}
    files_a, files_b = dict(node_a.walk_files()), dict(node_b.walk_files())
    content["files"] = {"added": sorted(set(files_b) - set(files_a)), "removed": sorted(set(files_a) - set(files_b)),
                        "changed": sorted(k for k in set(files_a) & set(files_b) if files_a[k] != files_b[k])}
    inputs_a = _inputs_by_record(a.node_pk)
    inputs_b = _inputs_by_record(b.node_pk)
    lineage: dict[str, Any] = {
        "changed": [{"record": name, "from": inputs_a[name], "to": inputs_b[name]}
                    for name in sorted(set(inputs_a) & set(inputs_b)) if inputs_a[name] != inputs_b[name]],
        "added": [{"record": name, "versions": inputs_b[name]} for name in sorted(set(inputs_b) - set(inputs_a))],
        "removed": [{"record": name, "versions": inputs_a[name]} for name in sorted(set(inputs_a) - set(inputs_b))],
    }
    data_a = {d["id"] for d in q.data_ancestors([a.node_pk])}
    data_b = {d["id"] for d in q.data_ancestors([b.node_pk])}
    lineage["data"] = {"only_in_a": len(data_a - data_b), "only_in_b": len(data_b - data_a), "shared": len(data_a & data_b)}
    return {"record": a.record.name, "a": a.number, "b": b.number, "content": content, "lineage": lineage}


def _inputs_by_record(pk: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for v in q.ancestor_versions([pk]):
        found.setdefault(v["name"], []).append(v["number"])
    return {name: sorted(set(numbers)) for name, numbers in found.items()}
