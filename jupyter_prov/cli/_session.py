"""The profile a CLI command works on (``jprov -p NAME ...`` or the default one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..config import Profile


def profile_name(ctx: click.Context) -> str | None:
    root = ctx.find_root()
    return (root.obj or {}).get("profile")


def open_profile(ctx: click.Context) -> Profile:
    """Load the profile of this invocation (the zero-config default one is created if none exists)."""
    from ..orm import current

    return current.load_profile(profile_name(ctx))
