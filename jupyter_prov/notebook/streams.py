"""Copies of what a cell prints: a tee in front of ``sys.stdout``/``sys.stderr`` while the cell runs.

Everything is passed on to the real stream unchanged; the copy keeps the first ``limit`` characters
(and counts the rest), so a cell printing gigabytes costs no memory.
"""

from __future__ import annotations

import sys
from typing import Any


class StreamTee:
    def __init__(self, stream: Any, limit: int):
        self._stream = stream
        self._limit = limit
        self._parts: list[str] = []
        self._size = 0
        self.total = 0

    def write(self, text: str) -> int:
        if isinstance(text, str):
            self.total += len(text)
            if self._size < self._limit:
                part = text[: self._limit - self._size]
                self._parts.append(part)
                self._size += len(part)
        return self._stream.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    @property
    def text(self) -> str:
        return "".join(self._parts)


class CellStreams:
    """Installs tees on stdout and stderr; :meth:`restore` puts the originals back."""

    def __init__(self, limit: int):
        self.stdout = StreamTee(sys.stdout, limit)
        self.stderr = StreamTee(sys.stderr, limit)
        sys.stdout, sys.stderr = self.stdout, self.stderr

    def restore(self) -> tuple[str, str, int, int]:
        """(stdout, stderr, stdout length, stderr length): the kept text and the full lengths."""
        if sys.stdout is self.stdout:
            sys.stdout = self.stdout._stream
        if sys.stderr is self.stderr:
            sys.stderr = self.stderr._stream
        return self.stdout.text, self.stderr.text, self.stdout.total, self.stderr.total
