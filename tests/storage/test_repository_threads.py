"""Many threads of one process read and write one repository (daemon worker threads do)."""

from __future__ import annotations

import threading

from jupyter_prov.storage.repository import Repository


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
