"""A QueryBuilder shown in a notebook: its first rows as a compact table."""

from __future__ import annotations

from ..display import MAX_ROWS, table_html


def query_html(qb) -> str:
    total = qb.count()
    previous = qb._limit
    qb._limit = MAX_ROWS if previous is None else min(previous, MAX_ROWS)
    try:
        rows = qb.all()
    finally:
        qb._limit = previous
    headers = [f"{tag}.{item}" for tag, item in qb._keys()]
    return table_html(headers, rows, caption=f"{total} rows", more=max(0, total - len(rows)))
