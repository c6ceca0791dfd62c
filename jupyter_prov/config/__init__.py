"""Configuration: the config directory, profiles and profile locking (the base layer)."""

from .profiles import (
    Config,
    ConfigError,
    Profile,
    ProfileNotFound,
    get_config,
    get_config_dir,
)
from .lock import ProfileLock, ProfileLockedError

__all__ = [
    "Config",
    "ConfigError",
    "Profile",
    "ProfileNotFound",
    "ProfileLock",
    "ProfileLockedError",
    "get_config",
    "get_config_dir",
]
