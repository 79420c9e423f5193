"""Walking the site's folders: the files a build may read, and the links it must refuse.

Content and static files come from other people (a pull request, a shared drive), so
symbolic links follow Jekyll's safe mode: a link that stays inside the site folder is
followed, one that leaves it is an error and is never read (`static/passwd.txt ->
/etc/passwd` must not be published), and a dangling link or a link loop is an error line,
never a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from .errors import Diagnostic

SITE_FILE = "site.yaml"  # what makes a folder a site folder
IMAGES = "images"  # the site folder's folder of pictures (articles' images, the logo)

_OUTSIDE_HINT = "copy the file into the site; links that leave the site are not followed"


def site_files(root: Path, site_root: Path, *, want: Callable[[str], bool] | None = None,
               hidden: bool = False) -> tuple[list[str], list[Diagnostic]]:
    """Every regular file under `root` whose name `want` accepts (every name by default),
    and an error for each symbolic link that cannot be followed.

    Files are `root`-joined path strings, links left unresolved (`static/logo.png` even
    when it links to `assets/logo.png`), sorted folder by folder. Names starting with "."
    are skipped unless `hidden`. A link to a file or folder inside `site_root` is followed;
    one that leaves it, dangles or loops gives an error naming the link (a file link only
    when `want` accepts its name: other files are not read anyway). A missing `root` has
    no files. Only links are resolved: an ordinary entry costs no system call beyond its
    folder's listing, which says its type (this runs on every rebuild).
    """
    site_real = os.path.realpath(site_root)
    found: list[str] = []
    problems: list[Diagnostic] = []
    top = str(root)
    if not os.path.isdir(top):
        return found, problems
    top_real = os.path.realpath(top)
    if not _inside(top_real, site_real):
        problems.append(Diagnostic(_shown(top), None, f"links to {top_real}, outside the site "
                                   "folder", _OUTSIDE_HINT))
        return found, problems
    # (folder as walked, its real path, the real paths of the folders it is inside)
    stack: list[tuple[str, str, frozenset[str]]] = [(top, top_real, frozenset({top_real}))]
    while stack:
        folder, real, above = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            problems.append(Diagnostic(_shown(folder), None, f"cannot be read: {exc.strerror}",
                                       "check the folder's permissions"))
            continue
        for entry in entries:
            name = entry.name
            if not hidden and name.startswith("."):
                continue
            if entry.is_symlink():
                target = _follow(entry.path, site_real, above, want is None or want(name),
                                 problems)
                if target is None:
                    continue
                target_real, is_dir = target
                if is_dir:
                    stack.append((entry.path, target_real, above | {target_real}))
                elif want is None or want(name):
                    found.append(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                child_real = os.path.join(real, name)
                stack.append((entry.path, child_real, above | {child_real}))
            elif entry.is_file(follow_symlinks=False) and (want is None or want(name)):
                found.append(entry.path)
    found.sort(key=lambda p: p.split(os.sep))
    return found, problems


def local_image_problem(src: str, root: Path) -> str | None:
    """Why `src` cannot be a local picture of the site at `root` (None when it can): it
    must name a file under images/, and may not leave it."""
    parts = PurePosixPath(src).parts
    if not parts or parts[0] != IMAGES or len(parts) < 2 or ".." in parts or "\\" in src:
        return f"'{src}' is not a file under the site's {IMAGES}/ folder"
    path = root / src
    real, base = os.path.realpath(path), os.path.realpath(root / IMAGES)
    if not real.startswith(base + os.sep):
        return f"'{src}' leads outside the site's {IMAGES}/ folder"
    if not path.is_file():
        return f"'{src}' does not exist"
    return None


def _follow(link: str, site_real: str, above: frozenset[str], wanted: bool,
            problems: list[Diagnostic]) -> tuple[str, bool] | None:
    """(real path, whether a folder) of a link that may be followed: to a regular file or
    a folder inside the site that does not contain the link; None otherwise, with an error
    for a link that would have been read."""
    try:
        st = os.stat(link)
    except OSError as exc:
        if not wanted:
            return None
        if exc.errno == errno.ELOOP:
            problems.append(Diagnostic(_shown(link), None, "is a symbolic link loop (it leads "
                                       "back to itself)", "remove the link, or point it at a "
                                       "file inside the site"))
        elif exc.errno == errno.ENOENT:
            problems.append(Diagnostic(_shown(link), None, f"links to {os.readlink(link)}, "
                                       "which does not exist", "remove the link, or point it "
                                       "at a file inside the site"))
        else:
            problems.append(Diagnostic(_shown(link), None, f"cannot be read: {exc.strerror}",
                                       "check the link and its target's permissions"))
        return None
    is_dir = stat.S_ISDIR(st.st_mode)
    if not is_dir and not (wanted and stat.S_ISREG(st.st_mode)):
        return None  # not read: a file of another kind, or a device, a FIFO...
    real = os.path.realpath(link)
    if not _inside(real, site_real):
        problems.append(Diagnostic(_shown(link), None, f"links to {real}, outside the site "
                                   "folder", _OUTSIDE_HINT))
        return None
    if is_dir and real in above:
        problems.append(Diagnostic(_shown(link), None, f"links to {real}, a folder it is "
                                   "inside: following it would never end",
                                   "remove the link; a folder link may only point elsewhere "
                                   "in the site"))
        return None
    return real, is_dir


def _inside(real: str, site_real: str) -> bool:
    return real == site_real or real.startswith(site_real.rstrip(os.sep) + os.sep)


def _shown(path: str) -> str:
    """A link's path as messages show it: its folder resolved, relative to the working
    folder when inside it, the link itself not followed."""
    full = os.path.join(os.path.realpath(os.path.dirname(path) or "."), os.path.basename(path))
    here = os.path.realpath(os.getcwd()) + os.sep
    return full[len(here):] if full.startswith(here) else full
