"""``python -m jupyter_prov.cli``: the ``jprov`` command."""

from . import main

main(prog_name="jprov")
