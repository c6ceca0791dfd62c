"""What the kernel thread hands to the writer thread about one cell execution: plain data only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .capture import Captured


@dataclass
class FileSnapshot:
    """A file a cell read or wrote: its bytes when small, else its path and stat (hashed later)."""

    path: str
    size: int
    mtime_ns: int
    content: bytes | None = None


@dataclass
class CellRecord:
    sequence: int
    source: str
    cell_id: str | None
    execution_count: int | None
    notebook: str | None
    session: str
    started_at: datetime
    ended_at: datetime | None = None
    reads: list[str] = field(default_factory=list)
    """names the cell read (static reads present in the namespace, plus globals of functions it calls)"""
    analysis: dict[str, Any] = field(default_factory=dict)
    external: dict[str, Captured] = field(default_factory=dict)
    """values of read names that changed while nothing was recording (no creator in the graph)"""
    outputs: dict[str, Captured] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    file_reads: list[FileSnapshot] = field(default_factory=list)
    file_writes: list[FileSnapshot] = field(default_factory=list)
    success: bool = True
    error: dict[str, str] | None = None
    traceback: str | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_chars: int = 0
    stderr_chars: int = 0
    early_node: Any = None
    """the cell node, when it was stored during the cell because it launched a process"""
