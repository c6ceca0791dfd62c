"""The ``jprov`` command line: a face over the same Python API a notebook uses.

Each command group lives in its own module (``cli/<group>.py``) and is listed in :data:`COMMAND_MODULES`.
Command modules import the ORM, SQLAlchemy and rich inside their functions, never at the top: building
the click tree then costs ~0.1 s instead of ~0.8 s CPU, so ``jprov --help`` and ``--version`` answer at
once (benchmarks/results/startup.md; tests/cli/test_startup.py keeps it so).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from .._version import __version__
from ..errors import JprovError

COMMAND_MODULES = [
    # "jupyter_prov.cli.<module>": each module defines a click command or group named `command`
    "jupyter_prov.cli.status",
    "jupyter_prov.cli.profile",
    "jupyter_prov.cli.node",
    "jupyter_prov.cli.group",
    "jupyter_prov.cli.storage",
    "jupyter_prov.cli.user",
    "jupyter_prov.cli.computer",
    "jupyter_prov.cli.code",
    "jupyter_prov.cli.calcjob",
    "jupyter_prov.cli.process",
    "jupyter_prov.cli.daemon",
    "jupyter_prov.cli.archive",
    "jupyter_prov.cli.query",
    "jupyter_prov.cli.record",
]


class _Group(click.Group):
    """The ``jprov`` group: an error jupyter-prov raises (:class:`~jupyter_prov.errors.JprovError`, from any
    layer) becomes one line on stderr and exit code 1; anything else is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JprovError as exc:
            raise click.ClickException(str(exc) or type(exc).__name__) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-p", "--profile", "profile_name", envvar="JPROV_PROFILE", default=None,
              help="Profile to use (default: the configured default profile).")
@click.version_option(__version__, prog_name="jprov")
@click.pass_context
def main(ctx: click.Context, profile_name: str | None) -> None:
    """jupyter-prov: provenance of notebooks, calculations and workflows."""
    ctx.ensure_object(dict)
    ctx.obj["profile"] = profile_name


for _module_name in COMMAND_MODULES:
    main.add_command(importlib.import_module(_module_name).command)
