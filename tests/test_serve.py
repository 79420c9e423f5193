"""`khabar serve`: a real server on a free port, real file edits, real rebuilds."""

from __future__ import annotations

import http.client
import queue
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from khabar.serve import EVENTS, BuildState, base_path, inject
from khabar.serve import serve as serve_site

SITES = Path(__file__).resolve().parent / "sites"
ARTICLE = Path("content") / "news" / "haftar-turkey.fa.md"
PAGE = "fa/articles/haftar-turkey/"
TIMEOUT = 10.0


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def poll(url: str, ok: Callable[[str], bool]) -> str:
    """The page as soon as `ok` holds for it; fails after TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        status, page = fetch(url)
        if status == 200 and ok(page):
            return page
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {url}; last status {status}")
        time.sleep(0.1)


def raw(url: str, method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request, redirects not followed: (status, headers, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=5)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A copy of the mini site being served; yields (site folder, base URL). Its base_url
    is https://news.example.net/briefing/, so it is served under /briefing/."""
    with serving(tmp_path, SITES / "mini") as running:
        yield running


@contextmanager
def serving(tmp_path: Path, source: Path, base_url: str | None = None
            ) -> Iterator[tuple[Path, str]]:
    """Serve a copy of `source` (with `base_url` in its site.yaml if given)."""
    site = tmp_path / source.name
    shutil.copytree(source, site)
    if base_url is not None:
        set_base_url(site, base_url)
    stop = threading.Event()
    urls: queue.Queue[str] = queue.Queue()
    codes: list[int] = []
    thread = threading.Thread(
        target=lambda: codes.append(serve_site(site, 0, ready=urls.put, stop=stop)),
        daemon=True)
    thread.start()
    try:
        yield site, urls.get(timeout=TIMEOUT)
    finally:
        stop.set()
        thread.join(TIMEOUT)
    assert not thread.is_alive(), "serve did not stop on the stop event"
    assert codes == [0]


def set_base_url(site: Path, base_url: str) -> None:
    config = site / "site.yaml"
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    config.write_text("".join(f"base_url: {base_url}\n" if line.startswith("base_url:")
                              else line for line in lines), encoding="utf-8")


def test_rebuilds_on_change_and_shows_errors_in_the_page(served: tuple[Path, str]) -> None:
    site, url = served
    assert url.startswith("http://127.0.0.1:")
    status, page = fetch(url + PAGE)
    assert status == 200
    assert "افزایش همکاری نظامی" in page
    assert EVENTS in page, "served HTML carries the live-reload script"
    assert "khabar-build-error" not in page

    article = site / ARTICLE
    original = article.read_text(encoding="utf-8")
    article.write_text(original.replace("افزایش همکاری نظامی", "عنوان تازه آزمایشی"),
                       encoding="utf-8")
    poll(url + PAGE, lambda p: "عنوان تازه آزمایشی" in p)

    article.write_text("---\ntitle: [unclosed\ndate: 2024-01-01\n---\nbody\n", encoding="utf-8")
    page = poll(url + PAGE, lambda p: "khabar-build-error" in p)
    assert "haftar-turkey.fa.md" in page and ": error: " in page
    assert "عنوان تازه آزمایشی" in page, "the last good build is still served"
    assert fetch(url + "fa/")[0] == 200

    article.write_text(original.replace("افزایش همکاری نظامی", "عنوان درست‌شده"),
                       encoding="utf-8")
    page = poll(url + PAGE, lambda p: "عنوان درست‌شده" in p)
    assert "khabar-build-error" not in page


def test_event_stream_and_built_files_untouched(served: tuple[Path, str]) -> None:
    site, url = served
    with urllib.request.urlopen(url + EVENTS.lstrip("/"), timeout=5) as resp:
        assert resp.headers["Content-Type"] == "text/event-stream"
        assert resp.readline() == b"retry: 500\n"
        assert resp.readline().startswith(b"data: ")
    status, css = fetch(url + "assets/style.css")
    assert status == 200 and EVENTS not in css
    assert not (site / "_site").exists(), "serve builds into a temporary folder"


def test_inject_escapes_errors() -> None:
    page = b"<html><body><p>x</p></body></html>"
    out = inject(page, ("a.md:1: error: <script>alert(1)</script>",)).decode()
    assert out.endswith("</body></html>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<script>alert(1)" not in out
    assert "khabar-build-error" not in inject(page, ()).decode()


def test_a_page_is_never_read_mid_swap_nor_with_stale_errors(tmp_path: Path) -> None:
    """A good build clears the errors in the same step that swaps its files in.

    (CI once caught the new page still wearing the failed build's overlay.)"""
    page = tmp_path / "index.html"
    page.write_bytes(b"old")
    state = BuildState()
    state.publish(("x.md:1: error: broken",))
    assert state.read(page) == (b"old", ("x.md:1: error: broken",))

    inside, release = threading.Event(), threading.Event()
    seen: list[tuple[bytes | None, tuple[str, ...]]] = []

    def swap() -> None:
        with state.swapping():
            inside.set()
            release.wait(5)
            page.write_bytes(b"new")

    swapper = threading.Thread(target=swap)
    swapper.start()
    assert inside.wait(5)
    reader = threading.Thread(target=lambda: seen.append(state.read(page)))
    reader.start()
    reader.join(0.3)
    assert reader.is_alive(), "a read waits while the files are being replaced"
    release.set()
    swapper.join(5)
    reader.join(5)
    assert seen == [(b"new", ())]
    assert state.read(tmp_path / "missing.html") == (None, ())


def test_a_failed_swap_keeps_the_errors(tmp_path: Path) -> None:
    state = BuildState()
    state.publish(("x.md:1: error: broken",))
    with pytest.raises(OSError), state.swapping():
        raise OSError("disk full")
    assert state.snapshot()[1] == ("x.md:1: error: broken",)


def test_a_missing_page_gets_its_languages_not_found_page(served: tuple[Path, str]) -> None:
    """As a host set up per the README serves them: /en/… the English one, /fa/… the
    Persian one, anything else the root one in every language; all with status 404."""
    _site, url = served
    poll(url + PAGE, lambda page: "<h1" in page)  # built
    status, page = fetch(url + "en/no-such-story/")
    assert status == 404 and '<html lang="en"' in page and "Page not found" in page
    status, page = fetch(url + "fa/no-such-story/")
    assert status == 404 and '<html lang="fa"' in page
    status, page = fetch(url + "../etc/passwd")
    assert status == 404 and page.count('class="not-found"') == 2


# -- a base URL with a path (https://user.github.io/repo/): served under that path -------

def test_a_sub_path_site_is_served_under_its_path(served: tuple[Path, str]) -> None:
    """As GitHub Pages serves https://user.github.io/repo/: /repo/fa/ is the built fa/,
    / redirects to /repo/, a link that forgot the path is not found."""
    _site, url = served
    origin = url.removesuffix("/briefing/")
    assert url == origin + "/briefing/"
    page = poll(url + "fa/", lambda p: "<h1" in p or "<main" in p)
    assert 'href="/briefing/fa/' in page and 'href="/fa/' not in page
    css = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert css.startswith("/briefing/assets/style.css?v=")
    status, headers, body = raw(origin + css)
    assert status == 200 and headers["Content-Type"] == "text/css" and b"@font-face" in body

    for method in ("GET", "HEAD"):
        status, headers, _ = raw(origin + "/", method)
        assert status == 302 and headers["Location"] == "/briefing/"
    status, headers, _ = raw(origin + "/briefing")
    assert status == 301 and headers["Location"] == "/briefing/"
    status, root = fetch(url)
    assert status == 200 and 'href="/briefing/en/"' in root

    for outside in ("/fa/", "/assets/style.css", "/briefingx/fa/", "/fa/../briefing/fa/"):
        status, page = fetch(origin + outside)
        assert status == 404, outside
        assert page.count('class="not-found"') == 2, "the root not-found page, every language"
    status, headers, body = raw(origin + "/assets/style.css", "HEAD")
    assert status == 404 and body == b""


def test_not_found_under_the_sub_path_is_the_languages_page(served: tuple[Path, str]) -> None:
    site, url = served
    poll(url + PAGE, lambda page: "<h1" in page)
    built = site / ".khabar-cache" / "serve"
    for lang in ("fa", "en"):
        status, page = fetch(url + f"{lang}/no-such-story/")
        assert status == 404 and f'<html lang="{lang}"' in page
        own = (built / lang / "404.html").read_text(encoding="utf-8")
        assert page.startswith(own.split("</body>", 1)[0]), "the language's own 404 page"
        assert EVENTS in page
        status, _, body = raw(url + f"{lang}/missing.png", "HEAD")
        assert status == 404 and body == b""
    status, page = fetch(url + "zz/no-such-page")
    assert status == 404 and page.count('class="not-found"') == 2


def test_live_reload_under_the_sub_path(served: tuple[Path, str]) -> None:
    """The reload script listens under the site's path, and the stream there announces
    each new build."""
    site, url = served
    page = poll(url + PAGE, lambda p: "<h1" in p)
    assert 'new EventSource("/briefing/__khabar/events")' in page
    with urllib.request.urlopen(url + EVENTS.lstrip("/"), timeout=TIMEOUT) as resp:
        assert resp.headers["Content-Type"] == "text/event-stream"
        assert resp.readline() == b"retry: 500\n"
        first = resp.readline()
        assert first.startswith(b"data: ")
        assert resp.readline() == b"\n"
        article = site / ARTICLE
        article.write_text(article.read_text(encoding="utf-8").replace(
            "افزایش همکاری نظامی", "عنوان تازه"), encoding="utf-8")
        deadline = time.monotonic() + TIMEOUT
        while True:
            line = resp.readline()
            if line.startswith(b"data: ") and line != first:
                break
            assert time.monotonic() < deadline, "no new generation after an edit"
    assert "عنوان تازه" in poll(url + PAGE, lambda p: "عنوان تازه" in p)


def test_a_site_at_the_root_of_its_host_is_served_at_the_root(tmp_path: Path) -> None:
    with serving(tmp_path, SITES / "mini", "https://news.example.net/") as (_site, url):
        assert urlsplit(url).path == "/"
        status, page = fetch(url)
        assert status == 200 and 'href="/en/"' in page
        assert 'new EventSource("/__khabar/events")' in page
        assert fetch(url + PAGE)[0] == 200
        status, page = fetch(url + "fa/no-such-story/")
        assert status == 404 and '<html lang="fa"' in page


def test_changing_the_base_urls_path_moves_the_preview(served: tuple[Path, str]) -> None:
    site, url = served
    origin = url.removesuffix("/briefing/")
    poll(url + PAGE, lambda p: "<h1" in p)
    set_base_url(site, "https://news.example.net/elsewhere/deeper/")
    page = poll(origin + "/elsewhere/deeper/" + PAGE, lambda p: "<h1" in p)
    assert 'href="/elsewhere/deeper/fa/' in page
    assert fetch(url + PAGE)[0] == 404
    assert raw(origin + "/")[1]["Location"] == "/elsewhere/deeper/"


def test_base_path_reads_site_yaml_leniently(tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    for text, expected in [("base_url: https://user.github.io/repo/\n", "/repo"),
                           ("base_url: https://user.github.io/a/b\n", "/a/b"),
                           ("base_url: https://example.org/\n", ""),
                           ("base_url: https://example.org\n", ""),
                           ("base_url: [unclosed\n", "KEEP"),
                           ("base_url: not a url\n", "KEEP"),
                           ("title: no base url\n", "KEEP"),
                           ("- a list\n", "KEEP")]:
        config.write_text(text, encoding="utf-8")
        assert base_path(tmp_path, default="KEEP") == expected, text
    assert base_path(tmp_path / "missing") == ""
