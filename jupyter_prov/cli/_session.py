"""The profile a CLI command works on (``jprov -p NAME ...`` or the default one)."""

from __future__ import annotations

import click

from ..config import Profile
from ..orm import current


def profile_name(ctx: click.Context) -> str | None:
    root = ctx.find_root()
    return (root.obj or {}).get("profile")


def open_profile(ctx: click.Context) -> Profile:
    """Load the profile of this invocation (the zero-config default one is created if none exists)."""
    return current.load_profile(profile_name(ctx))
