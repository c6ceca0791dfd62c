"""SQLite durability is a profile choice: ``synchronous=NORMAL`` (the default, WAL) or ``FULL`` (aiida-core's).

NORMAL in WAL mode syncs the log at checkpoints only: a power cut (not a crash of the process) can lose
the last committed transactions, never corrupt the database. FULL syncs the log at every commit, so a
committed transaction survives a power cut, at the cost of one fsync per write transaction.
"""

from __future__ import annotations

import pytest

from jupyter_prov.config import ConfigError, get_config
from jupyter_prov.config.profiles import default_profile_for
from jupyter_prov.config.settings import parse_option
from jupyter_prov.storage.backend import StorageBackend, StorageError

#: what ``PRAGMA synchronous`` reads back
LEVEL = {"NORMAL": 1, "FULL": 2}


def _synchronous(backend: StorageBackend) -> int:
    with backend.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA synchronous").scalar_one()


def test_sqlite_storage_syncs_normal_by_default(tmp_path):
    backend = StorageBackend.open(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "repo", initialise=True)
    try:
        assert _synchronous(backend) == LEVEL["NORMAL"]
    finally:
        backend.close()


@pytest.mark.parametrize("given, level", [("full", "FULL"), ("FULL", "FULL"), ("normal", "NORMAL")])
def test_sqlite_storage_syncs_at_the_level_it_is_opened_with(tmp_path, given, level):
    backend = StorageBackend.open(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "repo", initialise=True,
                                  sqlite_synchronous=given)
    try:
        assert _synchronous(backend) == LEVEL[level]
        with backend.engine.connect() as conn:  # every pooled connection, not only the first
            with backend.engine.connect() as other:
                assert other.exec_driver_sql("PRAGMA synchronous").scalar_one() == LEVEL[level]
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == LEVEL[level]
    finally:
        backend.close()


def test_an_unknown_synchronous_level_is_refused_naming_it(tmp_path):
    with pytest.raises(StorageError, match=r"sqlite_synchronous 'off'.*normal.*full"):
        StorageBackend.open(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "repo", initialise=True,
                            sqlite_synchronous="off")


def test_profile_option_sqlite_synchronous_takes_normal_or_full():
    assert parse_option("sqlite_synchronous", "FULL") == "full"
    assert parse_option("sqlite_synchronous", " normal ") == "normal"
    with pytest.raises(ConfigError, match="'sqlite_synchronous'.*'off'"):
        parse_option("sqlite_synchronous", "off")


def test_a_profile_with_sqlite_synchronous_full_loads_a_storage_that_syncs_every_commit(jprov_home):
    from jupyter_prov.orm import current

    config = get_config()
    profile = default_profile_for("durable-full")
    profile.options["sqlite_synchronous"] = "full"
    config.add_profile(profile)
    config.save()
    try:
        current.load_profile("durable-full")
        assert _synchronous(current.get_storage()) == LEVEL["FULL"]
    finally:
        current.unload_profile()
