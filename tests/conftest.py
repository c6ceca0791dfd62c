"""Test fixtures: every storage-dependent test runs on SQLite and on the PostgreSQL server.

The PostgreSQL server is read from ``JPROV_TEST_POSTGRES_URL`` (default: the server on this machine,
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each test session creates its own database
there and drops it at the end. Without a server the PostgreSQL variants skip with the reason, except
in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("JPROV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def jprov_home(tmp_path_factory) -> Path:
    """A config directory of this test session; nothing touches the user's own."""
    home = tmp_path_factory.mktemp("jprov-home")
    os.environ["JPROV_HOME"] = str(home)
    os.environ.pop("JPROV_PROFILE", None)
    return home


def _postgres_admin_engine():
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_database_url():
    """URL of a fresh PostgreSQL database for this session (dropped at the end)."""
    name = f"jprov_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = _postgres_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        engine.dispose()
        message = f"PostgreSQL server at {POSTGRES_URL} not usable: {exc.__class__.__name__}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    url = engine.url.set(database=name).render_as_string(hide_password=False)
    yield url
    from jupyter_prov.orm import current

    current.unload_profile()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def make_profile(name: str, storage_url: str | None):
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for

    config = get_config()
    if name not in config.profiles:
        config.add_profile(default_profile_for(name, storage=storage_url))
        config.save()
    return config.profiles[name]


def clean_storage(storage) -> None:
    """Empty every table (keeps the schema), so each test starts from nothing."""
    from jupyter_prov.storage import schema

    tables = [t.name for t in reversed(schema.metadata.sorted_tables)]
    with storage.engine.connect() as conn:
        if storage.dialect == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
        conn.commit()


@pytest.fixture(params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture
def profile(request, backend_name, jprov_home):
    """A loaded, empty profile on the backend of the test's parameter; yields the Profile."""
    from jupyter_prov.orm import current

    if backend_name == "postgresql":
        url = request.getfixturevalue("postgres_database_url")
    else:
        url = None
    prof = make_profile(f"test-{backend_name}", url)
    current.load_profile(prof.name)
    storage = current.get_storage()
    clean_storage(storage)
    current._state["user"] = None
    yield prof
    if current.get_profile() is None or current.get_profile().name != prof.name:
        current.load_profile(prof.name)
    clean_storage(current.get_storage())


@pytest.fixture
def storage(profile):
    from jupyter_prov.orm import current

    return current.get_storage()


@pytest.fixture
def subprocess_env(profile, jprov_home) -> dict[str, str]:
    """Environment for a child process that works on the same profile."""
    env = dict(os.environ)
    env["JPROV_HOME"] = str(jprov_home)
    env["JPROV_PROFILE"] = profile.name
    return env
