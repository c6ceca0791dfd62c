"""Group.get("x") and Computer.get("x") find one entity by label, pk or UUID, as Code.get("x@y") does.

Keyword look-ups (``get(label=..., type_string=...)``) keep working; an unknown identifier is one
NotExistent naming it.
"""

import pytest

from jupyter_prov.orm import Computer, Group
from jupyter_prov.orm.exceptions import NotExistent


def test_group_get_by_label_pk_and_uuid(profile):
    group = Group("sweep").store()
    assert Group.get("sweep").pk == group.pk
    assert Group.get(group.pk).pk == group.pk
    assert Group.get(str(group.pk)).pk == group.pk
    assert Group.get(group.uuid).pk == group.pk
    assert Group.get(label="sweep").pk == group.pk


def test_computer_get_by_label_pk_and_uuid(profile):
    computer = Computer("cluster", "localhost").store()
    assert Computer.get("cluster").pk == computer.pk
    assert Computer.get(computer.pk).pk == computer.pk
    assert Computer.get(computer.uuid).pk == computer.pk
    assert Computer.get(label="cluster").pk == computer.pk


@pytest.mark.parametrize("cls", [Group, Computer])
def test_an_unknown_identifier_is_named(profile, cls):
    with pytest.raises(NotExistent, match="'nowhere'"):
        cls.get("nowhere")


def test_an_identifier_and_filters_together_are_refused(profile):
    Group("both").store()
    with pytest.raises(TypeError, match="identifier or keyword filters"):
        Group.get("both", label="both")
