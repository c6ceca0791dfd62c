"""The schema: migrations build exactly schema.py, and a database at another version is refused."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from jupyter_prov.storage import migrations, schema
from jupyter_prov.storage.backend import SchemaVersionError, StorageBackend, StorageError, create_sql_engine


def _migrated_engine(url, revision="head"):
    engine = create_sql_engine(url)
    migrations.upgrade(engine, revision)
    return engine


def test_migrations_build_exactly_the_schema(scratch_url):
    engine = _migrated_engine(scratch_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
            diff = compare_metadata(context, schema.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"migrations and schema.py differ: {diff}"


def test_new_database_is_created_at_head(scratch_url, tmp_path):
    storage = StorageBackend.open(scratch_url, tmp_path / "repo", initialise=True)
    try:
        assert migrations.current_revision(storage.engine) == migrations.head_revision()
    finally:
        storage.close()


def _stamp(url, revision):
    engine = create_sql_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    engine.dispose()


def test_database_from_a_newer_version_is_refused(scratch_url, tmp_path):
    _migrated_engine(scratch_url).dispose()
    _stamp(scratch_url, "9999_future")
    with pytest.raises(SchemaVersionError, match="9999_future, unknown to this jupyter-prov"):
        StorageBackend.open(scratch_url, tmp_path / "repo", initialise=True)


@pytest.mark.skipif(len(migrations.known_revisions()) < 2, reason="only one schema revision exists")
def test_older_database_is_refused_naming_the_migrate_command(scratch_url, tmp_path):
    first = min(migrations.known_revisions())
    _migrated_engine(scratch_url, first).dispose()
    with pytest.raises(SchemaVersionError, match="jprov storage migrate") as info:
        StorageBackend.open(scratch_url, tmp_path / "repo", initialise=True)
    assert first in str(info.value) and migrations.head_revision() in str(info.value)


def test_stamped_older_database_is_refused(scratch_url, tmp_path):
    _migrated_engine(scratch_url).dispose()
    first = min(migrations.known_revisions())
    if first == migrations.head_revision():
        pytest.skip("only one schema revision exists")
    _stamp(scratch_url, first)
    with pytest.raises(SchemaVersionError, match="back it up, then run `jprov storage migrate`"):
        StorageBackend.open(scratch_url, tmp_path / "repo")


def test_foreign_database_is_refused(scratch_url, tmp_path):
    engine = create_sql_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE somebody_elses (id INTEGER)"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="not a jupyter-prov storage"):
        StorageBackend.open(scratch_url, tmp_path / "repo", initialise=True)


def test_unreachable_database_is_named(tmp_path):
    with pytest.raises(StorageError, match="cannot reach the database at postgresql") as info:
        StorageBackend.open("postgresql+psycopg://nobody:secret@127.0.0.1:1/x", tmp_path / "repo")
    assert "nobody:***@127.0.0.1:1/x" in str(info.value) and "secret" not in str(info.value)


def test_invalid_storage_urls(tmp_path):
    with pytest.raises(StorageError, match="not a valid database URL"):
        StorageBackend.open("::nonsense::", tmp_path / "repo")
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        StorageBackend.open("mysql://host/db", tmp_path / "repo")


def test_migrate_command_brings_an_old_profile_to_head(scratch_url, jprov_home, tmp_path, backend_name):
    first = min(migrations.known_revisions())
    if first == migrations.head_revision():
        pytest.skip("only one schema revision exists")
    from click.testing import CliRunner

    from jupyter_prov.cli import main
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import current

    _migrated_engine(scratch_url, first).dispose()
    name = f"old-{backend_name}"
    config = get_config()
    config.add_profile(default_profile_for(name, storage=scratch_url, repository=str(tmp_path / "repo")))
    config.save()
    try:
        result = CliRunner().invoke(main, ["-p", name, "node", "list"])
        assert result.exit_code == 1 and "jprov storage migrate" in result.output
        result = CliRunner().invoke(main, ["-p", name, "storage", "migrate"])
        assert result.exit_code == 0, result.output
        assert f"from schema version {first} to {migrations.head_revision()}" in result.output
        assert CliRunner().invoke(main, ["-p", name, "node", "list", "--json"]).output.strip() == "[]"
    finally:
        current.unload_profile()
        config = get_config()
        config.remove_profile(name)
        config.save()
