"""The profile's message broker, through kombu: one code path for the embedded broker and RabbitMQ.

Messages are hints, never state: "continue process X" on the task queue, control commands on a
fanout exchange every worker listens to, and process state changes on a fanout exchange anybody may
listen to. Everything durable lives in the database (:mod:`.leases`), so a lost message only costs
latency (workers scan the database for work nobody picked up).

Broker URLs:

- ``filesystem:///<folder>`` (the embedded default, no server): kombu's filesystem transport with
  its folders under ``<folder>``. Chosen from ``benchmarks/broker_transports.py``: ~3.5k published
  and ~1.9k consumed messages/s across processes, fanout supported; the SQLAlchemy transport
  managed ~300/s and has no fanout.
- ``amqp://user:password@host:port/vhost`` (RabbitMQ).
- any other kombu URL (``sqla+sqlite:///...`` works but has no fanout: events then fall back to polling).

Names are prefixed with the profile option ``broker_namespace`` (default: the profile name), so
several profiles (or test sessions) can share one RabbitMQ server.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kombu import Connection, Exchange, Queue
from kombu.transport import filesystem as _filesystem
from kombu.transport.virtual import Empty as _Empty

from ..config import Profile
from ..errors import DaemonError

if TYPE_CHECKING:
    import queue

    from typing_extensions import Self

#: seconds to wait for the broker before reporting it unreachable
CONNECT_TIMEOUT = 3.0
#: after a failed event publish, events are dropped for this long (they are best effort)
EVENTS_BACKOFF_SECONDS = 5.0
#: how often the virtual (embedded) transports look for new messages
POLLING_INTERVAL = 0.05
#: how long the background publisher waits to gather more "continue" messages before sending them
OUTBOX_GATHER_SECONDS = 0.005


class _AtomicFilesystemChannel(_filesystem.Channel):
    """kombu's filesystem channel, but a message file appears only once it is complete.

    kombu creates the file and then writes it, so a consumer can take a still-empty file (it then fails
    to decode it and the message is lost). Writing under a name consumers ignore and renaming it into
    place makes each message appear atomically.
    """

    def _put(self, queue, payload, **kwargs):
        import os
        import uuid as _uuid

        from kombu.utils.json import dumps

        name = f"{int(round(time.monotonic() * 1000))}_{_uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".partial-{name}")
        try:
            with open(partial, "wb") as handle:
                handle.write(dumps(payload).encode())
            os.replace(partial, final)
        except OSError as exc:
            raise _filesystem.ChannelError(f"cannot add message {final!r}") from exc


    def _get(self, queue):
        """The oldest message of ``queue``, from the last listing of the message folder while it lasts.

        kombu lists and sorts the whole folder for every message it takes, so with thousands of queued
        messages a worker spent most of its CPU there (two thirds of it, measured with py-spy while 3,000
        processes were queued). Here the folder is listed at most once per polling interval and the
        listing is shared by all queues; a message another consumer took meanwhile is skipped.
        """
        import os
        from collections import deque

        from kombu.utils.json import loads

        listing = self.__dict__.setdefault("_listing", {})
        names = listing.get(queue)
        if not names:
            now = time.monotonic()
            if now - self.__dict__.get("_listed_at", -1e9) < POLLING_INTERVAL:
                raise _Empty()
            self._listed_at = now
            listing.clear()
            for filename in sorted(os.listdir(self.data_folder_in)):
                if filename.startswith("."):
                    continue
                name = filename.partition(".")[2]
                if name.endswith(".msg"):
                    listing.setdefault(name[:-4], deque()).append(filename)
            names = listing.get(queue)
        while names:
            filename = names.popleft()
            path = os.path.join(self.data_folder_in, filename)
            taken = os.path.join(self.data_folder_in, f".taken-{os.getpid()}-{filename}")
            try:
                os.rename(path, taken)  # atomic: of two consumers exactly one gets it
            except OSError:
                continue  # another consumer took it
            try:
                with open(taken, "rb") as handle:
                    payload = handle.read()
                os.remove(taken)
            except OSError as exc:
                raise _filesystem.ChannelError(f"cannot read message file {taken!r}") from exc
            try:
                message = loads(payload.decode())
            except ValueError as exc:  # UnicodeDecodeError too
                message, problem = None, f"{type(exc).__name__}: {exc}"
            else:
                problem = None if (isinstance(message, dict) and isinstance(message.get("properties"), dict)
                                   and "body" in message) else "not a kombu message"
            if problem is None:
                return message
            # raising here would end the consumer's connection, and the next file is as likely to be fine
            logging.getLogger("jupyter_prov.daemon.broker").warning(
                "dropped a malformed task message: file %s of queue %s (%s)", filename, queue, problem)
        raise _Empty()


class _AtomicFilesystemTransport(_filesystem.Transport):
    Channel = _AtomicFilesystemChannel


class BrokerUnreachable(DaemonError, ConnectionError):
    """The profile's broker cannot be reached; the message names the URL and what to check."""


def _folder_of(url: str) -> Path | None:
    if not url.startswith("filesystem://"):
        return None
    path = url[len("filesystem://"):]
    if not path.startswith("/"):
        raise BrokerUnreachable(f"broker URL {url!r}: the filesystem broker needs an absolute folder, "
                                "e.g. filesystem:///home/me/.jupyter-prov/profiles/default/broker")
    return Path(path)


def safe_url(url: str) -> str:
    """The URL with its password hidden."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url


class Broker:
    """Connections and names of one profile's broker. Publishing is thread-safe."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.url = profile.broker
        self.namespace = str(profile.options.get("broker_namespace") or profile.name)
        self.folder = _folder_of(self.url)
        self._lock = threading.Lock()
        self._publisher: Connection | None = None
        self._producer: Any = None  # a kombu Producer (kombu has no type information)
        self._outbox: queue.SimpleQueue[list[int]] | None = None
        self._outbox_done = threading.Event()
        self._events_down_until = 0.0
        ns = f"jprov.{self.namespace}"
        self.task_exchange = Exchange(f"{ns}.tasks", "direct", durable=True)
        self.task_queue = Queue(f"{ns}.tasks", self.task_exchange, routing_key="tasks", durable=True)
        self.control_exchange = Exchange(f"{ns}.control", "fanout", durable=False)
        self.event_exchange = Exchange(f"{ns}.events", "fanout", durable=False)

    @property
    def is_embedded(self) -> bool:
        return self.folder is not None

    def _transport_options(self) -> dict[str, Any]:
        if self.folder is None:
            return {}
        folders = {name: self.folder / name for name in ("messages", "control", "processed")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        return {
            "data_folder_in": str(folders["messages"]),
            "data_folder_out": str(folders["messages"]),
            "control_folder": str(folders["control"]),
            # kombu's own _get moves taken messages here (same file system: an atomic rename); ours renames
            # them in place (see _AtomicFilesystemChannel._get); the supervisor prunes both
            "store_processed": True,
            "processed_folder": str(folders["processed"]),
        }

    def connect(self) -> Connection:
        """A new connection, checked; raises :class:`BrokerUnreachable` with a clear message."""
        if self.folder is not None:
            conn = Connection("filesystem://", transport=_AtomicFilesystemTransport,
                              transport_options=self._transport_options(), connect_timeout=CONNECT_TIMEOUT)
        else:
            conn = Connection(self.url, connect_timeout=CONNECT_TIMEOUT)
        try:
            conn.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - kombu raises transport-specific errors
            conn.release()
            raise BrokerUnreachable(
                f"cannot reach the broker of profile {self.profile.name!r} at {safe_url(self.url)} "
                f"({type(exc).__name__}: {exc}); is the server running? "
                "Change the profile's broker URL with `jprov profile` if it moved."
            ) from None
        try:
            conn.transport.polling_interval = POLLING_INTERVAL
        except AttributeError:
            pass
        return conn

    def check(self) -> None:
        """Raise :class:`BrokerUnreachable` unless the broker answers."""
        self.connect().release()

    @property
    def supports_fanout(self) -> bool:
        scheme = self.url.split(":", 1)[0]
        return scheme in ("filesystem", "amqp", "pyamqp", "amqps", "redis", "memory")

    # ---- publishing -----------------------------------------------------------------------------
    def _publish(self, body: dict, exchange: Exchange, routing_key: str = "", declare: Iterable = ()) -> None:
        with self._lock:
            for attempt in range(2):
                try:
                    if self._publisher is None:
                        self._publisher = self.connect()
                        self._producer = self._publisher.Producer(serializer="json")
                        for entity in (self.task_queue, self.control_exchange, self.event_exchange):
                            entity(self._publisher.default_channel).declare()
                    self._producer.publish(body, exchange=exchange, routing_key=routing_key,
                                           delivery_mode=2 if exchange is self.task_exchange else 1)
                    return
                except BrokerUnreachable:
                    raise
                except Exception:
                    self._close_publisher()
                    if attempt:
                        raise

    def _close_publisher(self) -> None:
        if self._publisher is not None:
            try:
                self._publisher.release()
            except Exception:  # noqa: BLE001, S110 - closing a publisher that may be broken already
                pass
        self._publisher = self._producer = None

    def ensure_publisher(self) -> None:
        """Connect the publishing connection now (raises :class:`BrokerUnreachable`); cheap once connected."""
        if self._publisher is not None:  # no lock: the outbox thread may hold it while it publishes
            return
        with self._lock:
            if self._publisher is None:
                self._publisher = self.connect()
                self._producer = self._publisher.Producer(serializer="json")
                for entity in (self.task_queue, self.control_exchange, self.event_exchange):
                    entity(self._publisher.default_channel).declare()

    def publish_continue_soon(self, pks: Iterable[int]) -> None:
        """Queue "continue" messages for a background thread, so ``submit`` does not wait for the broker.

        Safe to lose (a crash before they are sent): the lease rows are the queue, workers scan them.
        """
        import queue as queue_module

        with self._lock:
            outbox = self._outbox
            if outbox is None:
                outbox = self._outbox = queue_module.SimpleQueue()
                threading.Thread(target=self._send_outbox, args=(outbox,), name="jprov-broker-outbox",
                                 daemon=True).start()
        outbox.put([int(pk) for pk in pks])

    def _send_outbox(self, outbox: queue.SimpleQueue[list[int]]) -> None:
        while True:
            pks = outbox.get()
            try:
                # a short wait gathers the submits of a loop into one round of publishing, instead of
                # waking this thread (and taking the GIL from the submitter) once per process
                time.sleep(OUTBOX_GATHER_SECONDS)
                while not outbox.empty():
                    pks.extend(outbox.get_nowait())
                self.publish_continue(pks)
            except Exception as exc:  # noqa: BLE001 - the lease table still has them
                logging.getLogger(__name__).warning("continue messages not sent (%s); workers will find the "
                                                    "processes in the database", exc)
            finally:
                self._outbox_done.set()

    def flush(self, timeout: float = 5.0) -> None:
        """Wait (up to ``timeout``) until the background thread sent what was queued."""
        deadline = time.monotonic() + timeout
        while self._outbox is not None and not self._outbox.empty() and time.monotonic() < deadline:
            self._outbox_done.wait(0.05)
            self._outbox_done.clear()

    def publish_continue(self, pks: Iterable[int]) -> None:
        """Ask some worker to continue each process (one message each)."""
        for pk in pks:
            self._publish({"continue": int(pk)}, self.task_exchange, "tasks")

    def publish_control(self, action: str, pks: Iterable[int], message: str | None = None) -> None:
        """Tell every worker: act on these processes if you hold them (``message``: why, for a kill)."""
        body: dict[str, Any] = {"action": action, "pks": [int(pk) for pk in pks]}
        if message:
            body["message"] = message
        self._publish(body, self.control_exchange)

    def publish_event(self, pk: int, state: str, **extra: Any) -> None:
        """Broadcast a process state change (best effort: nobody needs to listen)."""
        if not self.supports_fanout or time.monotonic() < self._events_down_until:
            return
        try:
            self._publish({"pk": int(pk), "state": state, "time": time.time(), **extra}, self.event_exchange)
        except Exception:
            # the broker is down: do not make every state change wait for a connect timeout
            self._events_down_until = time.monotonic() + EVENTS_BACKOFF_SECONDS
            raise

    def close(self) -> None:
        with self._lock:
            self._close_publisher()

    # ---- consuming ------------------------------------------------------------------------------
    def private_queue(self, exchange: Exchange, name: str) -> Queue:
        """A queue of one listener bound to a fanout exchange, deleted when the listener goes."""
        safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in name)
        return Queue(f"{exchange.name}.{safe}", exchange, durable=False, auto_delete=True)


def in_sent_order(messages: list[Any]) -> list[Any]:
    """``messages`` sorted by the time their publisher stamped on them (stable; unstamped ones first).

    Delivery order is not send order on every transport: kombu's filesystem transport names a message
    file by the millisecond plus a random uuid and reads a folder in name order, so two state changes of
    one process published within a millisecond (``running`` then ``finished``) arrived reversed in about
    one run of three of tests/views/test_process_monitor.py, and "the newest state wins" showed
    ``running`` for a finished process.
    """

    def stamp(message: Any) -> float:
        sent = message.get("time") if isinstance(message, dict) else None
        if isinstance(sent, (int, float)) and not isinstance(sent, bool) and math.isfinite(sent):
            return float(sent)
        return -math.inf

    return sorted(messages, key=stamp)


class EventListener:
    """Receive process state changes: ``with EventListener(broker) as events: events.get(timeout)``."""

    def __init__(self, broker: Broker, on_event: Callable[[dict], None] | None = None):
        self.broker = broker
        self.received: list[dict] = []
        self._on_event = on_event
        self._conn: Connection | None = None
        self._consumer: Any = None  # a kombu Consumer
        self._queue = broker.private_queue(broker.event_exchange, f"listener-{socket.gethostname()}-"
                                           f"{threading.get_ident()}-{time.monotonic_ns()}")

    def __enter__(self) -> Self:
        if not self.broker.supports_fanout:
            return self
        self._conn = self.broker.connect()
        self._consumer = self._conn.Consumer(self._queue, callbacks=[self._receive], accept=["json"])
        self._consumer.consume()
        return self

    def _receive(self, body: Any, message) -> None:
        message.ack()
        if isinstance(body, dict):
            self.received.append(body)
            if self._on_event is not None:
                self._on_event(body)

    def poll(self, timeout: float) -> list[dict]:
        """Events that arrived within ``timeout`` seconds (may be empty)."""
        if self._conn is None:
            time.sleep(timeout)
            return []
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.received:
                break
            try:
                self._conn.drain_events(timeout=min(remaining, 0.5))
            except TimeoutError:
                pass
            except Exception:  # noqa: BLE001 - broker went away: fall back to the caller's polling
                self._close()
                time.sleep(max(0.0, deadline - time.monotonic()))
                break
        events, self.received = self.received, []
        return events

    def _close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.cancel()
                if self._conn is not None:  # always, while there is a consumer
                    self._queue(self._conn.default_channel).delete()
            except Exception:  # noqa: BLE001, S110 - the queue or its channel may be gone already
                pass
            self._consumer = None
        if self._conn is not None:
            try:
                self._conn.release()
            except Exception:  # noqa: BLE001, S110 - closing a connection that may be broken already
                pass
            self._conn = None

    def __exit__(self, *exc) -> None:
        self._close()


_brokers: dict[tuple, Broker] = {}
_brokers_lock = threading.Lock()


def get_broker(profile: Profile) -> Broker:
    """The (cached) broker of a profile."""
    key = (profile.name, profile.broker, json.dumps(profile.options, sort_keys=True, default=str))
    with _brokers_lock:
        broker = _brokers.get(key)
        if broker is None:
            import atexit

            broker = _brokers[key] = Broker(profile)
            atexit.register(broker.flush)
        return broker
