"""Comments: notes people attach to nodes; they may be edited and deleted at any time."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timezone

from ..storage import schema
from . import current
from .entity import Entity
from .exceptions import ValidationError
from .validation import check_text


class Comment(Entity):
    _table = schema.comments
    _entity_name = "comment"

    def __init__(self, node, content: str):
        if not node.is_stored:
            raise ValidationError(f"comments attach to stored nodes; store {node!r} first")
        content = check_text(content, what="a comment's content")
        now = datetime.now(timezone.utc)
        super().__init__(uuid=str(uuid_module.uuid4()), node_id=node.pk, ctime=now, mtime=now,
                         user_id=current.get_default_user().pk, content=content)

    @classmethod
    def for_node(cls, node) -> list["Comment"]:
        return cls.find(node_id=node.pk)

    uuid = property(lambda self: self._fields["uuid"])
    ctime = property(lambda self: self._fields["ctime"])
    mtime = property(lambda self: self._fields["mtime"])
    node_id = property(lambda self: self._fields["node_id"])

    @property
    def content(self) -> str:
        return self._fields["content"]

    def set_content(self, content: str) -> None:
        content = check_text(content, what="a comment's content")
        self._update(content=content, mtime=datetime.now(timezone.utc))

    @property
    def user(self):
        from .users import User

        return User.get(id=self._fields["user_id"])

    def __repr__(self) -> str:
        return f"<Comment on node {self.node_id}: {self.content[:40]!r}>"
