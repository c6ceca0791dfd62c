"""The extension is a jupyter_server ExtensionApp that `pip install` enables; /status answers without a profile."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_package_declares_its_server_extension():
    from jupyter_prov.server import _jupyter_server_extension_points
    from jupyter_prov.server.app import JupyterProvApp

    assert _jupyter_server_extension_points() == [{"module": "jupyter_prov.server", "app": JupyterProvApp}]


def test_the_shared_data_config_enables_it():
    config = json.loads((REPO / "jupyter-config" / "jupyter_server_config.d" / "jupyter_prov.json").read_text())
    assert config == {"ServerApp": {"jpserver_extensions": {"jupyter_prov.server": True}}}
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"jupyter-config/jupyter_server_config.d/jupyter_prov.json" = "etc/jupyter/jupyter_server_config.d/' \
           'jupyter_prov.json"' in pyproject


def test_the_installed_package_shows_as_enabled():
    """In this environment (installed with pip -e .): `jupyter server extension list` names it, enabled and OK."""
    result = subprocess.run([sys.executable, "-m", "jupyter", "server", "extension", "list"],
                            capture_output=True, text=True, timeout=120)
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    ours = [line.strip() for line in text.splitlines() if "jupyter_prov.server" in line]
    assert "jupyter_prov.server enabled" in ours, text
    from jupyter_prov._version import __version__

    assert f"jupyter_prov.server {__version__} OK" in ours, text  # it imports and loads cleanly


async def test_jupyterlabs_cache_buster_is_accepted_and_a_misspelt_parameter_still_refused(api):
    """JupyterLab's ServerConnection appends ``?<time in ms>`` to every request (``cache: 'no-store'``)."""
    code, body = await api("processes", params={"1796329368305": "", "limit": "1"})
    assert code == 200, body
    code, body = await api("processes", "control", method="POST", params={"1796329368306": ""},
                           body={"action": "kill", "pks": [999999]})
    assert code == 404 and "no process with pk 999999" in body["message"]  # got past the parameter checks
    code, body = await api("processes", "control", method="POST", params={"lmit": "1"}, body={"action": "kill", "pks": [1]})
    assert code == 400 and "unknown query parameter 'lmit'" in body["message"]
    code, body = await api("processes", params={"1796329368305": "x"})
    assert code == 400 and "unknown query parameter '1796329368305'" in body["message"]


async def test_status_answers_with_the_version_and_the_event_mode(api):
    code, body = await api("status")
    assert code == 200
    from jupyter_prov._version import __version__

    assert body["version"] == __version__
    assert body["limits"] == {"page_size_limit": 500, "graph_node_limit": 5000, "request_timeout": 30.0,
                              "search_count_ahead": 250}
    assert body["events"] in ("not started", "starting", "push", "poll", "reconnecting")


async def test_status_with_health_loads_the_profile_and_starts_the_event_bridge(api, profile):
    code, body = await api("status", params={"health": "true"})
    assert code == 200, body
    assert body["profile"] == profile.name
    health = body["health"]
    assert health["ok"] is True and health["storage"]["ok"] and health["daemon"]["running"] is False
    assert body["events"] in ("starting", "push")  # the embedded broker has fanout


async def test_profiles_lists_the_configured_profiles_and_the_served_one(api, profile):
    code, body = await api("profiles")
    assert code == 200
    assert body["current"] == profile.name
    names = [p["name"] for p in body["profiles"]]
    assert profile.name in names
    served = next(p for p in body["profiles"] if p["name"] == profile.name)
    assert served["current"] is True and served["backend"] == profile.backend
    assert "***" in served["storage"] or ":" not in served["storage"].split("://", 1)[-1].split("@")[0]


async def test_switching_to_an_unknown_profile_is_404_and_changes_nothing(api, profile):
    code, body = await api("profiles", "current", method="PUT", body={"name": "no-such-profile"})
    assert code == 404
    assert "no-such-profile" in body["message"]
    code, body = await api("profiles", "current")
    assert code == 200 and body["name"] == profile.name


async def test_switching_profile_needs_a_name(api):
    code, body = await api("profiles", "current", method="PUT", body={})
    assert code == 400 and body["message"] == "missing body field 'name'"
    code, body = await api("profiles", "current", method="PUT", body="[1]")
    assert code == 400 and "JSON object" in body["message"]
    code, body = await api("profiles", "current", method="PUT", body="{not json")
    assert code == 400 and "not JSON" in body["message"]


async def test_starting_the_server_and_asking_its_status_creates_no_profile(jp_fetch, jprov_home, tmp_path, monkeypatch):
    """Installing jupyter-prov enables the extension for everyone: a server that nobody asks for provenance must
    not write a jupyter-prov config or profile."""
    from jupyter_prov.orm import current

    home = tmp_path / "fresh-home"
    monkeypatch.setenv("JPROV_HOME", str(home))
    previous = current.get_profile()
    current.unload_profile()
    try:
        response = await jp_fetch("jupyter-prov", "api", "status")
        assert json.loads(response.body)["profile"] is None
        response = await jp_fetch("jupyter-prov", "api", "profiles")
        assert json.loads(response.body) == {"current": None, "default": None, "profiles": []}
        assert not home.exists()
    finally:
        if previous is not None:
            monkeypatch.setenv("JPROV_HOME", str(jprov_home))
            current.load_profile(previous.name)
