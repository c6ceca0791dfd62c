"""Who may write packs: a process alone with the repository; beside another process every write is loose."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from jupyter_prov.storage.repository import Repository, RepositoryError

HOLDER = textwrap.dedent("""
    import sys
    from jupyter_prov.storage.repository import Repository
    repository = Repository(sys.argv[1])
    repository.has(["0" * 64])  # opens it (its shared lock)
    print("open", flush=True)
    sys.stdin.readline()
""")


@pytest.fixture
def other_process(tmp_path):
    """Start a process that has the repository at ``tmp_path / 'repo'`` open until the test ends."""
    children = []

    def start(folder):
        child = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], text=True, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdout.readline().strip() == "open", child.stderr.read()
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()
        child.wait(timeout=30)


def test_alone_a_batch_goes_into_a_pack_and_beside_another_process_it_stays_loose(tmp_path, other_process):
    repository = Repository(tmp_path / "repo")
    alone = repository.put_many_bytes([b"alone 1", b"alone 2"])
    assert repository.count_objects() == {"loose": 0, "packed": 2}
    child = other_process(tmp_path / "repo")
    beside = repository.put_many_bytes([b"beside 1", b"beside 2", b"beside 3"])
    assert repository.count_objects() == {"loose": 3, "packed": 2}
    child.kill()
    child.wait(timeout=30)
    repository.put_many_bytes([b"alone again"])  # the dead process's lock went with it
    assert repository.count_objects() == {"loose": 3, "packed": 3}
    assert [repository.get_bytes(key) for key in alone + beside] == [b"alone 1", b"alone 2", b"beside 1",
                                                                      b"beside 2", b"beside 3"]
    repository.close()


def test_a_pack_lock_left_by_a_killed_writer_does_not_fail_the_next_write(tmp_path):
    repository = Repository(tmp_path / "repo")
    repository.put_many_bytes([b"first"])
    (tmp_path / "repo" / "packs" / "0.lock").touch()  # what a writer killed inside a pack write leaves
    keys = repository.put_many_bytes([b"second", b"third"])
    assert [repository.get_bytes(key) for key in keys] == [b"second", b"third"]
    repository.close()


def test_objects_are_deleted_only_when_no_other_process_uses_the_repository(tmp_path, other_process):
    repository = Repository(tmp_path / "repo")
    keys = repository.put_many_bytes([b"maybe someone else's too"]) + [repository.put_bytes(b"loose one")]
    child = other_process(tmp_path / "repo")
    assert repository.delete(keys) == []  # the other process may be about to name them
    assert repository.has(keys) == [True, True]
    report = repository.maintain(set())
    assert report["deleted"] == 0 and "kept_unreferenced" in report
    with pytest.raises(RepositoryError, match="in use by another process"):
        repository.maintain(set(), full=True)
    child.kill()
    child.wait(timeout=30)
    assert sorted(repository.delete(keys)) == sorted(keys)
    repository.close()


def test_several_instances_in_one_process_do_not_exclude_each_other(tmp_path):
    first, second = Repository(tmp_path / "repo"), Repository(tmp_path / "repo")
    first.put_bytes(b"opened by the first")
    second.put_many_bytes([b"packed through the second"])
    assert second.count_objects() == {"loose": 1, "packed": 1}
    first.close()
    second.close()


def test_a_forked_child_takes_a_lock_of_its_own(tmp_path):
    repository = Repository(tmp_path / "repo")
    repository.put_bytes(b"before the fork")
    pid = os.fork()
    if pid == 0:  # the child: the parent still has the repository open, so it writes loose
        try:
            repository.put_many_bytes([b"from the child 1", b"from the child 2"])
            code = 0 if repository.count_objects()["loose"] == 3 else 1
        except BaseException:  # noqa: BLE001 - any failure is the child's exit code
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    repository.put_many_bytes([b"parent alone again"])  # the child's exit released nothing of the parent's
    assert repository.count_objects() == {"loose": 3, "packed": 1}
    repository.close()


PACK_WRITER = textwrap.dedent("""
    import os, sys
    from jupyter_prov.storage.repository import Repository
    repository = Repository(sys.argv[1])
    print("writing", flush=True)
    repository.put_many_bytes([os.urandom(64) for _ in range(400_000)], fsync=True)
""")


def test_a_writer_killed_inside_a_pack_write_blocks_nobody_and_corrupts_nothing(tmp_path):
    from disk_objectstore import Container

    folder = tmp_path / "repo"
    repository = Repository(folder)
    before = repository.put_many_bytes([b"written before"])
    repository.close()  # the child is alone: it writes straight into a pack
    child = subprocess.Popen([sys.executable, "-c", PACK_WRITER, str(folder)], text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    assert child.stdout.readline().strip() == "writing", child.stderr.read()
    deadline = time.monotonic() + 120
    while not (folder / "packs" / "0.lock").exists():  # inside the pack write
        assert child.poll() is None and time.monotonic() < deadline, "the child never wrote a pack"
        time.sleep(0.005)
    child.kill()
    child.wait(timeout=30)
    assert (folder / "packs" / "0.lock").exists()  # what it leaves behind
    keys = repository.put_many_bytes([b"after the kill 1", b"after the kill 2"])  # not blocked, no error
    assert [repository.get_bytes(key) for key in before + keys] == [b"written before", b"after the kill 1",
                                                                    b"after the kill 2"]
    with Container(folder) as container:
        issues = container.validate()
    assert not {name: value for name, value in vars(issues).items() if value}
    repository.close()
