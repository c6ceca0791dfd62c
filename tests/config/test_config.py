"""Config file and profiles: zero-config default, unknown profiles, corrupt files (never overwritten)."""

import json

import pytest

from jupyter_prov.config import Config, ConfigError, ProfileNotFound, get_config
from jupyter_prov.config.profiles import default_profile_for
from jupyter_prov.orm import Int, current, load_node
from jupyter_prov.storage.backend import StorageError


@pytest.fixture
def fresh_home(tmp_path, monkeypatch, jprov_home):
    """An empty config directory for one test (the loaded profile is put back by the fixtures after)."""
    current.unload_profile()
    home = tmp_path / "home"
    monkeypatch.setenv("JPROV_HOME", str(home))
    monkeypatch.delenv("JPROV_PROFILE", raising=False)
    yield home
    current.unload_profile()


def test_zero_config_default_profile(fresh_home):
    profile = current.load_profile()
    assert profile.name == "default" and profile.backend == "sqlite"
    assert str(fresh_home) in profile.storage and str(fresh_home) in profile.repository
    node = Int(7).store()
    assert load_node(node.pk).value == 7
    config = json.loads((fresh_home / "config.json").read_text())
    assert config["default_profile"] == "default" and list(config["profiles"]) == ["default"]


def test_no_profile_and_no_creation(fresh_home):
    with pytest.raises(ProfileNotFound, match="no profile is configured"):
        current.load_profile(allow_create=False)
    assert not (fresh_home / "config.json").exists()


def test_unknown_profile_names_the_known_ones(fresh_home):
    current.load_profile()
    with pytest.raises(ProfileNotFound, match=r"unknown profile 'nope' \(configured profiles: default\)"):
        current.load_profile("nope")


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"profiles": 5}', '{"version": 99, "profiles": {}}',
                                     '{"profiles": {"a": {"storage": 1}}}'])
def test_corrupt_config_is_reported_and_never_overwritten(fresh_home, content):
    fresh_home.mkdir()
    path = fresh_home / "config.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        current.load_profile()
    assert str(path) in str(info.value) or "profile 'a'" in str(info.value)
    with pytest.raises(ConfigError):
        current.load_profile("default")
    assert path.read_text() == content


def test_corrupt_config_is_reported_by_the_cli(fresh_home):
    from click.testing import CliRunner

    from jupyter_prov.cli import main

    fresh_home.mkdir()
    (fresh_home / "config.json").write_text("{oops")
    for args in (["status"], ["profile", "list"], ["node", "list"], ["profile", "setup", "x"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1 and "config.json" in result.output, (args, result.output)
    assert (fresh_home / "config.json").read_text() == "{oops"


def test_unreachable_database_fails_clearly_and_releases_the_lock(fresh_home):
    config = Config.load()
    config.add_profile(default_profile_for("offline", storage="postgresql+psycopg://postgres@127.0.0.1:1/nothing"))
    config.save()
    with pytest.raises(StorageError, match="cannot reach the database at postgresql\\+psycopg://postgres@127.0.0.1:1"):
        current.load_profile("offline")
    assert current.get_profile() is None
    from jupyter_prov.config import ProfileLock

    lock = ProfileLock(get_config().get_profile("offline").folder, "offline")
    lock.acquire_exclusive()  # nobody holds the profile
    lock.release()


@pytest.mark.parametrize("name", ["", "../x", "a/b", "-lead", "x" * 65, "sp ace"])
def test_invalid_profile_names(fresh_home, name):
    config = Config.load()
    with pytest.raises(ConfigError, match="invalid profile name"):
        config.add_profile(default_profile_for(name))


def test_config_save_is_atomic_and_round_trips(fresh_home):
    config = Config.load()
    config.add_profile(default_profile_for("a"))
    config.add_profile(default_profile_for("b"), make_default=True)
    config.options["user_email"] = "x@y.z"
    config.save()
    again = get_config()
    assert again.default_profile == "b" and sorted(again.profiles) == ["a", "b"]
    assert again.options == {"user_email": "x@y.z"}
    assert [p.name for p in fresh_home.iterdir() if p.name.startswith(".config-")] == []
    again.remove_profile("b")
    assert again.default_profile == "a"
