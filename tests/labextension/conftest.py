"""One real ``jupyter lab`` per test module and one Debian Chromium (Playwright) for the lab extension's tests.

The server runs on a profile of its own (SQLite, embedded broker with short daemon leases) that the test
process loads too, so a test stores or submits something and watches the page show it. ``PYTHONPATH``
holds the repository, so daemon workers started from the page import ``tests.daemon.processes``. The
page must request nothing but the lab server (no CDN): every page records what else it asked for.
Screenshots go to ``<tmp>/screenshots/<test name>-<step>.png``. Without jupyterlab, playwright or
Chromium the tests skip with the reason; under ``CI=true`` they fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("JPROV_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
ARCHIVES = next((p for p in (REPO.parent / "shared" / "data" / "aiida-archives", Path("/work/shared/data/aiida-archives"))
                 if p.is_dir()), None)


def _missing() -> list[str]:
    missing = []
    for module in ("jupyterlab", "playwright"):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"the Python package {module} (pip install -e '.[dev]')")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    return missing


@pytest.fixture(scope="module")
def lab_profile(jprov_home):
    """The profile the lab serves and the test process works on (emptied first), its daemon stopped after."""
    from jupyter_prov.orm import current
    from tests.conftest import clean_storage, make_profile
    from tests.daemon.conftest import make_daemon_profile

    base = make_profile("labext-sqlite", None)
    profile = make_daemon_profile(base, "embedded")
    current.load_profile(profile.name)
    clean_storage(current.get_storage())
    yield profile
    from jupyter_prov.daemon.lifecycle import daemon_status, stop_daemon

    if daemon_status(profile)["running"]:
        stop_daemon(profile, timeout=10)


@contextlib.contextmanager
def running_lab(tmp: Path, env: dict[str, str], *, with_extension: bool = True):
    """A headless JupyterLab on ``tmp/root``: ``{"url", "token", "root", "log", "workspaces"}``."""
    missing = _missing()
    if missing:
        message = "JupyterLab UI test needs " + " and ".join(missing)
        (pytest.fail if IN_CI else pytest.skip)(message)
    root = tmp / "root"
    root.mkdir()
    if ARCHIVES is not None:
        shutil.copy(ARCHIVES / "tutorial.aiida", root / "tutorial.aiida")
    config = tmp / "jupyter-config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    if not with_extension:  # the user's config dir outranks the environment's etc/jupyter, which enables it
        (config / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_prov.server": False}}}))
    env = dict(env, JUPYTER_CONFIG_DIR=str(config), JUPYTERLAB_SETTINGS_DIR=str(config / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(config / "workspaces"), JUPYTER_RUNTIME_DIR=str(config / "runtime"),
               PYTHONUNBUFFERED="1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    log_path = tmp / "jupyterlab.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ip", "127.0.0.1",
             "--port", str(port), f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--LabApp.extension_manager=readonly"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not come up:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield {"url": base, "token": token, "root": root, "log": log_path, "workspaces": config / "workspaces"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def jupyter_lab(lab_profile, jprov_home, tmp_path_factory):
    """The module's JupyterLab, serving ``lab_profile``."""
    env = dict(os.environ, JPROV_HOME=str(jprov_home), JPROV_PROFILE=lab_profile.name,
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    with running_lab(tmp_path_factory.mktemp("lab"), env) as lab:
        yield lab


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class LabPage:
    """A JupyterLab page of the module's server, with its screenshots and the non-local requests it made."""

    def __init__(self, page, lab: dict, shots: Path, name: str):
        self.page, self.lab, self.shots, self.name = page, lab, shots, name
        self.foreign: list[str] = []
        self.requests: list[str] = []
        page.on("request", self._request)

    def _request(self, request) -> None:
        self.requests.append(request.url)
        if not request.url.startswith((self.lab["url"], "blob:", "data:")):
            self.foreign.append(request.url)

    def goto(self, query: str = "") -> None:
        sep = "&" if query else ""
        self.page.goto(f"{self.lab['url']}/lab?{query}{sep}token={self.lab['token']}")
        self.page.wait_for_selector("#jupyter-prov-sidebar", state="attached", timeout=120_000)

    def open_left(self, widget_id: str) -> None:
        """Show the left-area panel ``widget_id`` (a restored layout may show it already: a click would hide it)."""
        self.page.wait_for_selector(f'.jp-SideBar [data-id="{widget_id}"]', timeout=60_000)
        if not self.page.locator(f"#{widget_id}").is_visible():
            self.page.locator(f'.jp-SideBar [data-id="{widget_id}"]').click()
        self.page.wait_for_selector(f"#{widget_id}", state="visible", timeout=30_000)

    def open_sidebar(self) -> None:
        self.open_left("jupyter-prov-sidebar")

    def section(self, name: str) -> None:
        self.page.locator(f'#jupyter-prov-sidebar .jp-prov-tab[data-section="{name}"]').click()

    def screenshot(self, step: str) -> Path:
        path = self.shots / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path))
        return path

    def wait_for(self, expression: str, timeout: float = 60, arg=None):
        """Poll a JavaScript expression in the page until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(f"(arg) => ({expression})", arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never had {expression}")
            self.page.wait_for_timeout(100)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def lab_page(browser, jupyter_lab, request, tmp_path_factory):
    shots = tmp_path_factory.getbasetemp() / "screenshots"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    lab = LabPage(page, jupyter_lab, shots, request.node.name.removeprefix("test_"))
    with contextlib.ExitStack() as stack:
        stack.callback(context.close)
        console = shots / f"{lab.name}-console.log"
        page.on("console", lambda message: console.open("a").write(f"{message.type}: {message.text}\n"))
        page.on("pageerror", lambda error: console.open("a").write(f"pageerror: {error}\n"))
        yield lab
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            lab.screenshot("failed")
    assert not lab.foreign, f"the page requested non-local URLs: {lab.foreign[:5]}"
