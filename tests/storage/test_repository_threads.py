"""Many threads of one process read and write one repository (daemon worker threads do)."""

from __future__ import annotations

import threading

import pytest

from jupyter_prov.storage.repository import Repository, RepositoryError


def test_threads_share_a_repository(tmp_path):
    repository = Repository(tmp_path / "repo")
    loose = [repository.put_bytes(f"loose {i}".encode()) for i in range(100)]
    packed = repository.put_many_bytes([f"packed {i}".encode() for i in range(100)])
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for round_ in range(10):
                for key in loose[:40] + packed[:40]:
                    repository.get_bytes(key)
                repository.put_many_bytes([f"thread {n} round {round_}".encode()])
                assert all(repository.has(packed[:10]))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, [repr(e.__cause__ or e) for e in errors[:3]]
    repository.close()


def test_streams_and_listing_while_other_threads_write(tmp_path):
    """open(), iter_streams() and list_keys() may be used while other threads add objects."""
    repository = Repository(tmp_path / "repo")
    packed = repository.put_many_bytes([f"packed {i}".encode() * 100 for i in range(200)])
    loose = [repository.put_bytes(f"loose {i}".encode()) for i in range(50)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            i = 0
            while not stop.is_set():
                repository.put_many_bytes([f"writer {n} {i}".encode()])
                i += 1
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(5):
            for key in packed[:20] + loose[:20]:
                with repository.open(key) as stream:
                    assert stream.read()
            streamed = {key: stream.read() for key, stream, _size in repository.iter_streams(packed + loose)}
            assert streamed[packed[7]] == b"packed 7" * 100
            assert set(packed + loose) <= set(repository.list_keys())
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, [repr(e.__cause__ or e) for e in errors[:3]]
    repository.close()


def test_opening_a_missing_object_names_it(tmp_path):
    repository = Repository(tmp_path / "repo")
    repository.put_bytes(b"something")
    missing = "0" * 64
    with pytest.raises(RepositoryError, match=missing), repository.open(missing):
        pass
    repository.close()
