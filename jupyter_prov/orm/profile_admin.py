"""Administration of profiles: set one up, delete one, migrate its database, maintain its storage.

These are the actions behind ``jprov profile`` and ``jprov storage``, as Python functions so that a notebook
can do the same. Each one leaves the config file untouched when it fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from ..config import ConfigError, Profile, ProfileLock, get_config
from ..config.profiles import default_profile_for, validate_profile_name
from ..storage import schema
from ..storage.backend import SchemaVersionError, StorageBackend, StorageError, create_sql_engine
from . import current


def setup_profile(name: str, *, storage: str | None = None, repository: str | None = None,
                  broker: str | None = None, set_default: bool = False) -> Profile:
    """Create a profile: its database schema (on an empty database), its repository, its config entry.

    Unset parts default to files in the profile folder (SQLite, local repository, embedded broker).
    An unreachable database or one that is not empty and not a jupyter-prov storage is refused, and
    the config file is not written.
    """
    validate_profile_name(name)
    config = get_config()
    if name in config.profiles:
        raise ConfigError(f"profile {name!r} exists already (see `jprov profile show {name}`)")
    profile = default_profile_for(name, storage=storage, repository=repository, broker=broker)
    if broker is not None:
        check_broker_url(broker)
    _open_storage(profile.storage, profile.repository)
    config = get_config()  # re-read: another process may have changed it meanwhile
    config.add_profile(profile, make_default=set_default)
    config.save()
    return profile


def _open_storage(storage: str, repository: str) -> None:
    """Reach the database (initialised if empty, refused if foreign or at another schema) and the repository."""
    backend = StorageBackend.open(storage, repository, initialise=True)
    try:
        backend.repository.container  # noqa: B018 - the property creates the disk-objectstore container
    finally:
        backend.close()


def check_broker_url(url: str, *, timeout: float = 3.0) -> None:
    """Refuse a broker URL that does not accept a connection within ``timeout`` seconds (ConfigError)."""
    from .health import check_broker

    check = check_broker(Profile("broker-check", "", "", url), timeout)
    if not check.ok:
        raise ConfigError(f"{check.message}; nothing was changed")


def set_profile_value(name: str, key: str, value: str) -> Profile:
    """``jprov profile set NAME KEY VALUE``: change one location or option of a profile, checked first.

    ``storage`` and ``repository`` are reached as :func:`setup_profile` reaches them (an empty database is
    initialised; a foreign one, or one at another schema, is refused); ``broker`` must accept a
    connection; options are parsed by type (:mod:`jupyter_prov.config.settings`). On any error the
    config file is not written.
    """
    from ..config.settings import LOCATIONS, parse_option

    profile = get_config().get_profile(name)
    if key in LOCATIONS:
        if not value.strip():
            raise ConfigError(f"profile key {key!r}: give a value")
        if key == "storage":
            _open_storage(value, profile.repository)
        elif key == "repository":
            value = str(Path(value).expanduser().absolute())
            _open_storage(profile.storage, value)
        else:
            check_broker_url(value)
    else:
        parsed = parse_option(key, value)
    config = get_config()  # re-read: another process may have changed it meanwhile
    stored = config.get_profile(name)
    if key in LOCATIONS:
        setattr(stored, key, value)
    else:
        stored.options[key] = parsed
    config.save()
    if (loaded := current.get_profile()) is not None and loaded.name == name:
        current.unload_profile()  # the next use opens the changed profile
    return stored


def delete_profile(name: str, *, delete_data: bool = False) -> Profile:
    """Remove a profile from the config; with ``delete_data`` also its database tables and repository.

    The profile must not be in use by another process (the exclusive profile lock is taken).
    """
    config = get_config()
    profile = config.get_profile(name)
    if (loaded := current.get_profile()) is not None and loaded.name == name:
        current.unload_profile()
    lock = ProfileLock(profile.folder, profile.name)
    lock.acquire_exclusive()
    try:
        if delete_data:
            _drop_database(profile.storage)
            repository = Path(profile.repository)
            if repository.exists():
                shutil.rmtree(repository)
        config = get_config()
        config.remove_profile(name)
        config.save()
    finally:
        lock.release()
    if delete_data and profile.folder.exists():
        shutil.rmtree(profile.folder)
    return profile


def _drop_database(url: str) -> None:
    """Drop the jupyter-prov tables (SQLite: the database file) of a storage."""
    engine = create_sql_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            database = engine.url.database
            engine.dispose()
            if database and database != ":memory:":
                for suffix in ("", "-wal", "-shm"):
                    Path(database + suffix).unlink(missing_ok=True)
            return
        with engine.begin() as conn:
            schema.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def migrate_profile(name: str | None = None) -> dict[str, Any]:
    """Bring a profile's database to the newest schema, under the exclusive profile lock.

    Returns ``{"from": old revision, "to": new revision}``. A database written by a newer
    jupyter-prov (unknown revision) or one that is not a jupyter-prov storage is refused.
    """
    from ..storage.migrations import current_revision, head_revision, known_revisions, upgrade

    profile = get_config().get_profile(name or None)
    if (loaded := current.get_profile()) is not None and loaded.name == profile.name:
        current.unload_profile()
    lock = ProfileLock(profile.folder, profile.name)
    lock.acquire_exclusive()
    engine = create_sql_engine(profile.storage)
    try:
        try:
            before = current_revision(engine)
            empty = not inspect(engine).get_table_names()
        except Exception as exc:  # noqa: BLE001 - unreachable database
            raise StorageError(f"cannot reach the database of profile {profile.name!r}: {exc}") from None
        if before is None and not empty:
            raise SchemaVersionError(
                f"the database of profile {profile.name!r} is not a jupyter-prov storage (no schema version); "
                "nothing was changed"
            )
        if before is not None and before not in known_revisions():
            raise SchemaVersionError(
                f"the database of profile {profile.name!r} has schema version {before}, unknown to this "
                "jupyter-prov (written by a newer version?); upgrade jupyter-prov, nothing was changed"
            )
        if before != head_revision():
            upgrade(engine)
        return {"from": before, "to": current_revision(engine)}
    finally:
        engine.dispose()
        lock.release()


def maintain_storage(*, full: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """Maintain the loaded profile's storage; ``full`` (repack, vacuum) holds the exclusive profile lock.

    Raises :class:`~jupyter_prov.config.ProfileLockedError` when ``full`` is asked while another
    process uses the profile.
    """
    storage = current.get_storage()
    lock = current.get_profile_lock()
    exclusive = lock if full and not dry_run else None
    if exclusive is not None:
        exclusive.acquire_exclusive()
    try:
        return storage.maintain(full=full, dry_run=dry_run)
    finally:
        if exclusive is not None:
            exclusive.downgrade()
