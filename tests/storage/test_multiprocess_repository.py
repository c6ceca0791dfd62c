"""Several OS processes write one repository at once: no object is lost or corrupted, a killed writer blocks nobody.

Each writer stores, for a while, a random mix of small ``File`` nodes one at a time, large ones (loose
objects of 128 KiB to 512 KiB) and ``store_all`` batches of small ones, some with content that other
writers store too (deduplication); one more process runs ``maintain`` (packing) over and over, and another
imports archives (small files in batches, a 5 MiB one streamed) over and over. Afterwards the
disk-objectstore container validates, every file of every node reads back with bytes that hash to its key,
and every node a writer or the importer reported is there with the content it gave. Then the same soak
again while writers are killed with SIGKILL at random moments, each replaced at once by a new writer (N
writing all the time, N kills per run); a fresh writer must get through after the last kill, no writer
saw an error, and the same checks hold.

Each soak runs ``JPROV_TEST_CONCURRENCY_SECONDS`` (default 30 s, what issue #13 asks for) per N and
backend, one test each so that pytest-xdist spreads them. Set the variable lower for a quick local run.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from sqlalchemy import select

from jupyter_prov.orm import current
from jupyter_prov.storage import schema
from jupyter_prov.storage.file_tree import iter_keys

SECONDS = float(os.environ.get("JPROV_TEST_CONCURRENCY_SECONDS", "30"))

WRITER = textwrap.dedent("""
    import hashlib, json, os, random, sys, time
    import jupyter_prov as jp
    from jupyter_prov.orm import File, store_all

    jp.load_profile()
    tag, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    print(json.dumps({"ready": tag}), flush=True)
    sys.stdin.readline()  # all writers start together
    deadline = time.monotonic() + seconds
    i = 0

    def content(kind):
        global i
        i += 1
        if kind == "shared":  # the same bytes from every writer: deduplicated
            return f"shared content {rng.randrange(20)}".encode()
        if kind == "large":
            return rng.randbytes(rng.randrange(128 * 1024, 512 * 1024))
        return f"{tag} {i} ".encode() + rng.randbytes(rng.randrange(10, 2000))

    def report(node, data):
        print(json.dumps({"pk": node.pk, "sha": hashlib.sha256(data).hexdigest()}), flush=True)

    while time.monotonic() < deadline:
        op = rng.choice(["small", "small", "small", "shared", "shared", "large", "batch", "batch"])
        try:
            if op == "batch":
                datas = [content(rng.choice(["small", "small", "shared"])) for _ in range(rng.randrange(5, 40))]
                nodes = store_all([File(d, filename=f"b{k}.bin") for k, d in enumerate(datas)])
                for node, data in zip(nodes, datas):
                    report(node, data)
            else:
                data = content(op)
                report(File(data, filename="f.bin").store(), data)
        except Exception as exc:
            print(json.dumps({"error": f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:500]}), flush=True)
    print(json.dumps({"done": tag}), flush=True)
""")


MAINTAINER = textwrap.dedent("""
    import json, sys, time
    import jupyter_prov as jp
    from jupyter_prov.orm.profile_admin import maintain_storage

    jp.load_profile()
    deadline = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < deadline:  # the one packer, beside the writers
        try:
            report = maintain_storage()
            print(json.dumps({"maintained": report["repository"]}), flush=True)
        except Exception as exc:
            print(json.dumps({"error": f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:500]}), flush=True)
        time.sleep(0.2)
    print(json.dumps({"done": "maintainer"}), flush=True)
""")


IMPORTER = textwrap.dedent("""
    import json, os, sys, time
    import jupyter_prov as jp
    from jupyter_prov.archive import import_archive
    from jupyter_prov.orm import load_node

    jp.load_profile()
    tag, seconds = sys.argv[1], float(sys.argv[2])
    archives = json.loads(os.environ["JPROV_TEST_ARCHIVES"])  # [[path, {uuid: sha256 of its file}], ...]
    print(json.dumps({"ready": tag}), flush=True)
    sys.stdin.readline()
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:  # archive import as one more write path beside the writers
        path, files = archives[i % len(archives)]
        i += 1
        try:
            import_archive(path)
            for uuid, sha in files.items():
                print(json.dumps({"pk": load_node(uuid).pk, "sha": sha}), flush=True)
            print(json.dumps({"imported": path}), flush=True)
        except Exception as exc:
            print(json.dumps({"error": f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:500]}), flush=True)
    print(json.dumps({"done": tag}), flush=True)
""")


def _archives_to_import(folder, count: int = 4) -> list:
    """``count`` archives from another profile (stored here, exported, then emptied away): 30 small files and
    one of 5 MiB each (more than the importer reads in one piece: streamed into the repository)."""
    from jupyter_prov.archive import create_archive
    from jupyter_prov.orm import File, store_all
    from tests.archive.conftest import empty_profile_storage

    rng = random.Random(count)
    archives = []
    for k in range(count):
        datas = [f"archive {k} file {i} ".encode() + rng.randbytes(rng.randrange(10, 3000)) for i in range(30)]
        datas.append(rng.randbytes(5 * 2**20))
        nodes = store_all([File(data, filename=f"a{i}.bin") for i, data in enumerate(datas)])
        path = folder / f"import-{k}.jprov"
        create_archive(path, nodes=nodes)
        archives.append([str(path), {node.uuid: hashlib.sha256(data).hexdigest() for node, data in zip(nodes, datas)}])
    empty_profile_storage()
    return archives


class Writer:
    """One writer process and the lines it printed (read by a thread, so the pipe never fills)."""

    def __init__(self, env: dict, tag: str, seconds: float, seed: int, script: str = WRITER):
        self.process = subprocess.Popen([sys.executable, "-c", script, tag, str(seconds), str(seed)], env=env,
                                        text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.lines: list[dict] = []
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._err_reader = threading.Thread(target=self._read_err, daemon=True)
        self._err_reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                self.lines.append({"error": f"unreadable line {line!r}"})

    def _read_err(self) -> None:
        self.stderr = self.process.stderr.read()

    @property
    def stored(self) -> list[dict]:
        return [line for line in list(self.lines) if "pk" in line]

    @property
    def errors(self) -> list[str]:
        return [line["error"] for line in list(self.lines) if "error" in line]

    def go(self) -> None:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=30)
        self._err_reader.join(timeout=30)
        return code


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _check_repository(writers: list[Writer]) -> int:
    """Container valid, every node's files read back with bytes that hash to their keys, writers' nodes present."""
    from disk_objectstore import Container

    storage = current.get_storage()
    repository = storage.repository
    repository.close()  # a fresh look at what the other processes wrote
    with Container(repository.folder) as container:
        issues = container.validate()
        problems = {name: value for name, value in vars(issues).items() if value}
    assert not problems, f"Container.validate() found {problems}"
    with storage.connection() as conn:
        trees = dict(conn.execute(select(schema.nodes.c.id, schema.nodes.c.repository_metadata)
                                  .where(schema.nodes.c.node_type == "data.file")).all())
    keys = {key for tree in trees.values() for key in iter_keys(tree or {})}
    wrong = []
    for key in sorted(keys):
        data = repository.get_bytes(key)
        if hashlib.sha256(data).hexdigest() != key:
            wrong.append(key)
    assert not wrong, f"{len(wrong)} of {len(keys)} objects return bytes that do not match their hash"
    reported = [line for writer in writers for line in writer.stored]
    missing = [line["pk"] for line in reported if line["pk"] not in trees]
    assert not missing, f"{len(missing)} reported nodes are missing: {missing[:5]}"
    mismatched = [line for line in reported if line["sha"] not in set(iter_keys(trees[line["pk"]] or {}))]
    assert not mismatched, f"{len(mismatched)} nodes name other content than was stored: {mismatched[:3]}"
    return len(reported)


def _start(subprocess_env, n: int, seconds: float, seed: int) -> list[Writer]:
    """``n`` writers, released together once every one has loaded the profile."""
    current.get_storage().repository.close()  # this process does not hold the repository meanwhile
    writers = [Writer(subprocess_env, f"w{k}", seconds, seed * 100 + k) for k in range(n)]
    _wait_until(lambda: all(any("ready" in line for line in w.lines) or w.process.poll() is not None
                            for w in writers), timeout=240, what="every writer to load the profile")
    for writer in writers:
        if writer.process.poll() is None:
            writer.go()
    return writers


@pytest.mark.slow
@pytest.mark.timeout(SECONDS + 540)
@pytest.mark.parametrize("n", [2, 4, 8])
def test_writers_in_several_processes_lose_and_corrupt_nothing(profile, subprocess_env, tmp_path, n):
    archives = _archives_to_import(tmp_path)
    importer_env = {**subprocess_env, "JPROV_TEST_ARCHIVES": json.dumps(archives)}
    importer = Writer(importer_env, "importer", SECONDS, seed=0, script=IMPORTER)
    writers = _start(subprocess_env, n, SECONDS, seed=n)
    maintainer = Writer(subprocess_env, "maintainer", SECONDS, seed=0, script=MAINTAINER)
    maintainer.go()
    importer.go()
    for writer in [*writers, maintainer, importer]:
        code = writer.wait(timeout=SECONDS + 240)
        assert code == 0, writer.stderr[-2000:]
    errors = [error for writer in [*writers, maintainer, importer] for error in writer.errors]
    assert not errors, f"{len(errors)} stores, imports or maintenance runs failed, e.g. {errors[:3]}"
    assert any("maintained" in line for line in maintainer.lines), "maintenance never ran"
    assert any("imported" in line for line in importer.lines), "no archive was imported"
    assert all(writer.stored for writer in writers), "a writer stored nothing"
    assert _check_repository([*writers, importer]) > 0


@pytest.mark.slow
@pytest.mark.timeout(SECONDS + 540)
@pytest.mark.parametrize("n", [2, 4, 8])
def test_writers_killed_at_random_block_nobody_and_corrupt_nothing(profile, subprocess_env, n):
    rng = random.Random(n)
    writers = _start(subprocess_env, n, 600, seed=1000 + n)
    killed: list[Writer] = []
    fresh = None
    try:
        _wait_until(lambda: all(len(w.stored) >= 3 or w.process.poll() is not None for w in writers),
                    timeout=240, what="every writer to store a few nodes")
        # the writer that must get through after the last kill, loaded meanwhile (it waits for "go")
        fresh = Writer(subprocess_env, "fresh", min(SECONDS, 2.0), seed=7)
        started = time.monotonic()
        for moment in sorted(rng.uniform(0, SECONDS) for _ in range(n)):  # N kills at random moments
            time.sleep(max(0.0, started + moment - time.monotonic()))
            def storing() -> list[Writer]:  # killed mid-work, not while still loading the profile
                return [w for w in writers if w not in killed and w.process.poll() is None and w.stored]

            _wait_until(lambda: bool(storing()), timeout=240, what="a writer that is storing")
            victim = rng.choice(storing())
            victim.process.send_signal(signal.SIGKILL)
            victim.wait(timeout=60)
            killed.append(victim)
            replacement = Writer(subprocess_env, f"r{len(killed)}", 600, seed=2000 + 10 * n + len(killed))
            replacement.go()  # (read once it has loaded the profile) so that N keep writing
            writers.append(replacement)
        time.sleep(max(0.0, started + SECONDS - time.monotonic()))
        # the next writer is not blocked by anything a killed one left behind
        fresh.go()
        assert fresh.wait(timeout=240) == 0, fresh.stderr[-2000:]
        assert not fresh.errors, fresh.errors[:3]
        assert fresh.stored, "the writer after the kills stored nothing"
    finally:
        for writer in writers + ([fresh] if fresh is not None else []):
            if writer.process.poll() is None:
                writer.process.send_signal(signal.SIGKILL)
            writer.wait(timeout=60)
    assert len(killed) == n
    errors = [error for writer in writers for error in writer.errors]
    assert not errors, f"{len(errors)} stores failed while writers were killed, e.g. {errors[:3]}"
    assert _check_repository(writers + [fresh]) > 0
