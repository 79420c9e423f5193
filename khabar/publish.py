"""Publishing a finished output folder: one directory entry swapped, one build at a time.

A reader of the output folder (a web server, rsync, a deploy script) must only ever see
the old site or the new one. A build therefore writes a complete new tree beside the
output (files that did not change are hard links to the output's: never a copy), and
publishes it by exchanging the two folders' names in one `renameat2(...,
RENAME_EXCHANGE)` call (Linux; `renamex_np(RENAME_SWAP)` on macOS). Where neither exists
(another system, or a file system that refuses the exchange) two renames are used: for the
instant between them the output folder is missing, and a build killed in that instant
leaves the old tree beside it, which the next build puts back (`recover`).

After a swap the old tree is kept as the spare: the next build starts its tree from it,
so that it only replaces the files that differ (see write.Staging).

The builds of one output folder take turns: each holds an exclusive `flock` on a lock file
in the build cache while it runs, which the kernel releases when the process ends, however
it ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

STAGE_PREFIX = "new-"  # a tree being written: never published, removed by the next build
OLD_PREFIX = "old-"  # a tree on its way out, until it is removed
MARKER = ".khabar-output"  # in every tree: which build made it
SPARE = "spare"  # the tree the output held before the last swap, for the next build

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS sys/stdio.h


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def _exchange_call(a: str, b: str) -> bool:
    """Swap the names of `a` and `b` atomically; False where the system cannot."""
    libc = _libc()
    if libc is None:
        return False
    fa, fb = os.fsencode(a), os.fsencode(b)
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        rc = libc.renameat2(_AT_FDCWD, fa, _AT_FDCWD, fb, _RENAME_EXCHANGE)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rc = libc.renamex_np(fa, fb, _RENAME_SWAP)
    else:
        return False
    if rc == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # no such call, or a file system without it
    raise OSError(code, os.strerror(code), b)


def swap_in(stage: Path, out: Path, work: Path) -> Path | None:
    """Make `stage` the folder at `out`; returns where the previous tree now is (None when
    there was none). The caller removes it."""
    if not out.exists():
        os.rename(stage, out)
        return None
    if _exchange_call(str(stage), str(out)):
        return stage  # the old tree now has the stage's name
    old = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=work))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(stage, out)
    except BaseException:
        os.rename(old, out)
        raise
    return old


def stage(work: Path, spare_id: str | None) -> tuple[Path, bool]:
    """A new stage folder, and whether it is the spare tree: the spare when it is the build
    `spare_id` (renamed, so a stage killed half-way is never taken for a spare), else an
    empty folder."""
    spare = work / SPARE
    if spare_id is not None and spare.is_dir() and marked(spare) == spare_id:
        path = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=work))
        os.rmdir(path)
        os.rename(spare, path)
        return path, True
    if spare.exists():
        retire(spare, work, keep=False)
    return Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=work)), False


def retire(tree: Path, work: Path, keep: bool) -> None:
    """The tree the output held until a swap: kept as the spare, or removed (renamed
    first, so that a half-removed tree is never taken for a spare)."""
    if keep and not (work / SPARE).exists():
        os.rename(tree, work / SPARE)
        return
    if not tree.name.startswith(OLD_PREFIX):
        old = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=work))
        os.rmdir(old)
        os.rename(tree, old)
        tree = old
    remove_tree(tree)


def marked(tree: Path) -> str | None:
    """The id of the build that made `tree`, from its mark; None without one."""
    try:
        mark = (tree / MARKER).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    return next((line[6:].strip() for line in mark.splitlines()
                 if line.startswith("build ")), None)


def recover(work: Path, out: Path) -> None:
    """Undo what a killed build left in `work`: a half-written stage is removed, and an
    old tree is put back where a build died between two renames (see the module doc)."""
    if not work.is_dir():
        return
    for entry in sorted(work.iterdir()):
        if entry.name.startswith(OLD_PREFIX) and entry.is_dir() and not out.exists():
            os.rename(entry, out)
        elif entry.name.startswith((STAGE_PREFIX, OLD_PREFIX)):
            remove_tree(entry)


def remove_tree(path: Path) -> None:
    """Remove a tree this module made; a half-removed one is finished by the next build."""
    shutil.rmtree(path, ignore_errors=True)


def work_dir(cache: Path, out: Path) -> Path:
    """Where stages are written: inside the build cache when it is on the output's file
    system (no clutter beside the output), else a hidden folder beside the output (a swap
    cannot cross file systems)."""
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    if os.stat(cache).st_dev == os.stat(parent).st_dev:
        work = cache / "publish"
    else:
        work = parent / f".{out.name}.khabar-publish"
    work.mkdir(exist_ok=True)
    return work


@contextlib.contextmanager
def exclusive(lock_file: Path, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold the output folder's lock: a second build of it waits here (calling `waiting`
    once with who holds it) until the first ends."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): one build at a time is the user's to keep
        yield
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            waiting(holder or "another process")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
