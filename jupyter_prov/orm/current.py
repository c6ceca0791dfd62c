"""The profile this Python process works on, and its open storage.

``load_profile()`` with no name and no configured profile creates the ``default`` profile on SQLite
with a local repository, so a notebook on Binder works with no set-up at all.
"""

from __future__ import annotations

import atexit
import getpass
import os
import socket
import threading
from typing import Any, Callable

from ..config import Config, ConfigError, Profile, ProfileLock, get_config
from ..config.profiles import DEFAULT_PROFILE_NAME, default_profile_for
from ..storage.backend import StorageBackend

_lock = threading.RLock()
_state: dict = {"profile": None, "storage": None, "lock": None, "user": None}
#: makes the default user from an email: set by :mod:`.users` when it is imported (this module sits
#: below the entities, so it does not import them: no current -> users -> entity -> current cycle)
_user_factory: Callable[[str], Any] | None = None


def load_profile(name: str | None = None, *, allow_create: bool = True) -> Profile:
    """Load a profile (the default one if no name is given) and open its storage.

    With no profile configured at all, ``default`` is created on SQLite (only when ``allow_create``).
    Loading another profile closes the storage of the one loaded before.
    """
    with _lock:
        config = get_config()
        if name is None and config.default_profile is None and not config.profiles and allow_create:
            profile = default_profile_for(os.environ.get("JPROV_PROFILE") or DEFAULT_PROFILE_NAME)
            config.add_profile(profile, make_default=True)
            config.save()
        else:
            profile = config.get_profile(name or os.environ.get("JPROV_PROFILE") or None)
        current = _state["profile"]
        if current is not None and current.name == profile.name and current.storage == profile.storage:
            return current
        unload_profile()
        lock = ProfileLock(profile.folder, profile.name)
        lock.acquire_shared()
        try:
            storage = StorageBackend.open(profile.storage, profile.repository, initialise=True,
                                          sqlite_synchronous=profile.options.get("sqlite_synchronous", "normal"))
        except Exception:
            lock.release()
            raise
        _state.update(profile=profile, storage=storage, lock=lock, user=None)
        return profile


def unload_profile() -> None:
    """Close the storage of the loaded profile and release its lock."""
    with _lock:
        if _state["storage"] is not None:
            _state["storage"].close()
        if _state["lock"] is not None:
            _state["lock"].release()
        _state.update(profile=None, storage=None, lock=None, user=None)


atexit.register(unload_profile)


def get_profile() -> Profile | None:
    """The loaded profile, or ``None``."""
    return _state["profile"]


def get_profile_lock() -> ProfileLock | None:
    return _state["lock"]


def get_storage() -> StorageBackend:
    """The storage of the loaded profile; loads the default profile first if none is loaded."""
    storage = _state["storage"]
    if storage is None:
        load_profile()
        storage = _state["storage"]
    return storage


def loaded_storage() -> StorageBackend | None:
    """The storage ORM calls use now, or ``None`` when no profile is loaded (never loads one)."""
    return _state["storage"]


def foreign_storage(storage: StorageBackend | None) -> StorageBackend | None:
    """``storage`` if it is another one than the loaded profile's (an archive read in place), else ``None``.

    What a loaded entity remembers as its storage: ``None`` means "the loaded profile's".
    """
    return storage if storage is not None and storage is not _state["storage"] else None


def forget_default_user() -> None:
    """Drop the remembered default user (the next :func:`get_default_user` looks it up again)."""
    _state["user"] = None


def set_user_factory(factory: Callable[[str], Any]) -> None:
    """How :func:`get_default_user` makes the user of an email (``User.get_or_create``, set by :mod:`.users`)."""
    global _user_factory
    _user_factory = factory


def use_storage(storage: StorageBackend | None) -> StorageBackend | None:
    """Make ``storage`` the one ORM calls use (an archive reader, a test database); returns the previous one."""
    with _lock:
        previous = _state["storage"]
        _state["storage"] = storage
        _state["user"] = None
        return previous


def default_user_email(config: Config | None = None) -> str:
    config = config or get_config()
    email = config.options.get("user_email") or os.environ.get("JPROV_USER_EMAIL")
    return email or f"{getpass.getuser()}@{socket.gethostname() or 'localhost'}"


def get_default_user() -> Any:
    """The :class:`~.users.User` that new nodes belong to: made on first use from the config's ``user_email``."""
    user = _state["user"]
    if user is None:
        if _user_factory is None:  # jupyter_prov.orm imports users.py first: not reached in practice
            raise RuntimeError("jupyter_prov.orm.users is not imported: no default user can be made")
        try:
            email = default_user_email()
        except ConfigError:
            email = f"{getpass.getuser()}@localhost"
        user = _user_factory(email)
        _state["user"] = user
    return user
