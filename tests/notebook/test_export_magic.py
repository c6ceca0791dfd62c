"""``%provenance export FILE [--format jprov|aiida] [--overwrite]``: the format follows the file name unless given."""

from __future__ import annotations

import pytest

from jupyter_prov.notebook.magics import ProvenanceError, _export_arguments


@pytest.mark.parametrize(("args", "expected"), [
    (["session.aiida"], ("session.aiida", "aiida", False)),
    (["Session.AIIDA"], ("Session.AIIDA", "aiida", False)),
    (["session.jprov"], ("session.jprov", "jprov", False)),
    (["session.zip"], ("session.zip", "jprov", False)),
    (["session.zip", "--format", "aiida"], ("session.zip", "aiida", False)),
    (["--format=jprov", "session.aiida", "--overwrite"], ("session.aiida", "jprov", True)),
])
def test_format_from_the_file_name_or_the_option(args, expected):
    assert _export_arguments(args) == expected


@pytest.mark.parametrize(("args", "message"), [
    ([], "takes one file name"),
    (["a.jprov", "b.jprov"], "takes one file name"),
    (["a.jprov", "--format", "zip"], "unknown format 'zip'"),
    (["a.jprov", "--format"], "unknown format ''"),
    (["a.jprov", "--force"], "unknown option '--force'"),
])
def test_bad_arguments_are_named(args, message):
    with pytest.raises(ProvenanceError, match=message):
        _export_arguments(args)
