"""`khabar serve`: a real server on a free port, real file edits, real rebuilds."""

from __future__ import annotations

import queue
import shutil
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from khabar.serve import EVENTS, BuildState, inject
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


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A copy of the mini site being served; yields (site folder, base URL)."""
    site = tmp_path / "mini"
    shutil.copytree(SITES / "mini", site)
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
