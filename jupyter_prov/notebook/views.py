"""Tables that render as HTML in a notebook and as aligned text in a terminal: how the ``%provenance``
magics show the plain data of :mod:`jupyter_prov.views` (versions, slices, settings).

Values are shown as plain text: ANSI escape sequences (the colours of an IPython traceback, a tool's
output) are taken out, an HTML page would show them as ``[0;31m`` garbage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def plain_text(text: str) -> str:
    """``text`` without ANSI escape sequences."""
    return _ANSI.sub("", text)


class TableView:
    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = ""):
        self.columns = list(columns)
        self.rows = [["" if v is None else plain_text(str(v)) for v in row] for row in rows]
        self.title = plain_text(title)

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

        def line(values):  # columns cut at 60 characters, but the last one: a message is read to its end
            last = len(widths) - 1
            return "  ".join(v.ljust(w) if i == last else v[:w].ljust(w)
                             for i, (v, w) in enumerate(zip(values, widths))).rstrip()

        out = [self.title] if self.title else []
        out += [line(self.columns), line(["-" * w for w in widths])] + [line(r) for r in cells]
        return "\n".join(out)


def key_value_table(values: dict[str, Any], title: str = "") -> TableView:
    return TableView(["", "value"], [[k, v] for k, v in values.items()], title)
