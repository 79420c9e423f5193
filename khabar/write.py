"""Output: collect every file in memory, refuse two writers of one path, publish atomically.

A build that fails never touches the previous output; a successful one replaces it by
renames, so a reader of the folder sees either the old site or the new one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import Diagnostic, KhabarError

MARKER = ".khabar-output"


class Output:
    """The files of one build, by path relative to the output folder."""

    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}
        self._origin: dict[str, str] = {}
        self.conflicts: list[Diagnostic] = []

    def add(self, path: str, data: bytes, origin: str) -> None:
        """Add a file; a second writer of the same path is an error naming both."""
        path = path.lstrip("/")
        if path in self._files:
            self.conflicts.append(Diagnostic(
                origin, None, f"output '{path}' would be written twice: also by "
                f"{self._origin[path]}", "rename one of them"))
            return
        self._files[path] = data
        self._origin[path] = origin

    def __contains__(self, path: str) -> bool:
        return path.lstrip("/") in self._files

    def __len__(self) -> int:
        return len(self._files)

    def items(self) -> Iterator[tuple[str, bytes]]:
        return iter(sorted(self._files.items()))

    @property
    def files(self) -> Mapping[str, bytes]:
        return self._files

    def check(self) -> None:
        if self.conflicts:
            raise KhabarError(self.conflicts)


def add_tree(output: Output, folder: Path, origin_root: Path, prefix: str = "") -> None:
    """Copy a folder's files (static/) into the output as they are."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            output.add(prefix + rel, path.read_bytes(), str(path.relative_to(origin_root)))


def check_destination(out: Path, site_root: Path) -> None:
    """The output folder must not contain the site (a swap would delete the sources) nor lie
    inside content/, templates/ or static/; an existing folder must be Khabar's own."""
    out_r, site_r = out.resolve(), site_root.resolve()
    problems: list[str] = []
    if out_r == site_r or out_r in site_r.parents:
        problems.append(f"output folder {out} contains the site folder {site_root}")
    for part in ("content", "templates", "static"):
        inner = (site_r / part).resolve()
        if out_r == inner or inner in out_r.parents:
            problems.append(f"output folder {out} lies inside the site's {part}/")
    if out_r.exists() and not out_r.is_dir():
        problems.append(f"output {out} exists and is not a folder")
    elif out_r.is_dir() and any(out_r.iterdir()) and not (out_r / MARKER).exists():
        problems.append(f"output folder {out} is not empty and was not written by Khabar")
    if problems:
        raise KhabarError([Diagnostic(str(out), None, p, "choose another --out folder, e.g. "
                                      "SITE/_site") for p in problems])


def publish(output: Output, out: Path) -> None:
    """Write everything into a sibling temporary folder, then swap it in by rename."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        for rel, data in output.items():
            target = stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (stage / MARKER).write_bytes(b"This folder is written by Khabar; it is replaced on "
                                     b"every build.\n")
        os.chmod(stage, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rmdir(old)
            os.replace(out, old)
            try:
                os.replace(stage, out)
            except BaseException:
                os.replace(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
