"""Computers (where codes run) and authinfos (one user's connection settings for a computer)."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from ..storage import schema
from . import current
from .entity import Entity
from .exceptions import NotExistent, ValidationError
from .json_values import clean_json


class Computer(Entity):
    """A machine with a transport (how to reach it), a scheduler (how to run jobs) and a work directory."""

    _table = schema.computers
    _entity_name = "computer"

    def __init__(self, label: str, hostname: str = "localhost", *, description: str = "",
                 transport_type: str = "core.local", scheduler_type: str = "core.direct",
                 workdir: str = "/tmp/jprov-work", metadata: dict[str, Any] | None = None):
        if not isinstance(label, str) or not label.strip() or len(label) > schema.LABEL_LENGTH:
            raise ValidationError(f"computer label {label!r} must be a non-empty string of at most 255 characters")
        meta = clean_json(dict(metadata or {}), f"metadata of computer {label!r}")
        meta.setdefault("workdir", workdir)
        super().__init__(uuid=str(uuid_module.uuid4()), label=label, hostname=hostname, description=description,
                         transport_type=transport_type, scheduler_type=scheduler_type, metadata=meta)

    @classmethod
    def load(cls, identifier: str | int) -> "Computer":
        """By label, pk or UUID."""
        if isinstance(identifier, int) or (isinstance(identifier, str) and identifier.isdigit()):
            return cls.get(id=int(identifier))
        try:
            return cls.get(label=identifier)
        except NotExistent:
            found = cls.find(uuid=identifier)
            if found:
                return found[0]
            raise NotExistent(f"no computer {identifier!r} (use `jprov computer list`)") from None

    @classmethod
    def get(  # type: ignore[override]  # Entity.get(storage) positional is Computer.get(identifier) here
            cls, identifier: Any = None, /, storage=None, **filters: Any) -> "Computer":
        """``Computer.get("x")``: by label, pk or UUID, like :meth:`load`; ``Computer.get(label=..., ...)``: by columns."""
        if isinstance(identifier, (str, int)) and not isinstance(identifier, bool):
            if filters or storage is not None:
                raise TypeError("Computer.get takes an identifier or keyword filters, not both")
            return cls.load(identifier)
        return super().get(storage if identifier is None else identifier, **filters)

    uuid = property(lambda self: self._fields["uuid"])
    label = property(lambda self: self._fields["label"])
    hostname = property(lambda self: self._fields["hostname"])
    description = property(lambda self: self._fields["description"])
    transport_type = property(lambda self: self._fields["transport_type"])
    scheduler_type = property(lambda self: self._fields["scheduler_type"])

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._fields["metadata"])

    def set_metadata(self, key: str, value: Any) -> None:
        metadata = self.metadata
        metadata[key] = clean_json(value, f"metadata {key!r} of computer {self.label!r}")
        self._update(metadata=metadata)

    @property
    def workdir(self) -> str:
        return self._fields["metadata"].get("workdir", "/tmp/jprov-work")

    def get_authinfo(self, user=None) -> "AuthInfo":
        user = user or current.get_default_user()
        try:
            return AuthInfo.get(computer_id=self.pk, user_id=user.pk)
        except NotExistent:
            raise NotExistent(
                f"computer {self.label!r} is not configured for {user.email}; run `jprov computer configure {self.label}`"
            ) from None

    def configure(self, user=None, **auth_params: Any) -> "AuthInfo":
        """Store (or update) the current user's connection settings for this computer."""
        user = user or current.get_default_user()
        found = AuthInfo.find(computer_id=self.pk, user_id=user.pk)
        params = clean_json(auth_params, f"connection settings of computer {self.label!r}")
        if found:
            found[0].update_auth_params(params)
            return found[0]
        return AuthInfo(self, user, params).store()

    def __repr__(self) -> str:
        return f"<Computer: {self.label} ({self.hostname}, {self.transport_type}, {self.scheduler_type})>"


class AuthInfo(Entity):
    """How one user reaches one computer. Never exported in archives."""

    _table = schema.authinfos
    _entity_name = "authinfo"

    def __init__(self, computer: Computer, user, auth_params: dict[str, Any] | None = None):
        if not computer.is_stored or not user.is_stored:
            raise ValidationError("an authinfo needs a stored computer and user")
        super().__init__(computer_id=computer.pk, user_id=user.pk, metadata={},
                         auth_params=clean_json(dict(auth_params or {}), "auth_params"), enabled=True)

    @property
    def auth_params(self) -> dict[str, Any]:
        return dict(self._fields["auth_params"])

    def update_auth_params(self, params: dict[str, Any]) -> None:
        """Merge ``params`` (checked JSON already) into the stored connection settings."""
        self._update(auth_params={**self.auth_params, **params})

    @property
    def enabled(self) -> bool:
        return self._fields["enabled"]

    @property
    def computer(self) -> Computer:
        return Computer.get(id=self._fields["computer_id"])
