"""Table: a pandas DataFrame kept in an open format (Parquet when pyarrow is installed, else CSV).

The column names, dtypes, shape and format are attributes, so queries see them without reading the
file. The frame is written once, as a file in the repository; nothing is pickled. CSV loses dtypes
that have no text form (categoricals come back as strings); :meth:`Table.get_dataframe` restores the
simple ones (numbers, booleans, datetimes) from the recorded dtypes.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, ClassVar

from ..exceptions import ValidationError
from .data import Data

FORMATS = ("parquet", "csv")


def default_format() -> str:
    """``parquet`` when pyarrow can be imported, else ``csv``."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return "csv"
    return "parquet"


def table_bytes(frame: Any, fmt: str) -> bytes:
    """The bytes of ``frame`` in the format ``fmt`` (deterministic for equal frames)."""
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=True)
        return buffer.getvalue()
    if fmt == "csv":
        return frame.to_csv(index=True).encode("utf-8")
    raise ValidationError(f"unknown table format {fmt!r} (known: {', '.join(FORMATS)})")


def table_attributes(frame: Any, fmt: str) -> dict[str, Any]:
    return {
        "format": fmt,
        "filename": f"table.{fmt}",
        "shape": [int(n) for n in frame.shape],
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "index_name": None if frame.index.name is None else str(frame.index.name),
    }


class Table(Data):
    """A table of named columns (a pandas DataFrame)."""

    _type_string: ClassVar[str] = "data.table"
    __slots__ = ()

    def __init__(self, frame: Any = None, *, fmt: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if frame is not None:
            self.set_dataframe(frame, fmt=fmt)

    @classmethod
    def from_frame(cls, frame: Any, *, fmt: str | None = None, key: str | None = None, content: bytes | None = None,
                   **kwargs: Any) -> "Table":
        """A table node of the DataFrame ``frame`` in format ``fmt`` (default: :func:`default_format`).

        ``key``: the repository key (SHA-256) of ``table_bytes(frame, fmt)``, when the caller wrote the
        bytes already or writes them with the batch before storing (the notebook's capture packs small
        tables); the node then only records the key and the frame's attributes. ``content``: those bytes,
        made already (written here). Without either they are made and written like :meth:`set_dataframe`.
        """
        node = cls(**kwargs)
        if key is None and content is None:
            node.set_dataframe(frame, fmt=fmt)
            return node
        node._attributes = table_attributes(frame, fmt or default_format())
        if key is not None:
            node._files = {node._attributes["filename"]: key}
        elif content is not None:
            node.put_file(node._attributes["filename"], content)
        return node

    def set_dataframe(self, frame: Any, *, fmt: str | None = None) -> None:
        self._check_mutable("table")
        import pandas as pd

        if isinstance(frame, pd.Series):
            frame = frame.to_frame()
        if not isinstance(frame, pd.DataFrame):
            raise ValidationError(f"Table needs a pandas DataFrame, got {type(frame).__name__}")
        fmt = fmt or default_format()
        content = table_bytes(frame, fmt)
        self._attributes = table_attributes(frame, fmt)
        self._files = {}
        self.put_file(self._attributes["filename"], content)

    @staticmethod
    def offline_files(frame: Any, fmt: str) -> tuple[dict[str, Any], dict[str, str]]:
        """(attributes, file tree) that :meth:`set_dataframe` would make, without writing the repository.

        The repository addresses files by the SHA-256 of their bytes, so the tree, and with it the
        node hash, can be computed anywhere (a replay kernel comparing a value with a recorded one).
        """
        attributes = table_attributes(frame, fmt)
        key = hashlib.sha256(table_bytes(frame, fmt)).hexdigest()
        return attributes, {attributes["filename"]: key}

    @property
    def format(self) -> str:
        return self._attributes["format"]

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self._attributes["shape"])

    @property
    def columns(self) -> list[str]:
        return list(self._attributes["columns"])

    def get_dataframe(self):
        """The table as a new pandas DataFrame."""
        import pandas as pd

        with self.open(self._attributes["filename"], "rb") as handle:
            if self.format == "parquet":
                return pd.read_parquet(handle)
            frame = pd.read_csv(handle, index_col=0)
        for column, dtype in zip(self._attributes["columns"], self._attributes["dtypes"]):
            if column in frame.columns and str(frame[column].dtype) != dtype:
                try:
                    frame[column] = pd.to_datetime(frame[column]) if dtype.startswith("datetime") else frame[column].astype(dtype)
                except (TypeError, ValueError):
                    pass
        frame.index.name = self._attributes.get("index_name")
        return frame

    @property
    def value(self):
        return self.get_dataframe()

    def _validate(self) -> None:
        if "filename" not in self._attributes or self._attributes["filename"] not in self._files:
            raise ValidationError(f"{self!r} has no table; give it a DataFrame")
