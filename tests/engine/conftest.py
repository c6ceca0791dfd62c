"""Engine test helpers."""

from __future__ import annotations

import pytest

from jupyter_prov.orm.links import LinkType


def links_out(node, types=None):
    """Sorted (link type, label, class name) of the links out of ``node``."""
    return sorted((t.link_type.value, t.link_label, type(t.node).__name__) for t in node.get_outgoing(types))


def links_in(node, types=None):
    return sorted((t.link_type.value, t.link_label, type(t.node).__name__) for t in node.get_incoming(types))


@pytest.fixture
def caching_config(profile):
    """Lets a test change the profile's caching configuration; restores it afterwards."""
    from jupyter_prov.engine.caching import configure_caching

    yield configure_caching
    configure_caching(enabled=False, enabled_for=[], disabled_for=[])


__all__ = ["links_in", "links_out", "LinkType"]
