"""Every snippet of README.md and docs/ runs as written, in order, in a profile that holds earlier work.

One test per page and backend (``test_page_runs_as_written[docs/how-to/querying.md-sqlite]``) runs the
page's ``python``, ``ipython`` and ``bash`` blocks in order (see ``_page.py`` for how each kind runs and
``_seed.py`` for the data already in the profile); a failure names the page, the block and its line.
A block marked ``<!-- skip-snippet: why -->`` is not run: it is reported as a skipped test of its own
(``test_snippet_not_run``) with the reason, and their number is kept small by
``test_skipped_snippets_are_few``.

PostgreSQL runs the pages about storing, querying and exporting (``ON_POSTGRES``); every page runs on
SQLite.
"""

from __future__ import annotations

import re
import socket

import pytest

from tests.conftest import IN_CI

from ._markdown import pages, refused_fences, snippets, stray_skip_markers
from ._page import PageRun

PAGES = [page for page in pages() if snippets(page)]
SKIPPED = [s for page in PAGES for s in snippets(page) if s.skip]
#: pages that also run on PostgreSQL: the ones that store, query and run processes from Python. The
#: others spend their time in `jprov` start-ups (~1 s CPU each), kernels and the daemon, whose
#: PostgreSQL behaviour tests/cli, tests/notebook, tests/daemon and tests/archive cover; running them
#: twice would double the suite's time (every page on SQLite and these three on both: 86 s CPU at load 14).
POSTGRES_PAGES = ("docs/how-to/querying.md", "docs/tutorial/processes.md", "docs/how-to/shell-jobs.md")
ON_POSTGRES = [page for page in PAGES if page in POSTGRES_PAGES]
CASES = [pytest.param(page, "sqlite", id=f"{page}-sqlite") for page in PAGES] + [
    pytest.param(page, "postgresql", id=f"{page}-postgresql", marks=pytest.mark.postgres)
    for page in ON_POSTGRES
]
MAX_SKIPPED = 3


_AMQP = re.compile(r"amqp://[^@\s]*@([\w.]+):(\d+)")


def _require_server(host: str, port: int, what: str) -> None:
    """Skip (fail in CI) when the server a page's snippets name does not answer."""
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as error:
        message = f"{what} at {host}:{port}, named by the page, not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.timeout(1200)  # a whole page; each block has its own limit (_page.BLOCK_TIMEOUT)
@pytest.mark.parametrize(("page", "backend"), CASES)
def test_page_runs_as_written(page, backend, tmp_path, request):
    server = None
    if backend == "postgresql" or any("postgresql+psycopg://" in s.code for s in snippets(page)):
        from tests.conftest import POSTGRES_URL

        # a page that sets up a PostgreSQL profile needs the server on SQLite too: without one this
        # skips with the reason (fails in CI), like every PostgreSQL test
        request.getfixturevalue("postgres_database_url")
        server = POSTGRES_URL
    for host, port in {(m[0], int(m[1])) for s in snippets(page) for m in _AMQP.findall(s.code)}:
        _require_server(host, port, "RabbitMQ")
    with PageRun(page, tmp_path, postgres_server=server) as run:
        run.seed(run.new_database() if backend == "postgresql" else None)
        for snippet in snippets(page):
            if not snippet.skip:
                run.run(snippet)


@pytest.mark.parametrize("snippet", SKIPPED, ids=[f"{s.page}:{s.line}" for s in SKIPPED])
def test_snippet_not_run(snippet):
    pytest.skip(f"{snippet.name} is marked skip-snippet: {snippet.skip}")


def test_skipped_snippets_are_few():
    assert len(SKIPPED) <= MAX_SKIPPED, [f"{s.name}: {s.skip}" for s in SKIPPED]
    assert all(s.skip.strip() for s in SKIPPED), "a skip-snippet marker needs a reason"


@pytest.mark.parametrize("page", pages())
def test_shell_snippets_are_bash_and_markers_sit_on_snippets(page):
    refused = [f"line {fence.line}: ```{fence.language}" for fence in refused_fences(page)]
    assert not refused, f"{page}: write command lines as ```bash so they run (or as ```text): {refused}"
    assert not stray_skip_markers(page), f"{page}: skip-snippet markers not right before a snippet"


def test_every_page_of_the_docs_is_found():
    found = pages()
    assert found[0] == "README.md"
    assert {
        "docs/getting-started.md",
        "docs/how-to/querying.md",
        "docs/tutorial/notebook-provenance.md",
    } <= set(found)
    assert len(PAGES) >= 8
