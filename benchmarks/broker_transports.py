"""Measure kombu transports for the daemon's broker: publish rate, consume rate across processes, fanout.

    python benchmarks/broker_transports.py [N]

Each transport: one process publishes N small "continue process X" messages, a second OS process
consumes them (ack after receipt); a fanout exchange is tried as well. Prints a Markdown table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kombu import Connection, Exchange, Queue

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000


def transport_options(url: str, folder: Path) -> dict:
    if url.startswith("filesystem://"):
        for name in ("in", "ctl", "processed"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        return {"data_folder_in": str(folder / "in"), "data_folder_out": str(folder / "in"),
                "control_folder": str(folder / "ctl"), "processed_folder": str(folder / "processed")}
    return {}


def connect(url: str, folder: Path) -> Connection:
    conn = Connection(url, transport_options=transport_options(url, folder))
    conn.connect()
    try:
        conn.transport.polling_interval = 0.01
    except AttributeError:
        pass
    return conn


def consume(url: str, folder: str, n: int, queue_name: str) -> None:
    """Child: consume n messages, print JSON with the elapsed time and the order seen."""
    conn = connect(url, Path(folder))
    queue = Queue(queue_name, Exchange(queue_name, "direct"), routing_key=queue_name)
    seen: list[int] = []
    start = None

    def on_message(body, message):
        nonlocal start
        if start is None:
            start = time.perf_counter()
        seen.append(body["pk"])
        message.ack()

    with conn.Consumer(queue, callbacks=[on_message], accept=["json"]):
        deadline = time.monotonic() + 120
        while len(seen) < n and time.monotonic() < deadline:
            try:
                conn.drain_events(timeout=1)
            except TimeoutError:
                pass
            except Exception:  # noqa: BLE001, S110 - socket.timeout on amqp
                pass
    elapsed = time.perf_counter() - (start or time.perf_counter())
    fifo = seen == sorted(seen)
    print(json.dumps({"count": len(seen), "elapsed": elapsed, "fifo": fifo}))
    conn.release()


def fanout_supported(url: str, folder: Path) -> str:
    conn = connect(url, folder)
    try:
        exchange = Exchange(f"fan{os.getpid()}", "fanout", durable=False)
        q1 = Queue(f"f1-{os.getpid()}", exchange, exclusive=False, auto_delete=True)
        q2 = Queue(f"f2-{os.getpid()}", exchange, exclusive=False, auto_delete=True)
        got: list[str] = []
        with conn.Consumer([q1, q2], callbacks=[lambda body, m: (got.append(body), m.ack())], accept=["json"]):
            conn.Producer().publish("hello", exchange=exchange, serializer="json", declare=[exchange])
            deadline = time.monotonic() + 3
            while len(got) < 2 and time.monotonic() < deadline:
                try:
                    conn.drain_events(timeout=0.5)
                except Exception:  # noqa: BLE001, S110 - a drain timeout ends the wait
                    pass
        return "yes" if len(got) == 2 else f"no ({len(got)}/2 copies)"
    except Exception as exc:  # noqa: BLE001
        return f"no ({type(exc).__name__})"
    finally:
        conn.release()


def measure(url: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="broker-bench-"))
    if "{folder}" in url:
        url = url.format(folder=folder)
    queue_name = f"bench{os.getpid()}x{int(time.time())}"
    conn = connect(url, folder)
    queue = Queue(queue_name, Exchange(queue_name, "direct"), routing_key=queue_name)
    producer = conn.Producer()
    queue(conn.default_channel).declare()
    start = time.perf_counter()
    for pk in range(N):
        producer.publish({"pk": pk}, exchange=queue.exchange, routing_key=queue_name, serializer="json")
    publish_rate = N / (time.perf_counter() - start)
    conn.release()
    child = subprocess.run([sys.executable, __file__, "--consume", url, str(folder), str(N), queue_name],
                           capture_output=True, text=True, timeout=180)
    result = json.loads(child.stdout.strip().splitlines()[-1]) if child.stdout.strip() else {"count": 0, "elapsed": 0}
    consume_rate = result["count"] / result["elapsed"] if result["elapsed"] else 0.0
    return {"url": url.split("@")[-1] if "amqp" in url else url.split(":")[0] + "://…", "publish": publish_rate,
            "consume": consume_rate, "received": result["count"], "fifo": result.get("fifo"),
            "fanout": fanout_supported(url, folder)}


def main() -> None:
    urls = ["filesystem://", "sqla+sqlite:///{folder}/broker.sqlite", "amqp://guest:guest@127.0.0.1:5672//"]
    print(f"{N} messages; load average {os.getloadavg()[0]:.2f}\n")
    print("| transport | publish msg/s | consume msg/s (other process) | received | FIFO | fanout |")
    print("|---|---|---|---|---|---|")
    for url in urls:
        try:
            r = measure(url)
        except Exception as exc:  # noqa: BLE001
            print(f"| {url} | failed: {type(exc).__name__}: {exc} | | | | |")
            continue
        print(f"| `{url.split('{')[0]}` | {r['publish']:.0f} | {r['consume']:.0f} | {r['received']}/{N} | "
              f"{r['fifo']} | {r['fanout']} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--consume":
        consume(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        main()
