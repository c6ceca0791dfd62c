"""``%provenance record ...``: versioned records from the notebook, and promoting a recorded value to a record.

::

    %provenance record list [--kind KIND]
    %provenance record show NAME
    %provenance record history NAME
    %provenance record promote VARIABLE NAME [--kind Model|Dataset|Config|Fact] [--alias ALIAS]
    %provenance record invalidate TARGET --cause TEXT [--dry-run]
    %provenance record revalidate TARGET --cause TEXT
    %provenance record why TARGET

``promote`` makes the recorded version of a notebook variable (the very node the cell created, with its
lineage) the newest version of record NAME, created if missing. TARGET is ``name@v3``, ``name@alias``,
``name``, a pk or a UUID. The same operations as ``jprov record``; errors are one line (:class:`RecordError`).
Called from :mod:`.magics` (``_cmd_record``); rendering is plain text, the data comes from
:mod:`jupyter_prov.records`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

USAGE = __doc__.split("::", 1)[1].split("``promote``", 1)[0].strip("\n")


def _options(args: list[str], flags: set[str], valued: set[str]) -> tuple[list[str], dict[str, Any]]:
    from ..records import RecordError

    positional: list[str] = []
    options: dict[str, Any] = {}
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in flags:
            options[arg] = True
        elif arg in valued:
            if index + 1 >= len(args):
                raise RecordError(f"%provenance record: {arg} needs a value")
            options[arg] = args[index + 1]
            index += 1
        elif arg.startswith("--"):
            raise RecordError(f"%provenance record: unknown option {arg!r}")
        else:
            positional.append(arg)
        index += 1
    return positional, options


def _target(text: str) -> Any:
    return int(text) if text.isdigit() else text


def record_command(args: list[str], current_node: Callable[[str], Any]) -> str:
    """Run ``%provenance record ARGS``; ``current_node(variable)`` gives the recorded node of a variable."""
    from ..records import Record, RecordError, find, invalidate, kind_class, revalidate
    from ..views.records import badge, record_history, record_row
    from ..views.records import record_summary as record_detail

    if not args or args[0] in ("help", "--help"):
        return USAGE
    command, rest = args[0], args[1:]

    def need(count: int, usage: str) -> list[str]:
        if len(positional) != count:
            raise RecordError(f"usage: %provenance record {usage}")
        return positional

    if command == "list":
        positional, options = _options(rest, set(), {"--kind"})
        need(0, "list [--kind KIND]")
        rows = [record_row(r) for r in find(options.get("--kind"))]
        return "\n".join(f"{r['name']}  {r['kind']}  {r['versions']} version(s)" for r in rows) or "no records"
    if command == "show":
        positional, _ = _options(rest, set(), set())
        (name,) = need(1, "show NAME")
        detail = record_detail(Record.get(name))
        lines = [f"{detail['kind']} {detail['name']}: {detail['versions']} version(s); aliases "
                 + ", ".join(f"{a}=v{n}" for a, n in detail["aliases"].items())]
        lines += [f"  v{v['version']}  node {v['node']}  {v['time'][:19].replace('T', ' ')}  {v['actor']}  {v['status']}"
                  + (f"  ({', '.join(v['aliases'])})" if v["aliases"] else "") for v in detail["versions_list"]]
        return "\n".join(lines)
    if command == "history":
        positional, _ = _options(rest, set(), set())
        (name,) = need(1, "history NAME")
        out = []
        for e in record_history(name):
            what = (f"v{e['version']} (node {e['node']})" if e["event"] == "version"
                    else f"alias {e['alias']} -> " + (f"v{e['version']}" if e["version"] else "(removed)"))
            out.append(f"{e['time'][:19].replace('T', ' ')}  {what}  {e['actor']}")
        return "\n".join(out)
    if command == "promote":
        positional, options = _options(rest, set(), {"--kind", "--alias"})
        variable, name = need(2, "promote VARIABLE NAME [--kind KIND] [--alias ALIAS]")
        node = current_node(variable)
        cls = kind_class(options.get("--kind", "Record"))
        record = cls.create(name, exist_ok=True)
        version = record.update(node)
        if "--alias" in options:
            record.set_alias(options["--alias"], version)
        return f"{variable} -> {record.name}@v{version.number} (node {version.node_pk})"
    if command in ("invalidate", "revalidate"):
        positional, options = _options(rest, {"--dry-run"} if command == "invalidate" else set(), {"--cause"})
        (target,) = need(1, f"{command} TARGET --cause TEXT")
        cause = options.get("--cause")
        if cause is None:
            raise RecordError(f"%provenance record {command} needs --cause TEXT")
        if command == "revalidate":
            result = revalidate(_target(target), cause)
            return f"revalidated {result['nodes']:,} node(s)"
        result = invalidate(_target(target), cause, dry_run=bool(options.get("--dry-run")))
        if result["dry_run"]:
            records = "; ".join(f"{n} " + ", ".join(f"v{v}" for v in vs) for n, vs in result["records"].items())
            notebooks = "; ".join(f"{n} ({c} cells)" for n, c in result["notebooks"].items())
            return (f"would mark {result['nodes']:,} node(s) invalid" + (f"; records: {records}" if records else "")
                    + (f"; notebooks: {notebooks}" if notebooks else ""))
        return f"invalidated {result['nodes']:,} node(s); {result['actions_queued']} action(s) queued"
    if command == "why":
        positional, _ = _options(rest, set(), set())
        (target,) = need(1, "why TARGET")
        answer = badge(_target(target))
        lines = [f"node {answer['node']}: {answer['status']}"]
        for chain in answer["why"]:
            lines.append(f"  {chain['cause']} ({chain['actor']}): "
                         + " <- ".join(f"{s['label']} ({s['node']})" for s in chain["path"]))
        lines += [f"  stale: uses {c['record']} v{c['used']}, newest is v{c['newest']}" for c in answer["stale"]]
        return "\n".join(lines)
    raise RecordError(f"unknown %provenance record command {command!r} "
                      "(list, show, history, promote, invalidate, revalidate, why)")
