"""Every ``jprov`` command the docs show names real commands and options, also where it is not run.

The snippets that run (``test_snippets.py``) prove themselves; the command lines shown as reference
(```` ```text ```` blocks with ``PK`` placeholders, synopses like ``jprov archive create FILE --all | -N
<ids>``, and inline code in the prose) would go stale silently when an option is renamed. This test resolves each one in the click
tree of ``jprov`` and checks its options, so a renamed flag fails here, naming the page and line.
"""

from __future__ import annotations

import re
import shlex

import click
import pytest

from jupyter_prov.cli import main

from ._markdown import ROOT, pages

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _fenced_lines(page: str) -> list[tuple[int, str]]:
    """(line number, text) of each line inside a fenced block of ``page``, continuations joined."""
    found, inside, pending = [], False, None
    for number, line in enumerate((ROOT / page).read_text(encoding="utf-8").splitlines(), 1):
        if _FENCE.match(line):
            inside, pending = not inside, None
            continue
        if not inside:
            continue
        if pending is not None:
            start, text = pending
            line = text + " " + line.strip()
            number = start
        if line.rstrip().endswith("\\"):
            pending = (number, line.rstrip()[:-1])
            continue
        pending = None
        found.append((number, line))
    return found


def _inline_commands(page: str) -> list[tuple[int, str]]:
    """(line number, text) of each inline code span of the prose that is a ``jprov`` command."""
    found, inside = [], False
    for number, line in enumerate((ROOT / page).read_text(encoding="utf-8").splitlines(), 1):
        if _FENCE.match(line):
            inside = not inside
        elif not inside:
            found += [(number, span) for span in re.findall(r"`(jprov [^`]+)`", line)]
    return found


def _jprov_lines(page: str) -> list[tuple[int, str]]:
    lines = []
    for number, line in _fenced_lines(page):
        text = line.strip().removeprefix("$ ")
        if text.startswith("jprov "):
            lines.append((number, text))
    return sorted(lines + _inline_commands(page))


def _options(command: click.Command) -> set[str]:
    """The options ``--help`` shows (a hidden one is a deprecated alias the docs must not teach)."""
    return {
        opt
        for param in command.params
        if not getattr(param, "hidden", False)
        for opt in param.opts + param.secondary_opts
    }


def _problems(text: str) -> list[str]:
    """What in the command line ``text`` the click tree does not know."""
    try:
        words = shlex.split(text, comments=True)[1:]
    except ValueError:  # an unbalanced quote in a synopsis: check the words up to the comment
        words = text.split("#")[0].split()[1:]
    command: click.Command = main
    options = _options(main)
    path = ["jprov"]
    index = 0
    while index < len(words):  # the command path: groups, then their command (root options may come first)
        word = words[index]
        if word in ("...", "…"):  # "jprov -p lab ...": any command
            return []
        if word in options or word in ("-h", "--help"):
            index += 2 if word in ("-p", "--profile") else 1
            continue
        if not isinstance(command, click.Group):
            break
        sub = command.get_command(click.Context(command), word)
        if sub is None:
            return [f"{' '.join(path)} has no command {word!r}"]
        command, path = sub, [*path, word]
        options |= _options(sub)
        index += 1
    if isinstance(command, click.Group):
        if any(word in ("-h", "--help", "--version") for word in words):  # `jprov --version`, `jprov daemon --help`
            return []
        return [f"{' '.join(path)} is a group, not a command"]
    options |= {"-h", "--help"}
    problems = []
    for word in words[index:]:
        for part in word.strip("[]()").split("|"):
            flag = part.strip("[]()").split("=")[0]
            if re.fullmatch(r"--?[A-Za-z][\w-]*", flag) and flag not in options:
                problems.append(f"{' '.join(path)} has no option {flag!r}")
    return problems


CASES = [(page, number, text) for page in pages() for number, text in _jprov_lines(page)]


@pytest.mark.parametrize(("page", "line", "text"), CASES, ids=[f"{p}:{n}" for p, n, _ in CASES])
def test_a_jprov_line_of_the_docs_names_real_commands_and_options(page, line, text):
    assert not _problems(text), f"{page}, line {line}: {text}"


def test_the_check_finds_a_renamed_option_and_an_unknown_command():
    assert _problems("jprov node delete 12 --yes --dry-run") == []
    assert _problems("jprov -p lab status") == [] and _problems("jprov -p lab ...") == []
    assert _problems("jprov node delete 12 --force") == ["jprov node delete has no option '--force'"]
    assert _problems("jprov nodes list") == ["jprov has no command 'nodes'"]
    assert len(CASES) >= 30
