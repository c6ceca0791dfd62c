"""A scratch database per test, on the backend of the test's parameter, for schema tests."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text


@pytest.fixture
def scratch_url(request, backend_name, tmp_path):
    """URL of a new, empty database (SQLite file or PostgreSQL database), dropped afterwards."""
    if backend_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.sqlite'}"
        return
    session_url = request.getfixturevalue("postgres_database_url")
    admin = create_engine(session_url, isolation_level="AUTOCOMMIT")
    name = f"jprov_scratch_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
