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
from typing import TYPE_CHECKING

from ..config import Config, ConfigError, Profile, ProfileLock, get_config
from ..config.profiles import DEFAULT_PROFILE_NAME, default_profile_for
from ..storage.backend import StorageBackend

if TYPE_CHECKING:
    from .users import User

_lock = threading.RLock()
_state: dict = {"profile": None, "storage": None, "lock": None, "user": None}


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
            storage = StorageBackend.open(profile.storage, profile.repository, initialise=True)
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


def get_default_user() -> "User":
    """The user that new nodes belong to: made on first use from the config's ``user_email`` option."""
    user = _state["user"]
    if user is None:
        from .users import User

        try:
            email = default_user_email()
        except ConfigError:
            email = f"{getpass.getuser()}@localhost"
        user = User.get_or_create(email)
        _state["user"] = user
    return user
