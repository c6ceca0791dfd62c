"""Profiles in a JSON config file.

A profile names one storage (an SQLAlchemy URL), one repository folder and one broker URL.
The config directory is ``$JPROV_HOME`` or ``~/.jupyter-prov``; the file is ``config.json`` in it.
A corrupt config file is reported, never overwritten.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

CONFIG_VERSION = 1
CONFIG_FILENAME = "config.json"
DEFAULT_PROFILE_NAME = "default"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ProfileNotFound(ConfigError):
    """No profile of that name exists."""


def get_config_dir() -> Path:
    """The folder that holds ``config.json`` and the default profiles' data."""
    return Path(os.environ.get("JPROV_HOME") or Path.home() / ".jupyter-prov").expanduser().absolute()


@dataclass
class Profile:
    """One storage + repository + broker, under a name."""

    name: str
    storage: str
    repository: str
    broker: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """Where this profile keeps its own small files (lock file, daemon state, logs)."""
        return get_config_dir() / "profiles" / self.name

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``: the SQL dialect of the storage URL."""
        return self.storage.split(":", 1)[0].split("+", 1)[0]

    def to_json(self) -> dict[str, Any]:
        return {"storage": self.storage, "repository": self.repository, "broker": self.broker,
                "options": dict(self.options)}

    @classmethod
    def from_json(cls, name: str, data: Any) -> "Profile":
        if not isinstance(data, dict):
            raise ConfigError(f"profile {name!r}: expected an object, got {type(data).__name__}")
        missing = [key for key in ("storage", "repository", "broker") if not isinstance(data.get(key), str)]
        if missing:
            raise ConfigError(f"profile {name!r}: missing or non-string key(s) {', '.join(missing)}")
        options = data.get("options", {})
        if not isinstance(options, dict):
            raise ConfigError(f"profile {name!r}: 'options' must be an object")
        return cls(name, data["storage"], data["repository"], data["broker"], dict(options))


def validate_profile_name(name: str) -> str:
    if not isinstance(name, str) or not _PROFILE_NAME.fullmatch(name):
        raise ConfigError(
            f"invalid profile name {name!r}: use 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit"
        )
    return name


def default_profile_for(name: str, storage: str | None = None, broker: str | None = None,
                        repository: str | None = None) -> Profile:
    """A profile whose unset parts live in the config directory (SQLite, local repository, embedded broker)."""
    folder = get_config_dir() / "profiles" / name
    return Profile(
        name=name,
        storage=storage or f"sqlite:///{folder / 'storage.sqlite'}",
        repository=repository or str(folder / "repository"),
        broker=broker or f"filesystem://{folder / 'broker'}",
    )


class Config:
    """The parsed config file. Changes are written atomically with :meth:`save`."""

    def __init__(self, path: Path, profiles: dict[str, Profile], default_profile: str | None,
                 options: dict[str, Any] | None = None):
        self.path = path
        self.profiles = profiles
        self.default_profile = default_profile
        self.options = options or {}

    @classmethod
    def load(cls, path: Path | None = None) -> "Config":
        path = path or get_config_dir() / CONFIG_FILENAME
        if not path.exists():
            return cls(path, {}, None)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"config file {path} cannot be read ({exc}); fix or move it away, it is left as is") from exc
        if not isinstance(data, dict) or not isinstance(data.get("profiles", {}), dict):
            raise ConfigError(f"config file {path} is not a jupyter-prov config (expected an object with 'profiles')")
        version = data.get("version", CONFIG_VERSION)
        if version != CONFIG_VERSION:
            raise ConfigError(f"config file {path} has version {version!r}; this jupyter-prov reads version {CONFIG_VERSION}")
        profiles = {name: Profile.from_json(name, value) for name, value in data.get("profiles", {}).items()}
        return cls(path, profiles, data.get("default_profile"), data.get("options", {}))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": CONFIG_VERSION,
            "default_profile": self.default_profile,
            "profiles": {name: profile.to_json() for name, profile in sorted(self.profiles.items())},
            "options": self.options,
        }
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".config-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.replace(tmp, self.path)

    def get_profile(self, name: str | None = None) -> Profile:
        name = name or self.default_profile
        if name is None:
            raise ProfileNotFound("no profile is configured; run `jprov profile setup NAME` or load_profile()")
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ProfileNotFound(f"unknown profile {name!r} (configured profiles: {known})") from None

    def add_profile(self, profile: Profile, *, make_default: bool = False) -> None:
        validate_profile_name(profile.name)
        if profile.name in self.profiles:
            raise ConfigError(f"profile {profile.name!r} exists already")
        self.profiles[profile.name] = profile
        if make_default or self.default_profile is None:
            self.default_profile = profile.name

    def remove_profile(self, name: str) -> Profile:
        profile = self.get_profile(name)
        del self.profiles[name]
        if self.default_profile == name:
            self.default_profile = next(iter(sorted(self.profiles)), None)
        return profile

    def set_default(self, name: str) -> None:
        self.get_profile(name)
        self.default_profile = name


def get_config() -> Config:
    """The config file of the current config directory (re-read every call: it is small)."""
    return Config.load()
