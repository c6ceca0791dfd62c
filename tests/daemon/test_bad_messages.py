"""A malformed broker message is acknowledged and dropped with one log line, never redelivered forever.

Before: a message kombu could not decode (not JSON, or JSON the worker refuses) raised out of the
worker's consume loop, the worker reconnected, the broker redelivered the same message: 44
reconnects in 10 s, the task queue blocked behind it.
"""

from __future__ import annotations

import time

import pytest

from jupyter_prov.daemon import wait
from jupyter_prov.daemon.broker import Broker
from jupyter_prov.daemon.daemon_files import DaemonFiles
from jupyter_prov.engine import submit
from jupyter_prov.orm import Int
from tests.daemon.processes import add

#: the broker's behaviour does not depend on the database: SQLite only
pytestmark = pytest.mark.parametrize("backend_name", ["sqlite"])

BAD_MESSAGES = [
    ("text/plain", "utf-8", "continue 1"),                        # a content type the workers do not accept
    ("application/json", "utf-8", "{not json"),                   # declared JSON, is not
    ("application/x-python-serialize", "binary", b"\x80\x04K\x01."),  # a pickle: never decoded
    ("application/json", "utf-8", '["continue", 1]'),             # JSON, not the task's shape
    ("application/json", "utf-8", '{"continue": 99999999}'),     # no such process (no queue row)
]


def _publish_raw(broker: Broker) -> None:
    conn = broker.connect()
    try:
        channel = conn.default_channel
        broker.task_queue(channel).declare()
        producer = conn.Producer(channel=channel)
        for content_type, encoding, body in BAD_MESSAGES:
            producer.publish(body, exchange=broker.task_exchange, routing_key="tasks", content_type=content_type,
                             content_encoding=encoding, delivery_mode=2)
        for content_type, encoding, body in [*BAD_MESSAGES[:3], ("application/json", "utf-8", '{"action": "kill", "pks": 5}')]:
            producer.publish(body, exchange=broker.control_exchange, content_type=content_type,
                             content_encoding=encoding)
    finally:
        conn.release()


def _queued_messages(broker: Broker) -> int:
    if broker.is_embedded:
        return sum(1 for path in (broker.folder / "messages").iterdir() if path.name.endswith(".msg"))
    conn = broker.connect()
    try:
        return conn.default_channel.queue_declare(broker.task_queue.name, passive=True).message_count
    finally:
        conn.release()


def _log_text(profile) -> str:
    path = DaemonFiles.of(profile).log
    return path.read_text(errors="replace") if path.exists() else ""


def test_malformed_task_and_control_messages_are_dropped_not_redelivered(daemon):
    broker = Broker(daemon)
    log_before = len(_log_text(daemon))
    _publish_raw(broker)
    if broker.is_embedded:  # a file in the message folder that is not a kombu message at all
        (broker.folder / "messages" / f"{int(time.monotonic() * 1000)}_garbage.{broker.task_queue.name}.msg"
         ).write_bytes(b"\x00\xffnot a message")
    node = wait(submit(add, x=Int(2), y=Int(3)), timeout=60)
    assert node.is_finished_ok
    deadline = time.monotonic() + 30
    while _queued_messages(broker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _queued_messages(broker) == 0
    time.sleep(2)  # a redelivery loop shows up as reconnects within this time
    log = _log_text(daemon)[log_before:]
    assert "reconnecting" not in log, log
    assert log.count("dropped a malformed task message") >= 4, log
    assert "no queue row" in log, log
    assert "dropped a malformed control message" in log, log
