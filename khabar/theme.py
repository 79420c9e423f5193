"""Where the default theme is: its own module, so the quick no-change check can find the
theme's files without importing the renderer."""

from __future__ import annotations

from pathlib import Path


def theme_dir() -> Path:
    """The default theme: packaged as khabar/_theme, or the repository's templates/."""
    here = Path(__file__).resolve().parent
    packaged = here / "_theme"
    return packaged if packaged.is_dir() else here.parent / "templates"
