"""Diagnostics: every problem found in a run, reported together as PATH:LINE: error: MESSAGE."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in one file, with the line where it can be known and a hint to fix it."""

    path: str
    line: int | None
    message: str
    hint: str | None = None
    severity: str = "error"  # or "warning": reported, but the build goes on

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class KhabarError(Exception):
    """Raised with all the diagnostics of a stage, never only the first one."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(diagnostics, key=_sort_key))
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def __reduce__(self) -> tuple[type[KhabarError], tuple[tuple[Diagnostic, ...]]]:
        return (KhabarError, (self.diagnostics,))  # crosses from render workers intact


class CommandError(Exception):
    """A whole command cannot go on (no network, a part of Khabar not installed), as opposed
    to problems in files: the CLI prints it as one `khabar: error: MESSAGE (hint: ...)` line
    and exits 1."""

    def __init__(self, message: str, hint: str) -> None:
        self.message, self.hint = message, hint
        super().__init__(f"{message} (hint: {hint})")


class MissingExtra(CommandError):
    """A command needs an optional extra that is not installed; the hint is the pip command
    (never a ModuleNotFoundError traceback from deep inside)."""


def _sort_key(d: Diagnostic) -> tuple[str, int, str]:
    return (d.path, d.line or 0, d.message)


class Collector:
    """Gathers diagnostics while a stage goes on, so a run reports them all at once."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []

    def error(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(path, line, message, hint))

    def warn(self, path: str, line: int | None, message: str, hint: str | None = None) -> None:
        """A problem Khabar repaired itself: said, but not an error."""
        self.warnings.append(Diagnostic(path, line, message, hint, "warning"))

    def extend(self, items: Iterable[Diagnostic]) -> None:
        self.items.extend(items)

    def raise_if_any(self) -> None:
        if self.items:
            raise KhabarError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def display_path(path: Path) -> str:
    """A path as the user can open it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
