"""Log records attached to nodes: reports of processes, tracebacks of failures."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timezone
from typing import Any

from ..storage import schema
from . import current
from .entity import Entity
from .exceptions import ValidationError
from .json_values import clean_json
from .validation import check_label, check_text


class Log(Entity):
    _table = schema.logs
    _entity_name = "log"

    def __init__(self, node, message: str, *, levelname: str = "REPORT", loggername: str = "jupyter_prov",
                 metadata: dict[str, Any] | None = None, time: datetime | None = None):
        if not node.is_stored:
            raise ValidationError(f"logs attach to stored nodes; store {node!r} first")
        # a process's message may quote anything it read: a NUL (which no database column takes) is replaced
        message = str(message).replace("\x00", "\ufffd")
        loggername = check_label(loggername, what="logger name")
        levelname = check_text(levelname, what="log level name", maximum=50)
        super().__init__(uuid=str(uuid_module.uuid4()), time=time or datetime.now(timezone.utc),
                         loggername=loggername, levelname=levelname, node_id=node.pk, message=message,
                         metadata=clean_json(dict(metadata or {}), "log metadata"))

    @classmethod
    def for_node(cls, node) -> list["Log"]:
        return cls.find(node_id=node.pk)

    @classmethod
    def store_many(cls, logs: list["Log"]) -> None:
        current.get_storage().bulk_insert(cls._table, [log.row() for log in logs])

    uuid = property(lambda self: self._fields["uuid"])
    time = property(lambda self: self._fields["time"])
    levelname = property(lambda self: self._fields["levelname"])
    loggername = property(lambda self: self._fields["loggername"])
    message = property(lambda self: self._fields["message"])
    node_id = property(lambda self: self._fields["node_id"])

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._fields["metadata"])

    def __repr__(self) -> str:
        return f"<Log {self.levelname} on node {self.node_id}: {self.message[:40]!r}>"
