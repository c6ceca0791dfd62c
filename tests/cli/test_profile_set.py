"""jprov profile set NAME KEY VALUE: checked like setup; a bad value names the key and changes nothing.

Also: setup checks the broker URL it is given, and list/show never print a password.
"""

from __future__ import annotations

import json
import uuid

import pytest
from click.testing import CliRunner

from jupyter_prov.cli import main
from jupyter_prov.config import Profile, get_config

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"
NO_BROKER = "amqp://guest:guest@127.0.0.1:1//"


def jprov(*args, code=0):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, f"jprov {' '.join(args)} -> {result.exit_code}: {result.output}"
    return result


@pytest.fixture
def new_profile(jprov_home, tmp_path):
    """A fresh SQLite profile (the config file is put back as it was afterwards)."""
    config_path = jprov_home / "config.json"
    if not config_path.exists():
        get_config().save()
    before = config_path.read_bytes()
    name = f"set-{uuid.uuid4().hex[:6]}"
    jprov("profile", "setup", name, "--repository", str(tmp_path / "repo"))
    yield get_config().profiles[name]
    config_path.write_bytes(before)


def _config_bytes():
    return get_config().path.read_bytes()


def test_options_are_set_with_their_type(new_profile):
    jprov("profile", "set", new_profile.name, "daemon_autostart", "true")
    jprov("profile", "set", new_profile.name, "daemon_workers", "3")
    options = get_config().profiles[new_profile.name].options
    assert options["daemon_autostart"] is True and options["daemon_workers"] == 3
    shown = json.loads(jprov("profile", "show", new_profile.name, "--json").stdout)
    assert shown["options"]["daemon_workers"] == 3
    jprov("profile", "set", new_profile.name, "daemon_allowed_modules", "mywork, lab.tools")
    assert get_config().profiles[new_profile.name].options["daemon_allowed_modules"] == ["mywork", "lab.tools"]


@pytest.mark.parametrize(("key", "value", "said"), [
    ("daemon_workers", "many", "'daemon_workers': 'many' is not an integer"),
    ("daemon_workers", "0", "must be at least 1"),
    ("daemon_autostart", "perhaps", "'daemon_autostart': 'perhaps' is not a boolean"),
    ("colour", "blue", "unknown profile key 'colour'"),
    ("daemon_runner", "os.system", "must be 'module:function'"),
    ("daemon_allowed_modules", "my-work", "must be module names"),
])
def test_a_bad_value_names_the_key_and_changes_nothing(new_profile, key, value, said):
    before = _config_bytes()
    result = jprov("profile", "set", new_profile.name, key, value, code=1)
    assert said in result.output and "Traceback" not in result.output
    assert _config_bytes() == before


def test_an_unreachable_broker_is_refused(new_profile):
    before = _config_bytes()
    result = jprov("profile", "set", new_profile.name, "broker", NO_BROKER, code=1)
    assert "cannot connect to the broker" in result.output and "127.0.0.1:1" in result.output
    assert _config_bytes() == before


def test_a_reachable_broker_is_taken(new_profile):
    from jupyter_prov.orm.health import check_broker

    if not check_broker(Profile("probe", "", "", RABBITMQ)).ok:
        pytest.skip("no RabbitMQ server")
    jprov("profile", "set", new_profile.name, "broker", RABBITMQ)
    assert get_config().profiles[new_profile.name].broker == RABBITMQ


def test_storage_is_checked_like_setup(new_profile, tmp_path):
    before = _config_bytes()
    result = jprov("profile", "set", new_profile.name, "storage", "postgresql+psycopg://postgres@127.0.0.1:1/x", code=1)
    assert "cannot reach the database" in result.output
    assert _config_bytes() == before
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    jprov("profile", "set", new_profile.name, "storage", url)
    assert get_config().profiles[new_profile.name].storage == url
    checks = json.loads(jprov("-p", new_profile.name, "status", "--json").stdout)
    assert all(check["ok"] for check in checks if check["name"] != "broker"), checks


def test_setup_refuses_an_unreachable_broker(jprov_home):
    before = _config_bytes()
    name = f"nobroker-{uuid.uuid4().hex[:6]}"
    result = jprov("profile", "setup", name, "--broker", NO_BROKER, code=1)
    assert "cannot connect to the broker" in result.output
    assert _config_bytes() == before and name not in get_config().profiles


def test_list_and_show_mask_passwords(new_profile):
    config = get_config()
    name = f"secret-{uuid.uuid4().hex[:6]}"
    config.add_profile(Profile(name, "postgresql+psycopg://alice:s3cret@db.example:5432/prov", "/tmp/repo",
                               "amqp://bob:t0psecret@mq.example:5672//"))
    config.save()
    for args in (("profile", "list"), ("profile", "list", "--json"), ("profile", "show", name),
                 ("profile", "show", name, "--json")):
        out = jprov(*args).output
        assert "s3cret" not in out and "t0psecret" not in out, args
    shown = json.loads(jprov("profile", "show", name, "--json").stdout)
    assert shown["storage"] == "postgresql+psycopg://alice:***@db.example:5432/prov"
    assert shown["broker"] == "amqp://bob:***@mq.example:5672//"
