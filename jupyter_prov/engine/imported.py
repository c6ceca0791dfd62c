"""Processes that come from an archive are records, never work.

An archive is data from someone else. A process in it that is not terminal (``created``, ``running``,
``waiting``, a state this version does not know, or no state at all) would otherwise look like work
waiting to be done: on 2026-12-03 a shell job in state ``created`` inside an imported archive was
queued by the daemon's "created but never queued" scan and its command ran ~10 s after the import.

The importer therefore stores every such process **terminal**: state ``killed``, sealed, no
checkpoint, and a ``process_status`` that says why. Chosen over a new "imported" column because

- ``process_state``, ``process_status``, ``sealed`` and ``checkpoint`` are outside the node hash
  (:attr:`ProcessNode._updatable_attributes`): the node keeps its identity and its hash;
- every path that could run a process already refuses a terminal one (daemon scans and broker
  messages need a queue row *and* a non-terminal node, ``continue_process`` returns a terminal node
  as it is, ``play`` reports "already killed"), so no future path can forget a new check.

The daemon does not rely on this alone: it runs only processes whose queue row was written by
``submit`` in this profile (see :mod:`jupyter_prov.daemon.leases`); archives carry no queue rows.
"""

from __future__ import annotations

from typing import Any

from ..orm.nodes.process import TERMINAL_STATES, ProcessState

_TERMINAL_VALUES = frozenset(state.value for state in TERMINAL_STATES)
#: the ``process_status`` of a process that was not terminal in the archive it came from
IMPORTED_STATUS = ("imported from an archive in state {state!r}: a process from an archive is a record "
                   "and never runs here")


def imported_process_attributes(attributes: Any) -> dict[str, Any] | None:
    """The attributes to store for a process node read from an archive, or ``None`` if they can stay as they are.

    A terminal process is only sealed (and loses a left-over checkpoint); any other becomes ``killed``.
    Attributes that are not a JSON object are left to the importer's row checks (``None``).
    """
    if not isinstance(attributes, dict):
        return None
    state = attributes.get("process_state")
    if state in _TERMINAL_VALUES:
        if attributes.get("sealed") is True and "checkpoint" not in attributes:
            return None
        settled = {k: v for k, v in attributes.items() if k != "checkpoint"}
        settled["sealed"] = True
        return settled
    settled = {k: v for k, v in attributes.items() if k not in ("checkpoint", "paused")}
    settled.update(process_state=ProcessState.KILLED.value, sealed=True,
                   process_status=IMPORTED_STATUS.format(state=state if isinstance(state, str) else None))
    return settled


__all__ = ["IMPORTED_STATUS", "imported_process_attributes"]
