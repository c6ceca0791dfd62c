"""The Python of one documentation page: runs its ``python`` blocks one after the other in one namespace.

Started by :mod:`tests.docs._page` as ``python _python_runner.py`` in the page's working directory with
the page's ``JPROV_HOME``. Requests come as JSON lines on stdin, answers go as JSON lines to the file
descriptor given as the first argument (so whatever a block prints cannot garble them):

- ``{"op": "seed", "storage": URL or null}``: make the ``default`` profile and fill it with earlier work
  (``_seed.py``), then unload it, so the page starts as a user with data would;
- ``{"op": "exec", "code": ..., "filename": ..., "line": N}``: run a block; its line numbers are those of
  the page (``filename`` is the page's path), so a traceback names the Markdown line;
- ``{"op": "finish"}``: report (and stop) a daemon the page left running.

Blocks run in a module named ``__main__`` (it replaces this script's own in ``sys.modules``), as in a
script or a notebook, so classes they define are found where the engine looks for them.
"""

from __future__ import annotations

import io
import json
import os
import runpy
import sys
import traceback
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _Tee(io.TextIOBase):
    """Keeps what a block prints (for the failure message) and passes it on to the real stream."""

    def __init__(self, stream):
        self.stream, self.parts = stream, []

    def write(self, text):
        self.parts.append(text)
        self.stream.write(text)
        return len(text)

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"


def _run(function) -> dict:
    out, err = _Tee(sys.__stdout__), _Tee(sys.__stderr__)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        function()
        answer = {"ok": True}
    except BaseException as error:  # noqa: BLE001 - every failure of a block is reported, SystemExit too
        frames = traceback.extract_tb(error.__traceback__)
        own = sum(1 for frame in frames if frame.filename == __file__)
        lines = traceback.format_list(frames[own:]) + traceback.format_exception_only(type(error), error)
        answer = {"ok": False, "error": "Traceback (most recent call last):\n" + "".join(lines)}
    finally:
        sys.stdout, sys.stderr = saved
        sys.__stdout__.flush()
        sys.__stderr__.flush()
    answer.update(stdout="".join(out.parts), stderr="".join(err.parts))
    return answer


def _exec(request: dict, module: types.ModuleType) -> None:
    # the filename is the Markdown page itself, so tracebacks and inspect.getsource (a calcfunction's
    # recorded source code) read the page's own lines
    code = compile("\n" * (request["line"] - 1) + request["code"], request["filename"], "exec")
    exec(code, module.__dict__)  # noqa: S102 - our own documentation's code


def _seed(storage: str | None) -> None:
    namespace = runpy.run_path(str(HERE / "_seed.py"), run_name="jprov_docs_seed")
    namespace["seed"](storage)


def _finish() -> None:
    from jupyter_prov.config import get_config

    started = [
        p for p in get_config().profiles.values() if (p.folder / "daemon" / "supervisor.lock").exists()
    ]
    if not started:
        return  # no daemon ever ran: spare the import of the daemon (and of kombu)
    from jupyter_prov.daemon import is_running, stop_daemon

    left = []
    for profile in started:
        if is_running(profile):
            left.append(profile.name)
            stop_daemon(profile)
    if left:
        raise RuntimeError(f"the page left the daemon of profile(s) {left} running (stopped now)")


def main() -> None:
    answers = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8", buffering=1)
    sys.path[0] = os.getcwd()  # as for a script or a notebook in the page's folder, not this file's
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = module
    for request in sys.stdin:
        request = json.loads(request)
        if request["op"] == "seed":
            answer = _run(lambda request=request: _seed(request["storage"]))
        elif request["op"] == "exec":
            answer = _run(lambda request=request: _exec(request, module))
        elif request["op"] == "finish":
            answer = _run(_finish)
        else:
            answer = {"ok": False, "error": f"unknown request {request['op']!r}", "stdout": "", "stderr": ""}
        answers.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main()
