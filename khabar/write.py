"""Output: refuse two writers of one path, stage the new tree, publish it whole.

A build that fails never touches the previous output; a successful one replaces it with
one rename (publish.py), so a reader of the folder sees either the old site or the new
one.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from . import publish, sources
from .errors import Diagnostic, KhabarError

MARKER = publish.MARKER


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
                origin, None, f"would be published as '{path}', which is also "
                f"{self._origin[path]}", "rename or move one of them"))
            return
        self._files[path] = data
        self._origin[path] = origin

    def origin(self, path: str) -> str:
        """What made the file at `path` (a source file's path where there is one)."""
        return self._origin[path.lstrip("/")]

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
    """Copy a folder's files (static/) into the output as they are, hidden ones too
    (`.well-known/`); a link that leaves the site, dangles or loops is an error (see
    sources.site_files), never published."""
    files, problems = sources.site_files(folder, origin_root, hidden=True)
    output.conflicts.extend(problems)
    for name in files:
        path = Path(name)
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
    """A build's new output tree, written beside the output and published whole.

    The tree starts as the spare: the tree the output held before the last build (kept
    by publish.py after each swap, its files hard links shared with the output where they
    did not change). The files that differ between the spare and the output are removed
    from it first; workers (forked processes) then write the files they rendered
    (distinct paths; never over an existing file, which may be a link shared with the
    live output). `complete` adds the fixed files, links from the output every file the
    site keeps that the tree lacks, removes the files the site no longer has and marks
    it; `publish` swaps it in with one rename and keeps the old tree as the next spare.
    So a rebuild costs a few operations per changed file, not one per file of the site.
    Without a usable spare the tree starts empty and every kept file is linked.

    Until the swap the output is untouched; a failure or an interrupt removes the stage,
    and one killed leaves it in the work folder, where the next build removes it: no
    temporary file ever sits in the output.
    """

    def __init__(self, out: Path, build_id: str, work: Path, *,
                 spare: tuple[str, frozenset[str]] | None = None) -> None:
        """`spare`: the build id the spare tree should carry and the files in which it
        differs from the output; None to start from an empty tree."""
        self.out = out.resolve()
        self.build_id = build_id
        self.work = work
        self.root, adopted = publish.stage(work, spare[0] if spare else None)
        self._made: set[Path] = {self.root}
        # what the tree lacks of the output's files (None: all of them)
        self.lacking: frozenset[str] | None = None
        if spare is not None and adopted:
            self.lacking = spare[1] | {MARKER}
            for rel in sorted(self.lacking):
                self._remove(rel)

    def _place(self, rel: str) -> Path:
        target = self.root / rel
        parent = target.parent
        if parent not in self._made:
            parent.mkdir(parents=True, exist_ok=True)
            self._made.add(parent)
        return target

    def _remove(self, rel: str) -> None:
        """Unlink a file of the tree and the folders it leaves empty."""
        target = self.root / rel
        try:
            target.unlink()
        except FileNotFoundError:
            return
        parent = target.parent
        while parent != self.root:
            try:
                parent.rmdir()
            except OSError:
                break
            self._made.discard(parent)
            parent = parent.parent

    def write(self, rel: str, data: bytes) -> None:
        target = self._place(rel)
        if self.lacking is not None:
            target.unlink(missing_ok=True)  # the spare's (maybe shared) copy
        write_file(target, data)

    def complete(self, written: Iterable[str], fixed: Output, expected: set[str],
                 previous: set[str]) -> set[str]:
        """Make the tree the whole new site; returns the files in which it differs from
        the output (written, or gone).

        `written`: what the workers wrote; `expected`: every page and feed of the new
        site (those not written are unchanged: linked from the output); `previous`: the
        files of the output being replaced."""
        done = set(written)
        for rel, data in fixed.items():
            if rel in previous and _same(self.out / rel, data):
                continue  # unchanged: linked below, like any unchanged file
            self.write(rel, data)
            done.add(rel)
        keep = expected | set(fixed.files)
        gone = previous - keep
        for rel in sorted(gone):
            self._remove(rel)
        lacking = keep if self.lacking is None else self.lacking & keep
        for rel in sorted(lacking - done):
            _link(self.out / rel, self._place(rel))
        target = self.root / MARKER
        target.unlink(missing_ok=True)
        write_file(target, _mark(self.build_id).encode())
        os.chmod(self.root, 0o755)
        return done | gone

    def publish(self, keep_spare: bool) -> None:
        """Swap the tree in; the old one becomes the spare (or is removed)."""
        old = publish.swap_in(self.root, self.out, self.work)
        if old is not None:
            publish.retire(old, self.work, keep_spare)

    def abort(self) -> None:
        """Remove the stage; the output was never touched."""
        publish.remove_tree(self.root)


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _link(source: Path, target: Path) -> None:
    """`target` as a hard link to `source`, or a copy where links are refused (FAT, some
    network shares)."""
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP,
                             errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, target)


def write_file(path: Path, data: bytes) -> None:
    """The one place output bytes reach the disk (tests inject failures here). Never over
    an existing file: in a stage, that would be a link shared with the live output."""
    with open(path, "xb") as fh:
        fh.write(data)


def _mark(build_id: str) -> str:
    return f"This folder is written by Khabar; builds replace its files.\nbuild {build_id}\n"


_OS_HINTS = {
    errno.ENOSPC: "free some disk space: a build needs room for a new tree of the changed "
                  "files and for its cache",
    errno.EDQUOT: "free some disk space (quota exceeded)",
    errno.EACCES: "check that you may write there, or choose another --out folder",
    errno.EPERM: "check that you may write there, or choose another --out folder",
    errno.EROFS: "the file system is read-only: choose another --out folder",
    errno.ENOTDIR: "a file stands where a folder is needed: choose another --out folder",
    errno.ELOOP: "a symbolic link points to itself: remove it",
    errno.ENOENT: "a file or folder disappeared during the build: build again",
}


def os_problem(exc: OSError, out: Path) -> Diagnostic:
    """An operating system error as one error line naming the file; the output folder
    is unchanged whenever one is raised before the swap, which is always."""
    where = exc.filename if exc.filename is not None else out
    if isinstance(where, bytes):
        where = os.fsdecode(where)
    hint = _OS_HINTS.get(exc.errno or 0, "fix the cause and build again")
    return Diagnostic(str(where), None, f"{exc.strerror or exc}; the previous output in "
                      f"{out} is unchanged", hint)
