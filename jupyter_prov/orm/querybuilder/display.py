"""A QueryBuilder shown in a notebook: its first rows as a compact table.

Only the QueryBuilder's public interface: its first :data:`MAX_ROWS` rows are read as a stream
(``iterdict`` fetches them in one batch of that size and stops), the total is ``count()``. A query
without rows shows its count and no header (the header names come from the rows).
"""

from __future__ import annotations

from itertools import islice

from ..display import MAX_ROWS, table_html


def query_html(qb) -> str:
    total = qb.count()
    first = list(islice(qb.iterdict(batch_size=MAX_ROWS), MAX_ROWS))
    headers = [f"{tag}.{item}" for tag, values in first[0].items() for item in values] if first else []
    rows = [[value for values in row.values() for value in values.values()] for row in first]
    return table_html(headers, rows, caption=f"{total} rows", more=max(0, total - len(rows)))
