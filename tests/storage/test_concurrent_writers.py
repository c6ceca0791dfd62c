"""Two OS processes storing into the same profile at once: every node arrives, nobody sees 'database is locked'."""

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from jupyter_prov.orm import current
from jupyter_prov.storage import schema

WRITER = textwrap.dedent("""
    import sys
    import jupyter_prov as jp
    from jupyter_prov.orm import Int, store_all

    jp.load_profile()
    tag, mode = sys.argv[1], sys.argv[2]
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    if mode == "one-by-one":
        for i in range(1000):
            Int(i, label=tag).store()
    else:
        for start in range(0, 1000, 100):
            store_all([Int(i, label=tag) for i in range(start, start + 100)])
    print("done", flush=True)
""")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["one-by-one", "batches"])
def test_two_processes_store_1000_nodes_each(profile, subprocess_env, mode):
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, tag, mode], env=subprocess_env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for tag in ("first", "second")]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=240) for writer in writers]
    for writer, (out, err) in zip(writers, results):
        assert writer.returncode == 0, err
        assert "locked" not in err.lower()
    with current.get_storage().connection() as conn:
        counts = dict(conn.execute(select(schema.nodes.c.label, func.count()).group_by(schema.nodes.c.label)).all())
        distinct_pks = conn.execute(select(func.count(func.distinct(schema.nodes.c.id)))).scalar_one()
    assert counts == {"first": 1000, "second": 1000}
    assert distinct_pks == 2000
