"""docs/cli.md is the click tree written out: every command and option, and it is never stale."""

from pathlib import Path

from jupyter_prov.cli import main
from jupyter_prov.cli._docs import iter_commands, render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_generated_from_the_commands():
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: run `python -m jupyter_prov.cli._docs > docs/cli.md`")


def test_every_command_and_visible_option_is_on_the_page():
    page = PAGE.read_text(encoding="utf-8")
    missing = [" ".join(path) for path, _command in iter_commands(main) if f"`jprov {' '.join(path)}`" not in page]
    assert not missing, f"commands missing from docs/cli.md: {missing}"
    for path, command in iter_commands(main):
        for option in command.params:
            if getattr(option, "hidden", True) or not getattr(option, "opts", None):
                continue
            assert f"`{option.opts[0]}" in page, f"jprov {' '.join(path)} {option.opts[0]} missing from docs/cli.md"


def test_the_page_covers_the_groups_the_old_page_had_lost():
    page = PAGE.read_text(encoding="utf-8")
    for command in ("archive create", "daemon restart", "process report", "query", "profile set"):
        assert f"`jprov {command}`" in page
