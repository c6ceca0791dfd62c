"""A kernel that is terminated (SIGTERM, as a Jupyter server does when a kernel is slow to stop) first writes
its pending records, small cells before a large array, within a short time."""

from __future__ import annotations

import os
import signal
import sys
import time

from jupyter_client.manager import KernelManager


def _start_kernel(env: dict, cwd) -> tuple[KernelManager, object]:
    km = KernelManager(kernel_name="python3")
    km.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    km.start_kernel(env=env, cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc


def _run(kc, code: str) -> None:
    reply = kc.execute_interactive(code, timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]


def _terminate_after_cells(env: dict, cwd, big_cell: str) -> float:
    """Run a few small cells and ``big_cell``, SIGTERM the kernel at once; seconds until it ended."""
    km, kc = _start_kernel(env, cwd)
    try:
        _run(kc, "%load_ext jupyter_prov")
        _run(kc, "import numpy as np\nx = 41")
        _run(kc, "y = x + 1")
        _run(kc, big_cell)
        started = time.monotonic()
        # at once: the writer waits 20 ms of idle kernel before it starts, so nothing is written yet
        os.kill(km.provisioner.process.pid, signal.SIGTERM)
        while km.is_alive() and time.monotonic() < started + 90:
            time.sleep(0.05)
        assert not km.is_alive(), "the kernel did not end after SIGTERM"
        return time.monotonic() - started
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


def test_sigterm_writes_what_is_pending_before_the_kernel_ends(subprocess_env, tmp_path):
    from ._kernel import recorded_cells

    big = "big = np.full(50_000_000, 1.0)  # 400 MB"
    _terminate_after_cells(dict(subprocess_env, JPROV_SIGTERM_FLUSH_SECONDS="60"), tmp_path, big)
    sources = [cell.get_attribute("source") for cell in recorded_cells()]
    assert "import numpy as np\nx = 41" in sources and "y = x + 1" in sources and big in sources


def test_a_short_termination_still_keeps_the_small_cells_before_a_large_array(subprocess_env, tmp_path):
    from ._kernel import recorded_cells

    big = "big = np.full(200_000_000, 1.0)  # 1.6 GB: seconds to hash and store"
    took = _terminate_after_cells(dict(subprocess_env, JPROV_SIGTERM_FLUSH_SECONDS="1.0"), tmp_path, big)
    sources = [cell.get_attribute("source") for cell in recorded_cells()]
    assert "import numpy as np\nx = 41" in sources and "y = x + 1" in sources
    assert took < 15, f"the kernel took {took:.1f} s to end after SIGTERM with a 1 s budget"
