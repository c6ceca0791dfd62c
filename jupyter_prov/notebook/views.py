"""Tables that render as HTML in a notebook and as aligned text in a terminal."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any


class TableView:
    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = ""):
        self.columns = list(columns)
        self.rows = [["" if v is None else str(v) for v in row] for row in rows]
        self.title = title

    def _repr_html_(self) -> str:
        head = "".join(f"<th style='text-align:left'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'><pre style='margin:0'>{html.escape(v)}</pre></td>"
                             for v in row) + "</tr>"
            for row in self.rows
        )
        caption = f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>" if self.title else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        cells = [[v.replace("\n", " ⏎ ") for v in row] for row in self.rows]
        widths = [min(60, max([len(c)] + [len(r[i]) for r in cells])) for i, c in enumerate(self.columns)]

        def line(values):
            return "  ".join(v[:w].ljust(w) for v, w in zip(values, widths)).rstrip()

        out = [self.title] if self.title else []
        out += [line(self.columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
        return "\n".join(out)


def key_value_table(values: dict[str, Any], title: str = "") -> TableView:
    return TableView(["", "value"], [[k, v] for k, v in values.items()], title)
