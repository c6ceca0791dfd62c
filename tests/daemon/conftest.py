"""Fixtures of the daemon tests: a profile per (database backend x broker kind) whose daemon is real OS processes.

``daemon_profile`` shares the storage of the ``profile`` fixture (so it is emptied the same way) and has
its own broker: the embedded filesystem broker, or the RabbitMQ server (``JPROV_TEST_AMQP_URL``, default
``amqp://guest:guest@127.0.0.1:5672//``) with names unique to this test session. Leases are short
(3 s) so takeover tests run quickly. Without a RabbitMQ server the RabbitMQ variants skip, except in CI.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.conftest import IN_CI

AMQP_URL = os.environ.get("JPROV_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
SESSION_NAMESPACE = f"test{os.getpid()}-{uuid.uuid4().hex[:6]}"
REPO_ROOT = str(Path(__file__).resolve().parents[2])
FAST_OPTIONS = {"daemon_lease_seconds": 3.0, "daemon_scan_seconds": 0.5, "daemon_grace_seconds": 1.0}
_used_namespaces: set[str] = set()


@pytest.fixture(autouse=True)
def _fresh_daemon_checks():
    """Each test sees the "no daemon running" warning afresh (it is given once a minute per profile)."""
    from jupyter_prov.daemon import submission

    submission._warned.clear()
    submission._checked.clear()


@pytest.fixture(params=["embedded", "rabbitmq"])
def broker_kind(request) -> str:
    return request.param


@pytest.fixture(scope="session", autouse=True)
def _delete_rabbitmq_queues():
    """At the end of the session, remove the durable task queues this session declared on RabbitMQ."""
    yield
    if not _used_namespaces:
        return
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=3) as conn:
            channel = conn.default_channel
            for namespace in _used_namespaces:
                channel.queue_delete(f"jprov.{namespace}.tasks")
                for exchange in ("tasks", "control", "events"):
                    channel.exchange_delete(f"jprov.{namespace}.{exchange}")
    except Exception:  # noqa: BLE001, S110 - the server went away; nothing left to clean
        pass


def _rabbitmq_reachable() -> str | None:
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # noqa: BLE001
        return f"RabbitMQ at {AMQP_URL} not usable: {type(exc).__name__}: {exc}"
    return None


def make_daemon_profile(base, broker_kind: str, **options):
    from jupyter_prov.config import Profile, get_config

    name = f"daemon-{base.name}-{broker_kind}"
    config = get_config()
    namespace = f"{SESSION_NAMESPACE}-{base.name}"
    if name in config.profiles:
        config.remove_profile(name)
    folder = config.path.parent / "profiles" / name
    broker = AMQP_URL if broker_kind == "rabbitmq" else f"filesystem://{folder / 'broker'}"
    profile = Profile(name, base.storage, base.repository, broker,
                      {"broker_namespace": namespace, **FAST_OPTIONS, **options})
    config.add_profile(profile)
    config.save()
    if broker_kind == "rabbitmq":
        _used_namespaces.add(namespace)
    return profile


@pytest.fixture
def rabbitmq_in_use(request):
    """Holds the machine-wide RabbitMQ lock for the test: shared, or exclusive for a test marked
    ``restarts_rabbitmq`` (no other test process may be using the server while it goes down)."""
    from tests.machine_locks import machine_lock

    with machine_lock("rabbitmq", shared=request.node.get_closest_marker("restarts_rabbitmq") is None):
        yield


@pytest.fixture
def daemon_profile(request, profile, broker_kind, monkeypatch):
    """A loaded profile on the test's backend and broker; its daemon is stopped at the end."""
    from jupyter_prov.daemon import is_running, stop_daemon
    from jupyter_prov.orm import current

    if broker_kind == "rabbitmq":
        request.getfixturevalue("rabbitmq_in_use")
        problem = _rabbitmq_reachable()
        if problem:
            if IN_CI:
                pytest.fail(problem)
            pytest.skip(problem)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [REPO_ROOT, os.environ.get("PYTHONPATH")])))
    prof = make_daemon_profile(profile, broker_kind)
    current.load_profile(prof.name)
    yield prof
    if is_running(prof):
        stop_daemon(prof, timeout=30)
    current.load_profile(profile.name)


@pytest.fixture
def daemon(daemon_profile):
    """The daemon of ``daemon_profile`` running with two workers."""
    from jupyter_prov.daemon import start_daemon

    start_daemon(daemon_profile, 2)
    return daemon_profile
