"""What ``jprov profile set NAME KEY VALUE`` may change, and how a value typed on the command line is read.

A profile has three locations (``storage``, ``repository``, ``broker``: checked by actually reaching
them, see :func:`jupyter_prov.orm.profile_admin.set_profile_value`) and options read by the daemon and
the storage (``sqlite_synchronous``).
Each option has one type; a value that does not parse is refused with one line naming the key, and
the config file stays as it was. Passwords inside URLs are shown as ``***`` by :func:`mask_password`
wherever a profile is printed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .profiles import ConfigError

LOCATIONS = ("storage", "repository", "broker")

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _boolean(key: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"profile key {key!r}: {text!r} is not a boolean (use true or false)")


def _number(kind: type, minimum: float) -> Callable[[str, str], Any]:
    def parse(key: str, text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise ConfigError(f"profile key {key!r}: {text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if value < minimum:
            raise ConfigError(f"profile key {key!r}: {text!r} must be at least {minimum}")
        return value

    return parse


def _name(key: str, text: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", text):
        raise ConfigError(f"profile key {key!r}: {text!r} must be 1-100 letters, digits, '_', '-' or '.'")
    return text


def _entry_point(key: str, text: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", text):
        raise ConfigError(f"profile key {key!r}: {text!r} must be 'module:function'")
    return text


def _module_list(key: str, text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", n)]
    if bad or not names:
        raise ConfigError(f"profile key {key!r}: {text!r} must be module names separated by commas")
    return names


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(key: str, text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ConfigError(f"profile key {key!r}: {text!r} must be one of {', '.join(allowed)}")
        return value

    return parse


@dataclass(frozen=True)
class ProfileOption:
    parse: Callable[[str, str], Any]
    help: str


OPTIONS: dict[str, ProfileOption] = {
    "daemon_autostart": ProfileOption(_boolean, "start the daemon on submit() when none runs"),
    "daemon_workers": ProfileOption(_number(int, 1), "workers an autostarted daemon has"),
    "daemon_worker_threads": ProfileOption(_number(int, 1), "processes one worker runs at once"),
    "daemon_lease_seconds": ProfileOption(_number(float, 1.0), "how long a dead worker's processes wait for takeover"),
    "daemon_scan_seconds": ProfileOption(_number(float, 0.05), "how often workers look for unclaimed processes"),
    "daemon_grace_seconds": ProfileOption(_number(float, 0.0), "how long a new process waits for its message"),
    "broker_namespace": ProfileOption(_name, "prefix of the broker's queue names (profiles sharing a broker)"),
    "daemon_runner": ProfileOption(_entry_point, "module:function the workers run processes with"),
    "daemon_allowed_modules": ProfileOption(_module_list, "modules (and their submodules) process classes may be "
                                            "imported from, besides those processes were created from here"),
    # the values of storage.backend.SQLITE_SYNCHRONOUS (config sits below storage, so they are repeated here)
    "sqlite_synchronous": ProfileOption(_choice("normal", "full"), "SQLite durability: normal (default; a power cut "
                                        "can lose the last commits, never corrupt) or full (fsync every commit)"),
}


def known_keys() -> list[str]:
    return [*LOCATIONS, *OPTIONS]


def parse_option(key: str, text: str) -> Any:
    """The value of profile option ``key`` given as ``text``; :class:`ConfigError` naming the key otherwise."""
    option = OPTIONS.get(key)
    if option is None:
        raise ConfigError(f"unknown profile key {key!r} (known: {', '.join(known_keys())})")
    return option.parse(key, text)


def mask_password(url: str) -> str:
    """``scheme://user:***@host/...``: the URL with its password hidden (other URLs as they are)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials or "/" in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
