"""The public API named in jupyter_prov/__init__.py is importable as the docs and issues write it."""

import jupyter_prov


def test_every_public_name_resolves():
    for name in jupyter_prov.__all__:
        assert getattr(jupyter_prov, name) is not None, name


def test_the_imports_the_tutorials_use():
    from jupyter_prov import (  # noqa: F401
        ArchiveReader, QueryBuilder, WorkChain, calcfunction, graph, launch_shell_job, run, run_get_node, submit,
        task, wait, workfunction,
    )


def test_unknown_names_are_an_attribute_error():
    try:
        jupyter_prov.no_such_thing
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
