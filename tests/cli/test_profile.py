"""jprov profile setup|list|show|set-default|delete."""

import json
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from jupyter_prov.cli import main
from jupyter_prov.config import get_config


def jprov(*args, code=0, input=None):
    result = CliRunner().invoke(main, list(args), input=input)
    assert result.exit_code == code, f"jprov {' '.join(args)} -> {result.exit_code}: {result.output}"
    return result


@pytest.fixture
def config_file(jprov_home):
    path = jprov_home / "config.json"
    if not path.exists():
        get_config().save()
    return path


def test_setup_list_show_set_default_delete_on_sqlite(config_file, tmp_path):
    name = f"lab-{uuid.uuid4().hex[:6]}"
    default_before = get_config().default_profile
    try:
        jprov("profile", "setup", name, "--repository", str(tmp_path / "repo"))
        profile = get_config().profiles[name]
        assert profile.backend == "sqlite" and (tmp_path / "repo").is_dir()
        assert get_config().default_profile == (default_before or name)  # the first profile is the default
        listed = json.loads(jprov("profile", "list", "--json").output)
        assert name in [p["name"] for p in listed]
        shown = json.loads(jprov("profile", "show", name, "--json").output)
        assert shown["repository"] == str(tmp_path / "repo")
        checks = json.loads(jprov("-p", name, "status", "--json").output)
        assert all(c["ok"] for c in checks), checks
        jprov("profile", "set-default", name)
        assert get_config().default_profile == name
        assert "*" in jprov("profile", "list").output
        assert "exists already" in jprov("profile", "setup", name, code=1).output
        jprov("profile", "delete", name, input="n\n", code=1)
        assert name in get_config().profiles
        jprov("profile", "delete", name, "--delete-data", "--yes")
        assert name not in get_config().profiles and not (tmp_path / "repo").exists()
        assert not profile.folder.exists()
    finally:
        config = get_config()
        config.profiles.pop(name, None)
        config.default_profile = default_before
        config.save()


def test_setup_with_unreachable_database_writes_nothing(config_file):
    before = config_file.read_bytes()
    result = jprov("profile", "setup", "unreachable", "--storage",
                   "postgresql+psycopg://postgres@127.0.0.1:1/nothing", code=1)
    assert "cannot reach the database" in result.output and "127.0.0.1:1" in result.output
    assert config_file.read_bytes() == before


def test_setup_refuses_bad_names_and_urls(config_file):
    before = config_file.read_bytes()
    assert "invalid profile name" in jprov("profile", "setup", "../evil", code=1).output
    assert "not a valid database URL" in jprov("profile", "setup", "x1", "--storage", "not a url", code=1).output
    assert "unsupported database" in jprov("profile", "setup", "x2", "--storage", "mysql://h/db", code=1).output
    assert config_file.read_bytes() == before


def test_unknown_profile_is_named(config_file):
    result = jprov("profile", "show", "ghost", code=1)
    assert "unknown profile 'ghost'" in result.output
    assert "unknown profile 'ghost'" in jprov("-p", "ghost", "node", "list", code=1).output
    assert "unknown profile 'ghost'" in jprov("profile", "set-default", "ghost", code=1).output


def test_setup_on_postgresql_creates_the_schema(config_file, postgres_database_url):
    admin = create_engine(postgres_database_url, isolation_level="AUTOCOMMIT")
    database = f"jprov_setup_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    url = admin.url.set(database=database).render_as_string(hide_password=False)
    try:
        jprov("profile", "setup", "pg-lab", "--storage", url)
        checks = json.loads(jprov("-p", "pg-lab", "status", "--json").output)
        assert checks[1]["ok"] and checks[1]["details"]["backend"] == "postgresql"
        jprov("-p", "pg-lab", "profile", "delete", "pg-lab", "--delete-data", "--yes")
        engine = create_engine(url)
        with engine.connect() as conn:
            tables = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar_one()
        engine.dispose()
        assert tables == 0
    finally:
        config = get_config()
        if "pg-lab" in config.profiles:
            config.remove_profile("pg-lab")
            config.save()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
