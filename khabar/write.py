"""Output: collect every file in memory, refuse two writers of one path, publish atomically.

A build that fails never touches the previous output; a successful one replaces it by
renames, so a reader of the folder sees either the old site or the new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
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


class Staging:
    """Where a build's files wait until all of them are written, then are put in place.

    A new output folder is written as a sibling temporary folder and renamed into place.
    An existing one (Khabar's own) is updated in place in two phases: each changed file
    is first written beside its target under a temporary name; only when every file is
    written are they renamed over their targets, files the site no longer has deleted, and
    unchanged files never touched. Either way a failure before the commit removes what
    was written and leaves the previous output exactly as it was.

    Worker processes may call `write` concurrently (distinct paths); `commit` and `abort`
    belong to the parent.
    """

    def __init__(self, out: Path, build_id: str) -> None:
        self.out = out.resolve()
        self.build_id = build_id
        self.in_place = (self.out / MARKER).is_file()
        if self.in_place:
            self.root = self.out
        else:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.new-",
                                              dir=self.out.parent))
        self._made: set[Path] = set()

    def _place(self, rel: str) -> Path:
        target = self.root / rel
        if self.in_place:
            target = target.with_name(f".{target.name}.{self.build_id}.tmp")
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        return target

    def write(self, rel: str, data: bytes) -> None:
        write_file(self._place(rel), data)

    def commit(self, written: Iterable[str], fixed: Output, expected: set[str],
               previous: set[str] | None = None) -> int:
        """Put everything in place; returns how many files were written or deleted.

        `previous` lists the files the last build wrote; without it the folder is walked
        to find the files to delete."""
        count = 0
        written = list(written)
        for rel, data in fixed.items():
            if self.in_place:
                try:
                    old = self.out / rel
                    if old.stat().st_size == len(data) and old.read_bytes() == data:
                        continue
                except OSError:
                    pass
            self.write(rel, data)
            written.append(rel)
        if not self.in_place:
            write_file(self.root / MARKER, _mark(self.build_id).encode())
            os.chmod(self.root, 0o755)
            _swap(self.root, self.out)
            return len(written)
        for rel in written:
            os.replace(self._place(rel), self.out / rel)
            count += 1
        keep = expected | set(fixed.files) | {MARKER}
        if previous is not None:
            for rel in sorted(previous - keep):
                gone = self.out / rel
                gone.unlink(missing_ok=True)
                count += 1
                with contextlib.suppress(OSError):  # only empty folders go
                    gone.parent.rmdir()
        else:
            for dirpath, _dirs, filenames in os.walk(self.out, topdown=False):
                for name in filenames:
                    path = os.path.join(dirpath, name)
                    if os.path.relpath(path, self.out).replace(os.sep, "/") not in keep:
                        os.unlink(path)
                        count += 1
                if dirpath != str(self.out) and not os.listdir(dirpath):
                    os.rmdir(dirpath)
        write_file(self.out / MARKER, _mark(self.build_id).encode())
        return count

    def abort(self, written: Iterable[str]) -> None:
        """Remove what this build wrote; the previous output is untouched."""
        if not self.in_place:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for rel in written:
            self._place(rel).unlink(missing_ok=True)
        suffix = f".{self.build_id}.tmp"
        for path in self.out.rglob(f"*{suffix}"):  # from workers that stopped half-way
            path.unlink(missing_ok=True)


def write_file(path: Path, data: bytes) -> None:
    """The one place output bytes reach the disk (tests inject failures here)."""
    with open(path, "wb") as fh:
        fh.write(data)


def _mark(build_id: str) -> str:
    return f"This folder is written by Khabar; builds replace its files.\nbuild {build_id}\n"


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
