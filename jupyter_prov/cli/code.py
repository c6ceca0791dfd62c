"""``jprov code``: executables on computers, the things calc jobs run."""

from __future__ import annotations

import click

from ._output import fail, json_option, limit_option, print_json, print_record, print_table, truncation_note
from ._session import open_profile


@click.group("code")
def command() -> None:
    """Codes: executables on computers."""


def _as_dict(code) -> dict:
    return {"pk": code.pk, "uuid": code.uuid, "label": code.label, "computer": code.computer.label,
            "executable": code.executable, "with_mpi": code.with_mpi, "description": code.description}


@command.command("create")
@click.argument("label_at_computer")
@click.option("--executable", required=True, help="Absolute path of the executable on the computer.")
@click.option("--with-mpi", is_flag=True, help="Run it through mpirun.")
@click.option("--prepend-text", default="", help="Shell lines run before it in the job script.")
@click.option("--description", default="", help="A description.")
@click.pass_context
def create(ctx: click.Context, label_at_computer: str, executable: str, with_mpi: bool, prepend_text: str,
           description: str) -> None:
    """Create the code LABEL@COMPUTER."""
    from ..orm import Computer, ValidationError
    from ..orm.exceptions import NotExistent
    from ..orm.nodes.code import Code

    open_profile(ctx)
    label, _, computer_label = label_at_computer.partition("@")
    if not label or not computer_label:
        fail(f"{label_at_computer!r}: give the code as LABEL@COMPUTER")
    computer = Computer.load(computer_label)
    try:
        Code.get(label_at_computer)
        fail(f"a code {label_at_computer!r} exists already")
    except NotExistent:
        pass
    try:
        code = Code(executable, computer=computer, label=label, with_mpi=with_mpi, prepend_text=prepend_text,
                    description=description)
        code.store()
    except ValidationError as exc:
        fail(str(exc))
    click.echo(f"code {code.full_label!r} created (pk {code.pk})")


@command.command("list")
@limit_option
@json_option
@click.pass_context
def list_(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List the codes."""
    from ..orm.nodes.code import _all_codes

    open_profile(ctx)
    every = _all_codes()
    codes = every[: limit or None]
    if as_json:
        print_json([_as_dict(c) for c in codes])
    else:
        print_table(["pk", "code", "executable"], [(c.pk, c.full_label, c.executable) for c in codes])
    truncation_note(len(codes), len(every), as_json=as_json)


@command.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, code: str, as_json: bool) -> None:
    """Show CODE (label@computer, label, pk or UUID)."""
    from ..orm.nodes.code import Code

    open_profile(ctx)
    data = _as_dict(Code.get(code))
    print_record(data, as_json=as_json)
