"""What changed between two stored versions of a value, as plain data: type, shape or length, keys or
columns added, removed or changed, statistics of arrays and tables (``%provenance diff``)."""

from __future__ import annotations

from typing import Any

from ..orm import Node
from .lineage import describe


def _value(node: Node) -> Any:
    for getter in ("get_array", "get_dataframe", "get_dict", "get_list"):
        method = getattr(node, getter, None)
        if callable(method):
            try:
                return method()
            except Exception:  # noqa: BLE001 - another kind of node: try the next way to read it
                continue
    return node.attributes.get("value", node.attributes.get("repr"))


def _stats(array: Any) -> dict[str, Any]:
    import numpy

    array = numpy.asarray(array)
    if array.size == 0 or not numpy.issubdtype(array.dtype, numpy.number):
        return {"size": int(array.size)}
    return {"min": float(numpy.nanmin(array)), "max": float(numpy.nanmax(array)),
            "mean": float(numpy.nanmean(array)), "size": int(array.size)}


def diff_values(before: Node, after: Node) -> list[dict[str, Any]]:
    """``[{"what", "before", "after"}]``: the differences a person looks at first, most general first."""
    rows: list[dict[str, Any]] = []
    a, b = describe(before), describe(after)
    for key, what in (("type", "type"), ("size", "shape/length"), ("hash", "hash")):
        if a[key] != b[key] or key == "hash":
            rows.append({"what": what, "before": a[key], "after": b[key]})
    old, new = _value(before), _value(after)
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            if key not in new:
                rows.append({"what": f"key {key!r}", "before": repr(old[key])[:60], "after": "(removed)"})
            elif key not in old:
                rows.append({"what": f"key {key!r}", "before": "(absent)", "after": repr(new[key])[:60]})
            elif old[key] != new[key]:
                rows.append({"what": f"key {key!r}", "before": repr(old[key])[:60], "after": repr(new[key])[:60]})
    elif isinstance(old, list) and isinstance(new, list):
        changed = [i for i in range(min(len(old), len(new))) if old[i] != new[i]]
        if changed:
            rows.append({"what": "items changed", "before": f"{len(changed)} of {len(old)}",
                         "after": f"first at index {changed[0]}"})
    elif hasattr(old, "columns") and hasattr(new, "columns"):  # tables
        before_cols, after_cols = [str(c) for c in old.columns], [str(c) for c in new.columns]
        added = [c for c in after_cols if c not in before_cols]
        removed = [c for c in before_cols if c not in after_cols]
        if added or removed:
            rows.append({"what": "columns", "before": ", ".join(removed) or "-", "after": ", ".join(added) or "-"})
        for column in (c for c in after_cols if c in before_cols):
            x, y = old[column], new[column]
            if len(x) != len(y) or not x.equals(y):
                try:
                    rows.append({"what": f"column {column!r}", "before": _stats(x.to_numpy()), "after": _stats(y.to_numpy())})
                except Exception:  # noqa: BLE001 - a column of objects: say it changed
                    rows.append({"what": f"column {column!r}", "before": "…", "after": "changed"})
        for column in added:
            try:
                rows.append({"what": f"column {column!r}", "before": "(absent)", "after": _stats(new[column].to_numpy())})
            except Exception:  # noqa: BLE001, S110
                pass
    elif hasattr(old, "shape") and hasattr(new, "shape"):  # arrays
        import numpy

        rows.append({"what": "statistics", "before": _stats(old), "after": _stats(new)})
        if old.shape == new.shape:
            with numpy.errstate(invalid="ignore"):
                differ = int(numpy.count_nonzero(numpy.asarray(old) != numpy.asarray(new)))
            rows.append({"what": "elements changed", "before": "", "after": f"{differ} of {old.size}"})
    elif old != new:
        rows.append({"what": "value", "before": repr(old)[:60], "after": repr(new)[:60]})
    return rows
