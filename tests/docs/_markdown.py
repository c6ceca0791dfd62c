"""The code blocks of the README and of every page under docs/, as the docs-as-tests suite runs them.

A fenced block whose info string is ``python``, ``ipython`` or ``bash`` is a *snippet* and is run. A
snippet that must not run carries the marker ``<!-- skip-snippet: why -->`` on the line right before
its fence; the suite reports it as a skipped test with that reason. Fences in other languages
(``text``, ``json``, none) are shown, never run; ``console``/``sh``/``shell`` fences are refused, so a
command line cannot hide from the suite by its fence name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = ("python", "ipython", "bash")
#: shell fences that look runnable but would not be run: write them as ``bash``
REFUSED = ("console", "sh", "shell", "shell-session", "zsh", "py", "pycon")
#: generated or owned elsewhere, and made only of reference text (no snippets to run)
NOT_PAGES = ("docs/cli.md",)

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_SKIP = re.compile(r"^\s*<!--\s*skip-snippet:\s*(?P<reason>.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Snippet:
    page: str  #: path relative to the repository root, e.g. ``docs/how-to/querying.md``
    number: int  #: 1-based among the runnable snippets of the page
    language: str
    code: str
    line: int  #: line of the first code line in the page (1-based)
    skip: str | None = None  #: the reason given by a ``skip-snippet`` marker

    @property
    def name(self) -> str:
        return f"{self.page} block {self.number} ({self.language}, line {self.line})"


@dataclass(frozen=True)
class Fence:
    language: str
    line: int


def pages() -> list[str]:
    """README.md, then every Markdown page under docs/, sorted."""
    found = ["README.md"] + sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md"))
    return [page for page in found if page not in NOT_PAGES]


def _blocks(text: str) -> list[tuple[str, str, int, str | None]]:
    """(language, code, first code line, skip reason) of every fenced block."""
    lines = text.splitlines()
    blocks, index = [], 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, language = match.group("fence"), match.group("info").strip().split(" ")[0].lower()
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        skip = _SKIP.match(previous)
        body, index = [], index + 1
        start = index + 1
        while index < len(lines) and not (
            lines[index].strip().startswith(fence[0] * len(fence))
            and not lines[index].strip().strip(fence[0])
        ):
            body.append(lines[index])
            index += 1
        index += 1
        blocks.append((language, "\n".join(body) + "\n", start, skip.group("reason") if skip else None))
    return blocks


def snippets(page: str) -> list[Snippet]:
    """The runnable snippets of ``page``, in order."""
    found = []
    for language, code, line, skip in _blocks((ROOT / page).read_text(encoding="utf-8")):
        if language in RUN:
            found.append(Snippet(page, len(found) + 1, language, code, line, skip))
    return found


def refused_fences(page: str) -> list[Fence]:
    """Fences of ``page`` in a shell-like language the suite would not run."""
    return [
        Fence(language, line)
        for language, _code, line, _skip in _blocks((ROOT / page).read_text(encoding="utf-8"))
        if language in REFUSED
    ]


def stray_skip_markers(page: str) -> list[int]:
    """Lines of ``skip-snippet`` markers that are not right before a runnable fence."""
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    stray = []
    for number, text in enumerate(lines, 1):
        if _SKIP.match(text):
            following = next((line for line in lines[number:] if line.strip()), "")
            match = _FENCE.match(following)
            if not match or match.group("info").strip().split(" ")[0].lower() not in RUN:
                stray.append(number)
    return stray
