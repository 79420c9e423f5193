"""`khabar serve`: build, serve on 127.0.0.1, rebuild on change and reload open pages.

The site is built into SITE/.khabar-cache/serve, not SITE/_site, for two reasons: the
served build uses the local server's URL as base_url (so every link stays on the preview
server) and may include drafts, and neither must end up in a folder someone deploys. The
folder is kept, with its own build cache, so the next `serve` starts quickly.

Live reload: HTML responses (only the served bytes, never the built files) get a small
script that listens on /__khabar/events (Server-Sent Events) and reloads the page when
the build generation changes. Every build attempt, good or failed, is a new generation,
so a page also reloads to show a failed build's errors, and again when they are fixed.
While the last build failed, HTML responses carry an overlay with the errors (escaped);
the previous good output goes on being served underneath it.

A base URL with a path (https://user.github.io/repo/) is served under that path, as its
host will serve it: /repo/fa/ is the built fa/, / redirects to /repo/, and anything else
outside /repo/ is not found (the site's root 404 page), so a link that forgot the path is
as broken in the preview as it would be once deployed. The path is read from site.yaml
before each build; a build that changes it moves the preview when its files are swapped in.
"""

from __future__ import annotations

import html
import json
import queue
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import yamlsrc
from .build import build
from .cache import CACHE_DIR
from .errors import KhabarError, MissingExtra
from .sources import SITE_FILE
from .urls import url_problem

EVENTS = "/__khabar/events"
WATCHED = ("content", "templates", "static", "i18n", "images", "site.yaml")
KEEPALIVE_S = 10.0

_CLIENT = ("<script>/* khabar serve: live reload */(function(){\n"
           'var gen=null,es=new EventSource(%s);\n'
           "es.onmessage=function(e){if(gen===null){gen=e.data;}"
           "else if(e.data!==gen){location.reload();}};\n})();</script>")

_OVERLAY = """<div id="khabar-build-error" dir="ltr" lang="en" style="position:fixed;inset:0;
z-index:2147483647;overflow:auto;background:rgba(20,0,0,.92);color:#fff;padding:2rem;
font:14px/1.5 ui-monospace,monospace;text-align:left"><h2 style="color:#ff8080;margin-top:0">
Khabar: the last build failed; the page below is from the last good build</h2>
<pre style="white-space:pre-wrap">%s</pre></div>"""

_LANG_DIR = re.compile(r"^[A-Za-z0-9-]{2,20}$")  # a language folder, nothing else


@dataclass
class BuildState:
    """What the request threads need to know about the builds, behind one lock."""

    generation: int = 0
    errors: tuple[str, ...] = ()
    prefix: str = ""  # the path the served files were built for: "" or like "/repo"
    changed: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, errors: tuple[str, ...]) -> None:
        with self.changed:
            self.generation += 1
            self.errors = errors
            self.changed.notify_all()

    @contextmanager
    def swapping(self, prefix: str | None = None) -> Iterator[None]:
        """Held while a good build replaces the files: no page is read half-way through,
        and none of the new pages is served with the failed build's overlay, nor under
        another path than the one they were built for (`prefix`: None keeps it)."""
        with self.changed:
            yield
            self.errors = ()
            if prefix is not None:
                self.prefix = prefix

    def read(self, path: Path) -> tuple[bytes | None, tuple[str, ...]]:
        """A page and the errors to show on it, read together (None: no such file)."""
        with self.changed:
            try:
                return path.read_bytes(), self.errors
            except OSError:  # not built (yet)
                return None, self.errors

    def snapshot(self) -> tuple[int, tuple[str, ...]]:
        with self.changed:
            return self.generation, self.errors

    def served_prefix(self) -> str:
        with self.changed:
            return self.prefix

    def wait_past(self, generation: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.generation != generation, timeout)
            return self.generation


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must not keep the process alive

    def __init__(self, address: tuple[str, int], root: Path, state: BuildState,
                 stop: threading.Event) -> None:
        self.root = root
        self.state = state
        self.stop = stop
        super().__init__(address, _Handler)


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        server: _Server = args[2]
        super().__init__(*args, directory=str(server.root), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for build results and errors."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def translate_path(self, path: str) -> str:
        """The file for a URL path under the served prefix (outside it: no file)."""
        inside = _inside(path.split("?", 1)[0].split("#", 1)[0],
                         self.server.state.served_prefix())
        if inside is None:
            return str(Path(self.directory) / "__khabar_outside__" / "missing")
        return super().translate_path(inside)

    def do_GET(self) -> None:
        if not self._special(body=True) and not self._html(body=True):
            super().do_GET()

    def do_HEAD(self) -> None:
        if not self._special(body=False) and not self._html(body=False):
            super().do_HEAD()

    def _special(self, *, body: bool) -> bool:
        """The event stream, and / redirecting to the served path; False: neither."""
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        prefix = self.server.state.served_prefix()
        if path in (EVENTS, prefix + EVENTS):
            if body:
                self._events()
            else:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
            return True
        if prefix and path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", prefix + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        return False

    def _html(self, *, body: bool) -> bool:
        """Serve an HTML page with the reload script (and error overlay); False: not HTML."""
        url_path = self.path.split("?", 1)[0].split("#", 1)[0]
        prefix = self.server.state.served_prefix()
        inside = _inside(url_path, prefix)
        path = Path(self.translate_path(self.path))
        status = HTTPStatus.OK
        if inside is not None and path.is_dir():
            if not url_path.endswith("/"):
                return False  # the stdlib redirects to the slash form
            path = path / "index.html"
        if not path.is_file():  # the language's own not-found page, as a host set up so
            status = HTTPStatus.NOT_FOUND  # would serve it (README: "Not found")
            first = (inside or "").lstrip("/").split("/", 1)[0]
            own = Path(self.directory) / first / "404.html"
            path = own if _LANG_DIR.match(first) and own.is_file() \
                else Path(self.directory) / "404.html"
        if path.suffix != ".html":
            return False
        page, errors = self.server.state.read(path)
        if page is None:  # not built (yet), or swapped away between the checks
            page = b"<!doctype html><title>Not found</title><h1>Not found</h1>"
        data = inject(page, errors, prefix + EVENTS)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)
        return True

    def _events(self) -> None:
        """Server-Sent Events: the generation now, then each new one, until the client goes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        state, stop = self.server.state, self.server.stop
        generation = state.snapshot()[0]
        try:
            self.wfile.write(f"retry: 500\ndata: {generation}\n\n".encode())
            self.wfile.flush()
            while not stop.is_set():
                now = state.wait_past(generation, KEEPALIVE_S)
                line = f"data: {now}\n\n" if now != generation else ": keepalive\n\n"
                generation = now
                self.wfile.write(line.encode())
                self.wfile.flush()
        except OSError:  # the page went away
            pass


def _inside(path: str, prefix: str) -> str | None:
    """A URL path with the served prefix taken off ("/repo/fa/" -> "/fa/"), or None when
    it lies outside the prefix. Compared as sent: Khabar writes the prefix exactly as
    base_url spells it, escapes and all."""
    if not prefix:
        return path
    if path == prefix:
        return "/"  # a folder without its slash: the stdlib redirects to prefix + "/"
    return path[len(prefix):] if path.startswith(prefix + "/") else None


def base_path(site: Path, default: str = "") -> str:
    """The path of site.yaml's base_url without its last slash ("" for a site at the
    root of its host, "/repo" for https://user.github.io/repo/): where the preview serves
    the site. Read leniently: while site.yaml cannot be read, or its base_url is not
    valid, `default` (the build reports the problem)."""
    try:
        data = yamlsrc.load((site / SITE_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yamlsrc.YamlSyntaxError):
        return default
    value = data.get("base_url") if isinstance(data, dict) else None
    if not isinstance(value, str) or url_problem(value) is not None:
        return default
    return urlsplit(value).path.rstrip("/")


def inject(page: bytes, errors: tuple[str, ...], events: str = EVENTS) -> bytes:
    """The page as served: reload script, plus the error overlay while the build fails.
    `events`: the address of the event stream (under the served prefix)."""
    extra = _CLIENT % json.dumps(events)  # base_url allows no < > or quotes
    if errors:
        extra = _OVERLAY % html.escape("\n".join(errors)) + extra
    data = extra.encode()
    at = page.rfind(b"</body>")
    return page + data if at < 0 else page[:at] + data + page[at:]


def serve(site: Path, port: int = 8000, drafts: bool = False, *, host: str = "127.0.0.1",
          ready: Callable[[str], None] | None = None,
          stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C or `stop` is set; 0 then, whatever the builds did meanwhile.
    `ready` is called with the site's address (under base_url's path) once it is served.

    Refuses to start without watchfiles (the serve extra): a preview that silently never
    rebuilds is worse than none."""
    require_watchfiles()
    stop = stop or threading.Event()
    state = BuildState(prefix=base_path(site))
    # Not SITE/_site: the served build has the local address as base_url and maybe drafts,
    # and must never be deployed. Kept in the cache folder, so a restart rebuilds little.
    out = site / CACHE_DIR / "serve"
    try:
        server = _Server((host, port), out, state, stop)
    except OSError as exc:
        print(f"khabar: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    origin = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="khabar-serve", daemon=True)
    batches: queue.Queue[set[str]] = queue.Queue()
    watcher = threading.Thread(target=_watch, args=(site, stop, batches),
                               name="khabar-watch", daemon=True)
    try:
        watcher.start()  # before the first build: an edit made while it runs is not lost
        _rebuild(site, out, origin, drafts, state)
        thread.start()
        url = origin + state.served_prefix() + "/"
        print(f"khabar: serving {site} at {url} (Ctrl-C to stop)", flush=True)
        if ready is not None:
            ready(url)
        while not stop.is_set():
            try:
                changed = batches.get(timeout=0.2)
            except queue.Empty:
                continue
            while not batches.empty():  # one build for everything saved meanwhile
                changed |= batches.get_nowait()
            names = sorted({Path(p).name for p in changed})
            print(f"khabar: changed: {', '.join(names[:5])}"
                  + (f" and {len(names) - 5} more" if len(names) > 5 else ""), flush=True)
            _rebuild(site, out, origin, drafts, state)
            if origin + state.served_prefix() + "/" != url:  # base_url's path changed
                url = origin + state.served_prefix() + "/"
                print(f"khabar: now serving at {url}", flush=True)
    except KeyboardInterrupt:
        print("\nkhabar: stopped", flush=True)
    finally:
        stop.set()
        with state.changed:
            state.changed.notify_all()  # event streams see the stop now, not at keepalive
        if thread.is_alive():
            server.shutdown()
        server.server_close()
        watcher.join(2.0)
    return 0


def require_watchfiles() -> None:
    """Stop with one line saying what to install when the serve extra is missing."""
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        raise MissingExtra("`khabar serve` needs watchfiles to rebuild on change, and it is "
                           "not installed", "pip install 'khabar[serve]'") from None


def _rebuild(site: Path, out: Path, origin: str, drafts: bool, state: BuildState) -> None:
    """One build, for the local `origin` and base_url's path; its errors go to the
    terminal and, through `state`, to the browser."""
    t0 = time.perf_counter()
    errors: tuple[str, ...] = ()
    prefix = base_path(site, default=state.served_prefix())
    try:
        result = build(site, out, base_url=origin + prefix + "/", drafts=drafts,
                       swap_guard=state.swapping(prefix))
    except KhabarError as exc:
        errors = tuple(d.format() for d in exc.diagnostics)
    except Exception:  # a bug in Khabar must not stop the server either
        errors = ("internal error while building:",
                  *traceback.format_exc().rstrip().splitlines())
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        n = len(errors)
        print(f"khabar: build failed ({n} line{'s' if n != 1 else ''}); still serving the "
              "last good build", file=sys.stderr, flush=True)
    else:
        for warning in result.warnings:
            print(warning.format(), file=sys.stderr, flush=True)
        took = f"{time.perf_counter() - t0:.2f} s"
        if result.skipped:
            print(f"khabar: nothing to rebuild ({took})", flush=True)
        else:
            print(f"khabar: built {result.pages} pages, {result.files} files "
                  f"({result.rendered} rendered) in {took}", flush=True)
    state.publish(errors)


def _targets(site: Path) -> tuple[Path, ...]:
    return tuple(site / name for name in WATCHED if (site / name).exists())


def _watch(site: Path, stop: threading.Event, batches: queue.Queue[set[str]]) -> None:
    """The watcher thread: hands each batch of changes to the build loop."""
    for changed in _changes(site, stop):
        batches.put(changed)


def _changes(site: Path, stop: threading.Event) -> Iterator[set[str]]:
    """Batches of changes to the watched paths until `stop` is set.

    The watcher restarts when the set of watched paths changes (a static/ folder made
    later) or site.yaml changes: editors often save it by renaming a new file over it,
    which ends a watch on the old file."""
    import watchfiles

    while not stop.is_set():
        targets = _targets(site)
        if not targets:
            if stop.wait(0.5):
                return
            continue
        restart = False
        for changes in watchfiles.watch(*targets, stop_event=stop, debounce=300, step=50,
                                        rust_timeout=1000, yield_on_timeout=True,
                                        raise_interrupt=False):
            if changes:
                yield {p for _, p in changes}
            restart = (_targets(site) != targets
                       or any(Path(p).name == "site.yaml" for _, p in changes))
            if restart:
                break
        if restart and not changes:
            yield {str(site)}  # a watched path appeared or went: build again
        if not restart:
            return
