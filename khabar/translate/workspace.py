"""What `translate` does to the content folder besides writing translations: one run at a
time, and no temporary file left behind by a run that was killed.

Files are written atomically (a temporary file `.<name>.<random>.tmp` beside the file, then
a rename). A run killed between the two (SIGKILL, a full machine, a power cut) leaves the
temporary file, hidden; the next run removes every such file under content/ before it
writes anything. Only names of exactly that form are touched, and only regular files: a
run holds a lock on the content folder, so no other run's file is in the middle of being
written.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import CommandError

TEMP_SUFFIX = ".tmp"
# `.` + the file's name + `.` + tempfile.mkstemp's 8 random characters + `.tmp`
TEMP_NAME = re.compile(r"^\.(?P<name>.+\.md)\.[a-z0-9_]{8}\.tmp$")

_UMASK: int | None = None


def mode_for(path: Path) -> int:
    """The permissions a file written over `path` keeps: its own, or for a new file those
    the umask gives (tempfile's are 0600, readable by nobody else)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        global _UMASK
        if _UMASK is None:
            _UMASK = os.umask(0)
            os.umask(_UMASK)
        return 0o666 & ~_UMASK


def remove_stale_temp_files(content_dir: Path) -> list[Path]:
    """Remove the temporary files killed runs left under `content_dir`; the ones removed."""
    removed: list[Path] = []
    for folder, dirs, files in os.walk(content_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # no article lives there
        for name in sorted(files):
            if not TEMP_NAME.match(name):
                continue
            path = Path(folder) / name
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(path)
    return removed


@contextmanager
def lock(content_dir: Path) -> Iterator[None]:
    """Hold the content folder for one run: a second `translate` at the same time stops
    with one line instead of writing the same files (where the system has no `flock`,
    nothing is held)."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield
        return
    try:
        fd = os.open(content_dir, os.O_RDONLY)
    except OSError:  # no content folder yet: nothing to write into either
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(f"another `khabar translate` is writing into {content_dir}",
                               "wait for it to finish, then run this one again") from None
        yield
    finally:
        os.close(fd)
