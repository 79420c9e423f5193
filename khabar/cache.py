"""The build cache: what the last successful build read and wrote, so a rebuild redoes only
what changed.

Kept in SITE/.khabar-cache/ (ignore it in version control), one folder per output folder:

- quick.json: a digest of the names, sizes and modification times of every input and the
  build options. When it matches, the output folder still carries the mark of that
  build and every file listed in outputs.txt is still there, nothing can have changed and
  the build stops before loading anything (this module imports only the standard library
  for that reason).
- outputs.txt: the build's id, then every file it wrote, one a line.
- bulk.pickle: parsed articles keyed by their content hash (without the bodies whose
  HTML is kept) and rendered Markdown keyed by body hash, as a full build left them.
- state.pickle: what later builds changed in those, for every output file a fingerprint
  of everything it was made from and the slugs of the stories it shows, and what a
  partial rebuild checks (see rebuild.changed_only).

The pickles are signed (HMAC-SHA256) with a key kept in the user's cache directory and
verified before they are unpickled: a site folder may come from someone else, and a cache
planted in it must not run code. Compiled templates (code too) are kept in that directory,
not here. The lock file makes builds of one output folder take turns (publish.py).

A build removes the caches of output folders that are gone (a `serve` session's temporary
folder, an `--out` deleted since) once they have not been used for a day (`prune`).

The cache is never trusted blindly: a file that does not load, is not signed with this
user's key, or was written by another Khabar version or other Khabar code, is ignored (and
replaced by the next build); `--clean` ignores it too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from . import __version__, publish

CACHE_DIR = ".khabar-cache"
MEDIA_DIR = "media-1"  # resized pictures and icons (images.py): renamed when how they are made
#                        changes, so an old file is never taken for a new one
QUICK_FILE = "quick.json"
STATE_FILE = "state.pickle"
BULK_FILE = "bulk.pickle"
OUTPUTS_FILE = "outputs.txt"
FORMAT = 10  # bumped whenever State changes shape: older caches are then ignored
KEY = f"khabar {__version__} cache {FORMAT} python {sys.version_info[:2]}"
INPUT_DIRS = ("content", "templates", "static", "i18n", "images")


@dataclass
class State:
    """What the next build may reuse; see the module docstring."""

    key: str = KEY
    code: str = ""  # code_digest() of the Khabar that parsed and rendered what is kept here
    config_digest: str = ""
    markdown_key: str = ""  # what `markdown` was rendered with (make._markdown_key)
    articles: dict[str, tuple[tuple[int, int, int, int], str, Any]] = field(
        default_factory=dict)  # path: (stamp, sha, Article): content.Known
    markdown: dict[tuple[str, str], Any] = field(default_factory=dict)  # (sha, dir): Rendered
    pictures: dict[str, tuple[tuple[int, int, int, int], Any]] = field(
        default_factory=dict)  # images/… path: (stamp, Picture): images.Known
    outputs: dict[str, bytes] = field(default_factory=dict)  # output path: fingerprint
    out: str = ""  # the output folder these outputs are in
    # for a partial rebuild (see rebuild.changed_only): what the plan was made from
    salt: str = ""  # a digest of the code, theme, site.yaml and build options
    static: str = ""  # names, sizes and mtimes under static/
    sources: dict[str, str] = field(default_factory=dict)  # slug: digest of its files
    shapes: dict[tuple[str, str], bytes] = field(
        default_factory=dict)  # (lang, slug): digest of what lists show of the story
    uses: dict[str, tuple[str, ...]] = field(
        default_factory=dict)  # page or feed path: slugs of the stories it shows
    # articles and markdown are kept in BULK_FILE, written by a full build, plus what
    # later rebuilds changed (kept here: rewriting the bulk took 0.5 s at 10,000 articles)
    bulk_id: str = ""
    build_id: str = ""  # the build that wrote this state (its output folder's mark says so)
    written_ns: int = 0  # when the file system says it was written (set on loading)
    spare_id: str = ""  # the build of the spare tree kept beside the output (publish.py)
    spare_diff: frozenset[str] = frozenset()  # the files in which it differs from the output
    # when the output goes stale with time alone (a story leaves the news sitemaps' two
    # days), in seconds since 1970; 0: never
    expires: float = 0.0
    bulk_index: dict[str, tuple[tuple[int, int, int, int], str]] = field(
        default_factory=dict)  # path: (stamp, sha) of each article in the bulk
    bulk_markdown: frozenset[tuple[str, str]] = frozenset()  # the keys of its markdown
    delta_articles: dict[str, tuple[tuple[int, int, int, int], str, Any]] = field(
        default_factory=dict)
    delta_gone: frozenset[str] = frozenset()  # paths in the bulk that are no more
    delta_markdown: dict[tuple[str, str], Any] = field(default_factory=dict)


def folder(site: Path, out: Path) -> Path:
    """One cache per output folder: `serve` (a temporary folder) and `build` do not evict
    each other."""
    return site / CACHE_DIR / hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]


def make_folder(site: Path, out: Path) -> Path:
    """`folder`, made if missing, in a cache folder that git ignores."""
    where = folder(site, out)
    if not where.is_dir():
        where.mkdir(parents=True)
    ignore = site / CACHE_DIR / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("*\n", encoding="utf-8")
    return where


@cache
def code_digest() -> str:
    """Khabar's own source: a changed renderer must not reuse pages of the old one. Once a
    process: the code running is the code it started with."""
    h = hashlib.sha256(KEY.encode())
    here = Path(__file__).resolve().parent
    for path in sorted(here.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(here)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


# The coarsest timestamp tick of a file system Khabar may read (FAT: 2 s; ext3, HFS+ and
# many network shares: 1 s). A file changed less than this before the cache was written
# may carry the stamp of the version that build read: it is checked by its content.
RACY_NS = 2_000_000_000


class Stamps(NamedTuple):
    digest: str  # of every file's name, size, mtime, ctime and inode
    newest: int  # the latest mtime among them (ns): see RACY_NS


def quick_digest(site: Path, theme: Path, options: str) -> Stamps:
    """The stamps of every input, plus the options: cheap to compute."""
    return stamps([site / "site.yaml", *(site / d for d in INPUT_DIRS), theme],
                  f"{code_digest()}\0{options}\n")


def stamps(roots: list[Path], start: str = "") -> Stamps:
    """A digest of the names and stamps (size, mtime, ctime, inode: what git's index
    keeps) of the files under `roots`. A copy that puts an old mtime back (`cp -p`,
    `rsync -a`) still changes the ctime and the inode."""
    h = hashlib.sha256(start.encode())
    newest = 0
    for root in roots:
        h.update(f"[{root}]\n".encode())
        if root.is_file():
            st = root.stat()
            newest = max(newest, st.st_mtime_ns)
            h.update(f"{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
                     .encode())
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:  # a dangling link or a loop: the load says so
                    st = os.lstat(path)
                newest = max(newest, st.st_mtime_ns)
                h.update(f"{dirpath}/{name}\0{st.st_size}\0{st.st_mtime_ns}\0"
                         f"{st.st_ctime_ns}\0{st.st_ino}\n".encode())
    return Stamps(h.hexdigest(), newest)


def all_present(out: Path, paths: Iterable[str]) -> bool:
    """Whether every file the last build wrote is still there (a deleted page is noticed,
    a hand-edited one is not). One stat each: walking the folder instead took 1.2 s for
    the 15,000 files of a 10,000-article site."""
    root = f"{out}{os.sep}"
    return all(os.path.isfile(root + path) for path in paths)


def now() -> float:
    """The build's time in seconds since 1970: SOURCE_DATE_EPOCH where it is a number (a
    reproducible build), else the clock (sitemap.build_time reads it for the pages and
    says what is wrong with a value that is not a number)."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return float(value) if value.isdigit() else time.time()


def up_to_date(site: Path, out: Path, quick: Stamps) -> bool:
    """True when the last build had exactly these inputs and its output is still there.

    Not when an input changed within RACY_NS of the moment the last build wrote its
    cache: that build may have read it before a same-size edit in the same tick (git's
    racy-clean rule)."""
    where = folder(site, out)
    try:
        if quick.newest >= os.stat(where / QUICK_FILE).st_mtime_ns - RACY_NS:
            return False
        data = json.loads((where / QUICK_FILE).read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            return False
        build = data.get("build")
        expires = data.get("expires")
        if isinstance(expires, (int, float)) and expires and now() >= expires:
            return False  # time has made the news sitemaps wrong
        if not (data.get("key") == KEY and data.get("quick") == quick.digest
                and data.get("out") == str(out.resolve())
                and isinstance(build, str) and bool(build) and publish.marked(out) == build):
            return False
        listed = (where / OUTPUTS_FILE).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False
    return listed.startswith(f"{build}\n") and all_present(out, listed.splitlines()[1:])


def load(site: Path, out: Path) -> State | None:
    """The previous build's state, or None when there is none or it cannot be trusted."""
    where = folder(site, out)
    if not (where / STATE_FILE).is_file():
        return None
    try:
        # verified before unpickled: only what this user's Khabar wrote is ever loaded
        written_ns = os.stat(where / STATE_FILE).st_mtime_ns
        state = pickle.loads(verify((where / STATE_FILE).read_bytes()))
        if not isinstance(state, State) or state.key != KEY or state.code != code_digest():
            return None
        data = verify((where / BULK_FILE).read_bytes())
        end = bytes(data[:64]).find(b"\n")
        head, body = bytes(data[:end]), data[end + 1:]
        if end < 0 or head.decode() != state.bulk_id:
            return None  # a bulk from another build: interrupted between the two writes
        articles, markdown = pickle.loads(body)
    except Exception:  # missing, corrupt, truncated, or pickled by other code: start afresh
        return None
    for path in state.delta_gone:
        articles.pop(path, None)
    articles.update(state.delta_articles)
    markdown.update(state.delta_markdown)
    state.articles, state.markdown = articles, markdown
    state.written_ns = written_ns
    return state


def pack(articles: dict[str, Any], markdown: dict[tuple[str, str], Any]) -> bytes:
    """The bulk of the state, pickled on its own: a build packs it while its workers
    render, so saving the cache afterwards takes little time."""
    return pickle.dumps((articles, markdown), protocol=pickle.HIGHEST_PROTOCOL)


class Pending:
    """A build's cache files, written under temporary names and not yet in place: the
    build readies them before it publishes its output (a full disk fails the build while
    the old output still stands) and puts them in place after, in a few renames."""

    def __init__(self) -> None:
        self.moves: list[tuple[str, Path]] = []

    def add(self, path: Path, *parts: bytes) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        self.moves.append((tmp, path))
        with os.fdopen(fd, "wb") as fh:
            for part in parts:
                fh.write(part)

    def commit(self) -> None:
        for tmp, path in self.moves:  # quick.json last: it vouches for the rest
            os.replace(tmp, path)
        self.moves = []

    def discard(self) -> None:
        for tmp, _path in self.moves:
            Path(tmp).unlink(missing_ok=True)
        self.moves = []


def prepare(site: Path, state: State, quick: str, build_id: str, *,
            bulk: bytes | None = None, previous: State | None = None) -> Pending:
    """Write the cache files under temporary names (see Pending), signed.

    With `bulk` (`pack` of the state's articles and markdown), or without a `previous`
    state to build on, or when the changes since its bulk have grown, the bulk is written
    anew; otherwise only what changed since it is kept, in state.pickle."""
    where = make_folder(site, Path(state.out))
    light = State(**{**state.__dict__, "articles": {}, "markdown": {}})
    light.build_id = build_id
    if bulk is None and previous is not None and previous.bulk_id:
        index = previous.bulk_index
        light.bulk_id, light.bulk_index = previous.bulk_id, index
        light.bulk_markdown = previous.bulk_markdown
        light.delta_articles = {path: hit for path, hit in state.articles.items()
                                if index.get(path) != (hit[0], hit[1])}
        light.delta_gone = frozenset(index.keys() - state.articles.keys())
        light.delta_markdown = {key: rendered for key, rendered in state.markdown.items()
                                if key not in previous.bulk_markdown}
        if len(light.delta_articles) + len(light.delta_gone) > max(50, len(index) // 20):
            bulk = pack(state.articles, state.markdown)  # time to start afresh
    elif bulk is None:
        bulk = pack(state.articles, state.markdown)
    for name in (BULK_FILE, STATE_FILE, OUTPUTS_FILE, QUICK_FILE):
        for stale in where.glob(f".{name}.*"):  # Pending's names, left by a killed build
            stale.unlink(missing_ok=True)
    pending = Pending()
    try:
        if bulk is not None:
            light.bulk_id, light.bulk_index = build_id, {
                path: (hit[0], hit[1]) for path, hit in state.articles.items()}
            light.bulk_markdown = frozenset(state.markdown)
            light.delta_articles, light.delta_gone, light.delta_markdown = {}, frozenset(), {}
            pending.add(where / BULK_FILE, *sign(build_id.encode() + b"\n", bulk))
        pending.add(where / STATE_FILE, *sign(
            pickle.dumps(light, protocol=pickle.HIGHEST_PROTOCOL)))
        pending.add(where / OUTPUTS_FILE, "\n".join([build_id, *state.outputs]).encode())
        pending.add(where / QUICK_FILE, json.dumps(
            {"key": KEY, "quick": quick, "out": state.out, "build": build_id,
             "expires": state.expires}).encode())
    except BaseException:
        pending.discard()
        raise
    return pending


def save(site: Path, state: State, quick: str, build_id: str, *, bulk: bytes | None = None,
         previous: State | None = None) -> None:
    """`prepare` and put in place at once."""
    prepare(site, state, quick, build_id, bulk=bulk, previous=previous).commit()


PRUNE_AFTER_S = 86_400  # a cache whose output folder is gone, untouched this long, goes
_PRUNE_EVERY_S = 3_600
_PRUNED = ".pruned"  # its modification time: when the caches were last looked over


def prune(site: Path, *, now: float | None = None) -> list[Path]:
    """Remove the caches of output folders that are gone (a `serve` session's temporary
    folder, an `--out` deleted since), once none of them has been used for a day: one is
    kept per output folder, and without this they would pile up. At most once an hour;
    the folders removed."""
    root = site / CACHE_DIR
    now = time.time() if now is None else now
    marker = root / _PRUNED
    try:
        if now - marker.stat().st_mtime < _PRUNE_EVERY_S:
            return []
    except OSError:
        pass
    gone: list[Path] = []
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and len(p.name) == 16
                   and all(c in "0123456789abcdef" for c in p.name)]
    except OSError:
        return []
    for where in folders:
        try:
            quick = where / QUICK_FILE
            used = max(where.stat().st_mtime, quick.stat().st_mtime if quick.is_file() else 0)
            if now - used < PRUNE_AFTER_S:
                continue
            out = json.loads(quick.read_bytes()).get("out") if quick.is_file() else None
            if isinstance(out, str) and out and Path(out).exists():
                continue
        except (OSError, ValueError):
            continue
        shutil.rmtree(where, ignore_errors=True)
        gone.append(where)
    try:
        marker.touch()
        os.utime(marker, (now, now))
    except OSError:
        pass
    return gone


def media_dir(site: Path) -> Path:
    """Where made pictures are kept, for every output folder of the site alike (each file
    is named by its content's hash)."""
    return site / CACHE_DIR / MEDIA_DIR


def user_dir() -> Path:
    """Khabar's folder in the user's cache directory ($XDG_CACHE_HOME, else ~/.cache):
    outside every site folder, so what is kept there can be trusted."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "khabar"


@cache
def _key() -> bytes:
    """The key that signs this user's build caches. A site folder may come from someone
    else (a pull request, a shared drive); a cache planted in it is not signed with this
    key and is ignored, never unpickled. Where the key cannot be kept, one for this
    process alone: caches then last a process (the next build is a full one)."""
    path = user_dir() / "cache-key"
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    key = os.urandom(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:  # another build made it first
        return path.read_bytes()
    except OSError:
        pass
    return key


_SIGNED = b"khabar-signed "


def sign(*parts: bytes) -> tuple[bytes, ...]:
    mac = hmac.new(_key(), digestmod=hashlib.sha256)
    for part in parts:
        mac.update(part)
    return (_SIGNED + mac.hexdigest().encode() + b"\n", *parts)


def verify(data: bytes) -> memoryview:
    """The payload of a signed file (a view: a bulk is megabytes, not copied); ValueError
    when it is not signed with this user's key (planted, or from another machine)."""
    end = data.find(b"\n")
    body = memoryview(data)[end + 1:]
    expected = hmac.new(_key(), body, hashlib.sha256).hexdigest().encode()
    if end < 0 or not data.startswith(_SIGNED) or \
            not hmac.compare_digest(data[len(_SIGNED):end], expected):
        raise ValueError("cache file not signed with this user's key")
    return body
