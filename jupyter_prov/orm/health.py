"""Health of a profile's parts the model knows: is its config, storage, repository and broker usable?

Each check returns a :class:`Check` (never raises): a clear OK line, or the problem and what to do.
Nothing here creates a profile or writes to the storage. :mod:`jupyter_prov.views.health` puts these
together with the daemon's own answer (whether it runs) for ``jprov status`` and the other faces;
``jprov profile set`` checks a broker URL with :func:`check_broker` before saving it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..config import ConfigError, Profile, get_config
from ..storage.backend import StorageBackend, StorageError

BROKER_TIMEOUT_S = 3.0


@dataclass
class Check:
    """The result of one health check."""

    name: str
    ok: bool
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_profile(name: str | None = None) -> tuple[Check, Profile | None]:
    """Is the config file readable and is there a profile of that name (the default one if ``None``)?"""
    try:
        config = get_config()
        profile = config.get_profile(name or os.environ.get("JPROV_PROFILE") or None)
    except ConfigError as exc:
        return Check("profile", False, str(exc)), None
    default = " (default)" if profile.name == config.default_profile else ""
    return Check("profile", True, f"{profile.name}{default}", {"config": str(config.path)}), profile


def check_storage(profile: Profile) -> Check:
    """Can the database be reached, and is it at the schema version this jupyter-prov uses?"""
    try:
        storage = StorageBackend.open(profile.storage, profile.repository, initialise=False)
    except StorageError as exc:
        return Check("storage", False, str(exc), {"url": _safe(profile.storage)})
    except Exception as exc:  # noqa: BLE001 - a driver error of any kind is a problem to report
        return Check("storage", False, f"{type(exc).__name__}: {exc}", {"url": _safe(profile.storage)})
    try:
        from ..storage.migrations import current_revision

        revision = current_revision(storage.engine)
        counts = storage.counts()
    finally:
        storage.close()
    return Check("storage", True, f"{storage.dialect} at {storage.safe_url}, schema {revision}, {counts['nodes']} nodes",
                 {"url": storage.safe_url, "backend": storage.dialect, "schema_version": revision, **counts})


def check_repository(profile: Profile) -> Check:
    """Is the repository folder an initialised disk-objectstore container?"""
    folder = Path(profile.repository)
    try:
        from disk_objectstore import Container

        if not folder.exists():
            parent = next((p for p in folder.parents if p.exists()), None)
            if parent is not None and os.access(parent, os.W_OK):
                return Check("repository", True, f"{folder}, empty (created when the first file is stored)",
                             {"folder": str(folder), "loose_objects": 0, "packed_objects": 0})
            return Check("repository", False, f"repository folder {folder} does not exist and cannot be created",
                         {"folder": str(folder)})
        with Container(folder) as container:
            if not container.is_initialised:
                return Check("repository", False, f"{folder} is not an initialised repository", {"folder": str(folder)})
            counts = container.count_objects()
    except Exception as exc:  # noqa: BLE001
        return Check("repository", False, f"repository at {folder} is not usable: {exc}", {"folder": str(folder)})
    objects = counts.loose + counts.packed
    return Check("repository", True, f"{folder}, {objects} objects ({counts.loose} loose)",
                 {"folder": str(folder), "loose_objects": counts.loose, "packed_objects": counts.packed})


def check_broker(profile: Profile, timeout: float = BROKER_TIMEOUT_S) -> Check:
    """Does the profile's message broker accept a connection (within ``timeout`` seconds)?"""
    from kombu import Connection

    url = profile.broker
    shown = _safe(url)
    try:
        with Connection(url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            transport = connection.transport_cls
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds
        return Check("broker", False, f"cannot connect to the broker at {shown}: {type(exc).__name__}: {exc}",
                     {"url": shown})
    return Check("broker", True, f"{shown} ({transport})", {"url": shown})


def _safe(url: str) -> str:
    """The URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not an SQLAlchemy URL (a broker URL): hide what looks like a password
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            credentials, host = rest.rsplit("@", 1)
            user = credentials.split(":", 1)[0]
            return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
        return url
