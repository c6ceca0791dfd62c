"""The one exception tree of jupyter-prov: every error the package raises derives from :class:`JprovError`.

A face (the ``jprov`` CLI, the ``%provenance`` magics, the server) catches ``JprovError`` once and shows its
message as one line; anything else that escapes is a bug and keeps its traceback. The roots live here, in the
base layer, so a face can name them without importing the layer that raises them (``storage/`` and with it
SQLAlchemy, which the layer rules keep out of faces). Each layer keeps its specific errors in its own module,
derived from its root below; where an error is also "a bad value" or "not found" it derives from the builtin
too (``ValueError``, ``LookupError``, ``TimeoutError``), so ``except ValueError`` keeps working.

::

    JprovError
    ├── ConfigError                  config/: the config file, a profile, a setting
    │   ├── ProfileNotFound
    │   └── ProfileLockedError
    ├── StorageError                 storage/: the database cannot be opened or used
    │   └── SchemaVersionError
    ├── RepositoryError              storage/: the file repository (objects, packs, file trees)
    │   ├── FileTreeError
    │   └── RepositoryLockTimeout
    ├── OrmError                     orm/: entities, links, queries
    │   ├── NotExistent, MultipleObjectsError   (also LookupError)
    │   ├── ValidationError                     (also ValueError)
    │   │   └── PortValidationError             (engine/ports.py)
    │   ├── ModificationNotAllowed, StoringNotAllowed, LinkError, DeleteError
    │   ├── QueryError, TraversalError          (also ValueError)
    │   └── PluginNotFound                      (also LookupError)
    ├── ProcessError                 engine/: a process used in a way the engine does not allow
    │   ├── ModuleNotAllowed
    │   └── TransportPaused
    ├── DaemonError                  daemon/: the daemon, its workers and broker (also RuntimeError)
    │   ├── BrokerUnreachable                   (also ConnectionError)
    │   └── WaitTimeout                         (also TimeoutError)
    ├── ArchiveError                 archive/: reading, writing, importing an archive file
    │   ├── ArchiveFormatError, ArchiveIntegrityError, ArchiveReadOnlyError
    │   └── RowError                            (also ValueError)
    ├── TransportError               transports/: a computer cannot be reached or a file operation failed
    ├── SchedulerError               schedulers/: a scheduler refused a command
    ├── InteropError                 interop/: exchange with other tools (PROV, DOT, networkx, AiiDA)
    │   └── GraphTooLarge                       (also ValueError)
    ├── RecordError                  records/: versioned records and invalidation
    └── NotebookError                notebook/: the IPython extension and magics
        └── ProvenanceError

    JprovWarning (UserWarning)       warnings the package emits (DaemonNotRunningWarning, ...)

``engine.interrupts.ProcessKilled`` is deliberately a ``BaseException`` and not in this tree: it is raised
asynchronously inside a process's own code to stop it and must not be swallowed by the process's
``except Exception``. ``tests/test_errors.py`` checks that every exception class of the package is in the tree.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "ConfigError",
    "DaemonError",
    "InteropError",
    "JprovError",
    "JprovWarning",
    "NotebookError",
    "OrmError",
    "ProcessError",
    "RecordError",
    "RepositoryError",
    "SchedulerError",
    "StorageError",
    "TransportError",
]


class JprovError(Exception):
    """Root of every error jupyter-prov raises; its message names the input and what was wrong with it."""


class JprovWarning(UserWarning):
    """Root of every warning jupyter-prov emits."""


class ConfigError(JprovError):
    """The configuration file or a value in it is not usable."""


class StorageError(JprovError):
    """The storage cannot be opened or used."""


class RepositoryError(JprovError):
    """A repository object is missing or the repository folder is not usable."""


class OrmError(JprovError):
    """Base class of ORM errors (entities, links, queries)."""


class ProcessError(JprovError):
    """A process was used in a way the engine does not allow (the message says how to fix it)."""


class DaemonError(JprovError, RuntimeError):
    """The daemon could not do what was asked; the message says why and what to do."""


class ArchiveError(JprovError):
    """The archive cannot be read, written or imported; the message names the file and the problem."""


class TransportError(JprovError):
    """The computer could not be reached or a file operation on it failed (the message says which)."""


class SchedulerError(JprovError):
    """The scheduler refused a command or answered something this plugin cannot read."""


class InteropError(JprovError):
    """An exchange with another tool (PROV, DOT, networkx, AiiDA) could not be done as asked."""


class RecordError(JprovError):
    """A versioned record, an alias or a validity event is not acceptable (the message names it)."""


class NotebookError(JprovError):
    """The IPython extension or a ``%provenance`` command could not do what was asked."""
