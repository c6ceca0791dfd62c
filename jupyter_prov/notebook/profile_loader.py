"""Loading the profile for a notebook: the one step both ``%load_ext jupyter_prov`` (:mod:`.extension`) and
``%provenance on`` (:mod:`.magics`) take, in a module of its own so that those two do not import each other.
"""

from __future__ import annotations

import os


def open_profile() -> str | None:
    """Load the profile (``JPROV_PROFILE`` or the default) unless one is loaded; ``None``, or why not (one line).

    A config file that does not parse, an unknown profile, a profile locked for maintenance or a storage
    that does not open is a problem of the user's setup, told as one line, never a traceback.
    """
    from ..config.profiles import ConfigError
    from ..orm import current

    if current.get_profile() is not None:
        return None
    try:
        current.load_profile()
    except ConfigError as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - e.g. the database server is down: said, not raised
        name = os.environ.get("JPROV_PROFILE") or "the default profile"
        detail = (str(exc).strip().splitlines() or [""])[0][:300]
        return f"cannot open {name}: {type(exc).__name__}: {detail}"
    return None
