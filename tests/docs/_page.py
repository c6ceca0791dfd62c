"""One documentation page run as a newcomer would run it: its own config folder, working folder and data.

:class:`PageRun` gives the page an isolated ``JPROV_HOME`` and ``HOME`` (``~`` in a snippet lands in the
test's folder) and a working directory of its own, fills the ``default`` profile with earlier work
(``_seed.py``, on SQLite or on a fresh PostgreSQL database), and runs the page's snippets in order:

- ``python`` blocks in one Python process (``_python_runner.py``), the namespace carried from block to
  block;
- ``ipython`` blocks in one real IPython kernel (jupyter_client), started at the first of them. A block
  is split into cells as a reader types it into a notebook: each line magic (``%...``) is a cell of its
  own, the lines between magics are one cell, and a block starting with ``%%`` is one cell;
- ``bash`` blocks with ``bash -e -o pipefail``, ``jprov`` from this interpreter's ``bin`` first on ``PATH``.

PostgreSQL URLs of the server the docs name (``postgresql+psycopg://postgres@127.0.0.1:5432/<db>``)
are pointed at a fresh database of this run, so parallel runs never share one; nothing else of a
snippet is changed. At the end a daemon left running by the page is stopped and reported as a failure.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from ._markdown import ROOT, Snippet

HERE = Path(__file__).resolve().parent
DOCS_POSTGRES = re.compile(r"postgresql\+psycopg://postgres@127\.0\.0\.1:5432/(\w+)")
BLOCK_TIMEOUT = 240
_ERROR_LINE = re.compile(
    r"^(?:[A-Za-z_.]*(?:Error|Exception)|UsageError|Traceback \(most recent call last\)):?", re.MULTILINE
)


#: a %provenance usage error printed as one line (``%provenance show: no variable 'x' ...``)
_MAGIC_ERROR = re.compile(r"^%%?provenance [a-z]+: ", re.MULTILINE)


class SnippetFailed(AssertionError):
    pass


def _excerpt(label: str, value: str, limit: int = 4000) -> str:
    value = value.strip("\n")
    if not value:
        return ""
    if len(value) > limit:
        value = "...\n" + value[-limit:]
    return f"--- {label} ---\n{value}\n"


def _failure(snippet: Snippet, why: str, **streams: str) -> SnippetFailed:
    message = (
        f"{snippet.name} failed: {why}\n--- code ---\n{textwrap.indent(snippet.code.rstrip(), '    ')}\n"
    )
    for label, value in streams.items():
        message += _excerpt(label, value or "")
    return SnippetFailed(message)


def ipython_cells(code: str) -> list[str]:
    """The notebook cells a reader makes of an ``ipython`` block (see the module docstring)."""
    if code.lstrip().startswith("%%"):
        return [code]
    cells, current = [], []
    for line in code.splitlines():
        if line.startswith("%") and not line.startswith("%%"):
            cells += ["\n".join(current), line]
            current = []
        else:
            current.append(line)
    cells.append("\n".join(current))
    return [
        cell
        for cell in cells
        if any(ln.strip() and not ln.lstrip().startswith("#") for ln in cell.splitlines())
    ]


class PageRun:
    """The environment and the interpreters of one page run; use as a context manager."""

    def __init__(self, page: str, folder: Path, postgres_server: str | None = None):
        self.page, self.folder = page, folder
        self.work = folder / "work"
        self.work.mkdir(parents=True)
        (folder / "home").mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("JPROV_", "PYTEST_"))}
        self.env.update(
            JPROV_HOME=str(folder / "jprov-home"),
            HOME=str(folder / "home"),
            PATH=os.pathsep.join([str(Path(sys.executable).parent), self.env.get("PATH", "")]),
            PYTHONUNBUFFERED="1",
            MPLBACKEND="Agg",
        )
        self._server = postgres_server
        self._databases: dict[str, str] = {}  # name in the docs -> URL of this run's database
        self._python: subprocess.Popen | None = None
        self._answers = None
        self._kernel = None
        self._client = None

    # ---- PostgreSQL -----------------------------------------------------------------------------
    def _admin(self):
        return create_engine(self._server, isolation_level="AUTOCOMMIT")

    def new_database(self) -> str:
        name = f"jprov_docs_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = engine.url.set(database=name).render_as_string(hide_password=False)
        self._databases[f"<own {name}>"] = url
        return url

    def localise(self, code: str) -> str:
        """``code`` with the docs' PostgreSQL databases replaced by fresh ones of this run."""

        def replace(match: re.Match) -> str:
            if self._server is None:
                raise SnippetFailed(
                    f"{self.page} names a PostgreSQL database ({match.group(0)}) "
                    "but no PostgreSQL server is configured for the docs tests"
                )
            if match.group(1) not in self._databases:
                self._databases[match.group(1)] = self.new_database()
            return self._databases[match.group(1)]

        return DOCS_POSTGRES.sub(replace, code)

    # ---- the page's Python ----------------------------------------------------------------------
    def _request(self, request: dict) -> dict:
        if self._python is None:
            read, write = os.pipe()
            log = open(self.folder / "python.log", "ab")  # noqa: SIM115 - lives as long as the process
            self._python = subprocess.Popen(
                [sys.executable, str(HERE / "_python_runner.py"), str(write)],
                cwd=self.work,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(write,),
                text=True,
            )
            os.close(write)
            log.close()
            self._answers = os.fdopen(read, encoding="utf-8")
        self._python.stdin.write(json.dumps(request) + "\n")
        self._python.stdin.flush()
        ready, _, _ = select.select([self._answers], [], [], BLOCK_TIMEOUT)  # one answer per request
        if not ready:
            self._python.kill()
            return {
                "ok": False,
                "error": f"no answer within {BLOCK_TIMEOUT} s (the page's Python was killed)",
                "stdout": (self.folder / "python.log").read_text(errors="replace"),
                "stderr": "",
            }
        line = self._answers.readline()
        if not line:
            self._python.wait(timeout=30)
            log = (self.folder / "python.log").read_text(errors="replace")
            return {
                "ok": False,
                "error": f"the page's Python ended (exit status {self._python.returncode})",
                "stdout": log,
                "stderr": "",
            }
        return json.loads(line)

    def seed(self, storage: str | None) -> None:
        answer = self._request({"op": "seed", "storage": storage})
        if not answer["ok"]:
            raise AssertionError(
                f"seeding the profile for {self.page} failed:\n{answer['error']}\n{answer['stderr']}"
            )

    def run_python(self, snippet: Snippet) -> str:
        answer = self._request(
            {
                "op": "exec",
                "code": self.localise(snippet.code),
                "filename": str(ROOT / snippet.page),
                "line": snippet.line,
            }
        )
        if not answer["ok"]:
            raise _failure(
                snippet,
                "it raised",
                traceback=answer["error"],
                stdout=answer["stdout"],
                stderr=answer["stderr"],
            )
        return answer["stdout"]

    # ---- bash -----------------------------------------------------------------------------------
    def run_bash(self, snippet: Snippet) -> str:
        try:
            result = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", self.localise(snippet.code)],
                cwd=self.work,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=BLOCK_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise _failure(
                snippet,
                f"it did not end within {BLOCK_TIMEOUT} s",
                stdout=str(error.stdout),
                stderr=str(error.stderr),
            ) from None
        if result.returncode != 0:
            raise _failure(
                snippet, f"exit status {result.returncode}", stdout=result.stdout, stderr=result.stderr
            )
        return result.stdout

    # ---- ipython --------------------------------------------------------------------------------
    def _start_kernel(self) -> None:
        from jupyter_client.manager import KernelManager

        self._kernel = KernelManager(kernel_name="python3")
        self._kernel.start_kernel(env=self.env, cwd=str(self.work))
        self._client = self._kernel.client()
        self._client.start_channels()
        self._client.wait_for_ready(timeout=120)

    def run_ipython(self, snippet: Snippet) -> str:
        if self._kernel is None:
            self._start_kernel()
        shown = []
        for cell in ipython_cells(self.localise(snippet.code)):
            outputs: list[tuple[str, str]] = []

            def keep(message, outputs=outputs):
                kind, content = message["msg_type"], message["content"]
                if kind == "stream":
                    outputs.append((content["name"], content["text"]))
                elif kind in ("execute_result", "display_data"):
                    outputs.append(("stdout", content["data"].get("text/plain", "")))
                elif kind == "error":
                    outputs.append(("error", "\n".join(content["traceback"])))

            reply = self._client.execute_interactive(cell, output_hook=keep, timeout=BLOCK_TIMEOUT)
            stdout = "".join(t for name, t in outputs if name == "stdout")
            stderr = "".join(t for name, t in outputs if name != "stdout")
            shown.append(stdout)
            content = reply["content"]
            if content["status"] != "ok":
                why = f"cell {cell.splitlines()[0]!r} raised {content.get('ename')}: {content.get('evalue')}"
                raise _failure(snippet, why, stdout=stdout, stderr=_strip_ansi(stderr))
            problem = (
                _ERROR_LINE.search(_strip_ansi(stderr))
                or _MAGIC_ERROR.search(stdout + stderr)
                or "recording failed" in stdout + stderr
            )
            if problem:
                raise _failure(
                    snippet,
                    f"cell {cell.splitlines()[0]!r} reported an error",
                    stdout=stdout,
                    stderr=_strip_ansi(stderr),
                )
        return "".join(shown)

    # ---- the page -------------------------------------------------------------------------------
    def run(self, snippet: Snippet) -> str:
        return {"python": self.run_python, "bash": self.run_bash, "ipython": self.run_ipython}[
            snippet.language
        ](snippet)

    def __enter__(self) -> PageRun:  # noqa: PYI034 - Python 3.10 has no typing.Self
        return self

    def __exit__(self, *exc_info) -> None:
        problems = []
        if self._client is not None:
            self._client.stop_channels()
        if self._kernel is not None:
            self._kernel.shutdown_kernel(now=False)
        if self._python is not None:
            try:
                answer = self._request({"op": "finish"})
            except OSError as error:  # the page's Python is gone
                answer = {"ok": False, "error": f"the page's Python ended early ({error})"}
            if not answer["ok"]:
                problems.append(answer["error"].strip().splitlines()[-1])
            try:
                self._python.stdin.close()
            except OSError:
                pass
            try:
                self._python.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._python.kill()
                self._python.wait()
            self._answers.close()
        self._stop_leftover_daemons()
        if self._databases:
            engine = self._admin()
            with engine.connect() as conn:
                for url in self._databases.values():
                    name = create_engine(url).url.database
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()
        if problems and exc_info[0] is None:
            raise AssertionError(f"{self.page}: " + "; ".join(problems))

    def _stop_leftover_daemons(self) -> None:
        """``jprov daemon stop`` for a supervisor still alive (a page that failed before its stop)."""
        for pid_file in (Path(self.env["JPROV_HOME"]) / "profiles").glob("*/daemon/supervisor.pid"):
            try:
                os.kill(int(pid_file.read_text().strip()), 0)
            except (ValueError, OSError):
                continue
            profile = pid_file.parent.parent.name
            subprocess.run(
                ["jprov", "-p", profile, "daemon", "stop"],
                env=self.env,
                cwd=self.work,
                capture_output=True,
                timeout=120,
                check=False,
            )


def _strip_ansi(value: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", value)
