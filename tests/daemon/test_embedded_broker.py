"""The embedded (filesystem) broker: each message reaches exactly one consumer, oldest first, also with thousands queued."""

from __future__ import annotations

import threading
import time
import uuid

from jupyter_prov.config import Profile
from jupyter_prov.daemon.broker import Broker


def _broker(tmp_path) -> Broker:
    profile = Profile("embedded-broker-test", f"sqlite:///{tmp_path / 'db.sqlite'}", str(tmp_path / "repo"),
                      f"filesystem://{tmp_path / 'broker'}", {"broker_namespace": f"t{uuid.uuid4().hex[:8]}"})
    return Broker(profile)


def _drain(broker: Broker, got: list, stop: threading.Event) -> None:
    conn = broker.connect()
    try:
        with conn.Consumer([broker.task_queue], callbacks=[lambda body, message: (got.append(body["continue"]),
                                                                                 message.ack())]):
            while not stop.is_set():
                try:
                    conn.drain_events(timeout=0.2)
                except TimeoutError:
                    pass
                except OSError:
                    pass
    finally:
        conn.release()


def test_two_consumers_share_3000_messages_each_taken_once(tmp_path):
    broker = _broker(tmp_path)
    broker.ensure_publisher()
    broker.publish_continue(range(3000))
    got: list[list[int]] = [[], []]
    stop = threading.Event()
    consumers = [threading.Thread(target=_drain, args=(broker, got[i], stop)) for i in range(2)]
    start = time.monotonic()
    for consumer in consumers:
        consumer.start()
    while sum(map(len, got)) < 3000 and time.monotonic() - start < 60:
        time.sleep(0.05)
    time.sleep(0.3)  # a duplicate would arrive now
    stop.set()
    for consumer in consumers:
        consumer.join()
    broker.close()
    taken = got[0] + got[1]
    assert sorted(taken) == list(range(3000))  # every message once, none twice
    assert got[0] and got[1]  # both consumers had a share
    assert not list((tmp_path / "broker" / "messages").iterdir())  # nothing left behind


def test_a_message_published_later_is_seen_within_a_polling_interval(tmp_path):
    broker = _broker(tmp_path)
    broker.ensure_publisher()
    got: list[int] = []
    stop = threading.Event()
    consumer = threading.Thread(target=_drain, args=(broker, got, stop))
    consumer.start()
    time.sleep(0.5)  # the consumer has listed the empty folder
    sent = time.monotonic()
    broker.publish_continue([42])
    while not got and time.monotonic() - sent < 10:
        time.sleep(0.005)
    latency = time.monotonic() - sent
    stop.set()
    consumer.join()
    broker.close()
    assert got == [42]
    assert latency < 1.0
