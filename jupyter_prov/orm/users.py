"""Users: who made a node. Identified by email."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from ..storage import schema
from . import current
from .entity import Entity
from .exceptions import NotExistent, ValidationError


class User(Entity):
    _table = schema.users
    _entity_name = "user"

    def __init__(self, email: str, first_name: str = "", last_name: str = "", institution: str = ""):
        if not isinstance(email, str) or "@" not in email or len(email) > 254:
            raise ValidationError(f"user email {email!r} is not an email address")
        super().__init__(email=email.strip(), first_name=first_name, last_name=last_name, institution=institution)

    @classmethod
    def get_or_create(cls, email: str) -> "User":
        try:
            return cls.get(email=email)
        except NotExistent:
            pass
        try:
            return cls(email).store()
        except IntegrityError:  # another process created it since we looked
            return cls.get(email=email)

    @property
    def email(self) -> str:
        return self._fields["email"]

    @property
    def first_name(self) -> str:
        return self._fields["first_name"]

    @first_name.setter
    def first_name(self, value: str) -> None:
        self._update(first_name=value)

    @property
    def last_name(self) -> str:
        return self._fields["last_name"]

    @last_name.setter
    def last_name(self, value: str) -> None:
        self._update(last_name=value)

    @property
    def institution(self) -> str:
        return self._fields["institution"]

    @institution.setter
    def institution(self, value: str) -> None:
        self._update(institution=value)

    def __repr__(self) -> str:
        return f"<User: {self.email}>"


current.set_user_factory(User.get_or_create)
