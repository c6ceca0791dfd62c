"""Exit codes: how a process that finished says whether it did what was asked, and if not, why."""

from __future__ import annotations

from typing import Any, Iterator, NamedTuple


class ExitCode(NamedTuple):
    """An exit status (0: success) with a label and a message; :meth:`format` fills ``{placeholders}``."""

    status: int = 0
    message: str | None = None
    label: str | None = None
    invalidates_cache: bool = False

    def format(self, **kwargs: Any) -> "ExitCode":
        return self._replace(message=(self.message or "").format(**kwargs))


class ExitCodes:
    """The exit codes of a process class, by label: ``MyWorkChain.exit_codes.ERROR_NOT_CONVERGED``."""

    def __init__(self) -> None:
        self._codes: dict[str, ExitCode] = {}

    def add(self, code: ExitCode) -> None:
        if code.label is None:
            raise ValueError(f"exit status {code.status}: an exit code of a process class needs a label")
        for other in self._codes.values():
            if other.status == code.status and other.label != code.label:
                raise ValueError(f"exit status {code.status} is used twice: {other.label} and {code.label}")
        self._codes[code.label] = code

    def __getattr__(self, label: str) -> ExitCode:
        if label.startswith("_"):
            raise AttributeError(label)
        try:
            return self._codes[label]
        except KeyError:
            raise AttributeError(f"no exit code {label!r} (known: {', '.join(sorted(self._codes)) or 'none'})") from None

    __getitem__ = __getattr__

    def __iter__(self) -> Iterator[ExitCode]:
        return iter(sorted(self._codes.values()))

    def __len__(self) -> int:
        return len(self._codes)

    def status(self, status: int) -> ExitCode | None:
        return next((c for c in self._codes.values() if c.status == status), None)

    def copy(self) -> "ExitCodes":
        other = ExitCodes()
        other._codes = dict(self._codes)
        return other
