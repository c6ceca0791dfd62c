"""Earlier work in the profile a documentation page runs in: a page must not need an empty profile.

A newcomer's profile is empty the first time only. Every page runs after this has stored, in the
``default`` profile: data of every common kind with labels that sort before and after the ones the
pages use, a dict with an ``energy`` like the pages' results, files, two groups, calcfunctions and a
work chain that ran (with their links), a failed process and a node with extras. Then the profile is
unloaded, so the page's own ``load_profile()`` (or its first query) opens it as a user's would.
"""

from __future__ import annotations


def seed(storage: str | None) -> None:
    from jupyter_prov import run_get_node
    from jupyter_prov.config import get_config
    from jupyter_prov.config.profiles import default_profile_for
    from jupyter_prov.orm import Dict, File, Float, Group, Int, List, Str, current, store_all
    from jupyter_prov.testing.examples import Relax, add, silicon

    config = get_config()
    config.add_profile(default_profile_for("default", storage=storage), make_default=True)
    config.save()
    current.load_profile()

    earlier = [
        Int(7, label="zeta"),
        Int(30, label="cutoff"),
        Float(-3.5, label="alpha"),
        Str("notes", label="yield"),
        List([1, 2, 3], label="kpoints"),
        Dict({"energy": -7.25, "converged": True, "forces": [0.1, 0.2]}, label="zinc relaxed"),
        Dict({"formula": "Zn", "volume": 15.2}, label="zinc"),
    ]
    earlier.append(File(b"first line\nsecond line\n", filename="notes.txt", label="zz notes"))
    store_all(earlier)
    earlier[0].set_extra("tags", ["earlier"])
    for i in range(3):
        run_get_node(add, i, 10)
    _, relax = run_get_node(Relax, structure=silicon(0.51), pressure=Float(1.0))  # 4 steps
    _, failed = run_get_node(Relax, structure=silicon(), max_steps=1)
    assert relax.is_finished_ok and failed.exit_status == 300
    sweep, _ = Group.get_or_create("earlier-sweep")
    sweep.add_nodes(earlier[:3])
    Group.get_or_create("zz-archive")[0].add_nodes([relax])
    current.unload_profile()
