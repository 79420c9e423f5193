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


def publish(output: Output, out: Path, build_id: str = "") -> None:
    """Write everything into a sibling temporary folder, then swap it in by rename."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        made: set[Path] = set()
        for rel, data in output.items():
            target = stage / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            write_file(target, data)
        (stage / MARKER).write_text(_mark(build_id), encoding="utf-8")
        os.chmod(stage, 0o755)
        _swap(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def write_file(path: Path, data: bytes) -> None:
    """The one place output bytes reach the disk (tests inject failures here)."""
    with open(path, "wb") as fh:
        fh.write(data)


def _mark(build_id: str) -> str:
    return f"This folder is written by Khabar; builds replace its files.\nbuild {build_id}\n"


def publish_changes(out: Path, changed: Mapping[str, bytes], fixed: Output,
                    expected: set[str], build_id: str) -> int:
    """Update an existing output folder in place, in two phases: first every changed file
    is written beside its target as a temporary file (a failure here removes them and
    leaves the folder as it was), then all are renamed over their targets and files the
    site no longer has are deleted. Unchanged files are not touched. Returns how many
    files were written or deleted."""
    out = out.resolve()
    writes: list[tuple[Path, bytes]] = [(out / rel, data) for rel, data in changed.items()]
    for rel, data in fixed.items():
        old = out / rel
        try:
            same = old.stat().st_size == len(data) and old.read_bytes() == data
        except OSError:
            same = False
        if not same:
            writes.append((old, data))
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in writes:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{build_id}.tmp")
            staged.append((tmp, target))
            write_file(tmp, data)
    except BaseException:
        for tmp, _target in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    keep = expected | set(fixed.files) | {MARKER}
    deleted = 0
    for dirpath, _dirs, filenames in os.walk(out, topdown=False):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.relpath(path, out).replace(os.sep, "/") not in keep:
                os.unlink(path)
                deleted += 1
        if dirpath != str(out) and not os.listdir(dirpath):
            os.rmdir(dirpath)
    (out / MARKER).write_text(_mark(build_id), encoding="utf-8")
    return len(staged) + deleted


def _swap(stage: Path, out: Path) -> None:
    """Put `stage` where `out` is by two renames; the old folder is removed afterwards."""
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
