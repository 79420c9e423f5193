"""Real-browser checks of the built example site: direction, layout, colour schemes, print."""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import pytest
from conftest import ROOT, need_tool
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Request,
    Response,
    Route,
    ViewportSize,
    sync_playwright,
)

from khabar.build import build

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-default-apps", "--disable-extensions",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
FA_HOME, EN_HOME = "/fa/", "/en/"
FA_ARTICLE, EN_ARTICLE = "/fa/articles/haftar-turkey/", "/en/articles/haftar-turkey/"
FA_TERM, EN_TERM = "/fa/countries/turkey/", "/en/countries/turkey/"
PERSIAN_DIGITS = re.compile("[۰-۹]")
ASCII_DIGITS = re.compile("[0-9]")
TOLERANCE = 2.0  # CSS px of slack for edge alignment


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


VIEWPORT: ViewportSize = {"width": 1280, "height": 720}
Scheme = Literal["light", "dark"]


@dataclass
class Site:
    """The served example site and one browser tab shared by this module's tests."""

    url: str
    browser: Browser
    tab: Page | None = None
    external: list[str] = field(default_factory=list)

    def new_tab(self) -> Page:
        """A page in a fresh context that can never reach beyond this site's server."""
        ctx = self.browser.new_context(base_url=self.url, viewport=VIEWPORT)
        ctx.set_default_timeout(5000)  # fail fast when an element is missing
        ctx.route("**/*", self._only_local)
        return ctx.new_page()

    def page(self, path: str, *, width: int = 1280, scheme: Scheme = "light") -> Page:
        """The shared tab, on screen media with the given width and colour scheme, at `path`."""
        if self.tab is None:
            self.tab = self.new_tab()
        self.tab.set_viewport_size({"width": width, "height": 740 if width < 600 else 720})
        self.tab.emulate_media(media="screen", color_scheme=scheme)
        self.tab.goto(path, wait_until="load")
        return self.tab

    def _only_local(self, route: Route) -> None:
        only_local(route, self.url, self.external)


def only_local(route: Route, url: str, external: list[str]) -> None:
    """A request to the served site goes on; any other is noted in `external` and refused,
    so a page that reaches outside fails its test. Shared by the modules that drive a
    browser."""
    if route.request.url.startswith(url + "/"):
        route.continue_()
    else:
        external.append(route.request.url)
        route.abort()


@contextmanager
def serving(folder: Path) -> Iterator[tuple[str, Browser]]:
    """`folder` served on 127.0.0.1 (its address) and Debian's chromium to look at it; both
    stopped afterwards. Shared by every module that drives a browser."""
    chromium = need_tool("chromium")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=CHROMIUM_ARGS)
            try:
                yield f"http://127.0.0.1:{server.server_address[1]}", browser
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    need_tool("chromium")  # before the build: fail fast
    out = tmp_path_factory.mktemp("browser") / "site"
    build(ROOT, out)
    with serving(out) as (url, browser):
        yield Site(url, browser)


def style(page: Page, selector: str, prop: str) -> str:
    value: str = page.eval_on_selector(
        selector, "(el, prop) => getComputedStyle(el).getPropertyValue(prop)", prop)
    return value


def luminance(css_colour: str) -> float:
    """WCAG relative luminance of a computed `rgb()`/`rgba()` colour."""
    channels = [float(c) / 255 for c in re.findall(r"[\d.]+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


# Every rendered line of the h1's text (rects grouped by line), and main's content box.
HEADING_GEOMETRY = """() => {
  const h1 = document.querySelector("main h1");
  const main = document.querySelector("main");
  const range = document.createRange();
  range.selectNodeContents(h1);
  const lines = new Map();
  for (const r of range.getClientRects()) {
    if (r.width === 0) continue;
    const key = Math.round(r.top + r.height / 2);
    const line = [...lines.keys()].find(k => Math.abs(k - key) < r.height / 2);
    const old = lines.get(line ?? key);
    lines.set(line ?? key, old
      ? {left: Math.min(old.left, r.left), right: Math.max(old.right, r.right)}
      : {left: r.left, right: r.right});
  }
  const box = main.getBoundingClientRect(), cs = getComputedStyle(main);
  return {
    lines: [...lines.values()],
    left: box.left + parseFloat(cs.paddingLeft),
    right: box.right - parseFloat(cs.paddingRight),
    width: range.getBoundingClientRect().width,
  };
}"""


@pytest.mark.parametrize(("path", "direction"), [
    (FA_HOME, "rtl"), (FA_ARTICLE, "rtl"), (EN_ARTICLE, "ltr"),
])
def test_direction_and_alignment(site: Site, path: str, direction: str) -> None:
    page = site.page(path)
    assert page.evaluate("document.documentElement.dir") == direction
    assert style(page, "main", "direction") == direction
    geo = page.evaluate(HEADING_GEOMETRY)
    assert geo["width"] > 0 and geo["lines"], "the heading text renders"
    column = geo["right"] - geo["left"]
    assert 300 < column < 1000, geo
    for line in geo["lines"]:
        if direction == "rtl":  # every line starts at the column's right edge
            assert abs(line["right"] - geo["right"]) <= TOLERANCE, geo
        else:
            assert abs(line["left"] - geo["left"]) <= TOLERANCE, geo
    # The last (or only) line is short of the column, so it shows where the ragged edge is.
    last = geo["lines"][-1]
    if direction == "rtl":
        assert last["left"] - geo["left"] > 10, geo
    else:
        assert geo["right"] - last["right"] > 10, geo
    time = page.inner_text("main time")
    if direction == "rtl":
        assert PERSIAN_DIGITS.search(time) and not ASCII_DIGITS.search(time), time
    else:
        assert ASCII_DIGITS.search(time) and not PERSIAN_DIGITS.search(time), time


def test_persian_text_has_width(site: Site) -> None:
    page = site.page(FA_ARTICLE)
    widths = page.evaluate("""() => [...document.querySelectorAll(".body p")].map(p => {
        const r = document.createRange(); r.selectNodeContents(p);
        return r.getBoundingClientRect().width; })""")
    assert widths and all(w > 50 for w in widths), widths


def test_language_switcher_leads_to_persian_twin(site: Site) -> None:
    page = site.page(EN_ARTICLE)
    assert page.evaluate("document.documentElement.dir") == "ltr"
    assert page.evaluate("document.documentElement.lang") == "en"
    with page.expect_navigation():
        page.click(".lang-switch a")
    assert page.evaluate("location.pathname") == FA_ARTICLE
    assert page.evaluate("document.documentElement.lang") == "fa"
    assert page.evaluate("document.documentElement.dir") == "rtl"


# Visible elements whose box sticks out of the viewport sideways (the skip link hides on purpose).
OVERFLOWING = """() => [...document.querySelectorAll("body *:not(.skip)")].filter(el => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && (r.left < -1 || r.right > window.innerWidth + 1);
}).map(el => el.tagName + "." + el.className)"""


@pytest.mark.parametrize("path", [FA_HOME, EN_HOME, FA_TERM, FA_ARTICLE, EN_ARTICLE])
def test_narrow_screen_has_no_horizontal_scroll(site: Site, path: str) -> None:
    page = site.page(path, width=360)
    assert page.evaluate("window.innerWidth") == 360
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], sizes
    assert page.evaluate(OVERFLOWING) == []
    assert page.is_visible(".site-nav")
    for link in page.query_selector_all(".site-nav a"):
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box


@pytest.mark.parametrize("path", [FA_ARTICLE, EN_ARTICLE])
@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_colour_scheme(site: Site, path: str, scheme: Scheme) -> None:
    page = site.page(path, scheme=scheme)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark")
    background = luminance(style(page, "body", "background-color"))
    text = luminance(style(page, "body", "color"))
    heading = luminance(style(page, "main h1", "color"))
    if scheme == "dark":
        assert background < 0.3 and text > 0.5 and heading > 0.5, (background, text, heading)
    else:
        assert background > 0.7 and text < 0.3 and heading < 0.3, (background, text, heading)


@pytest.mark.parametrize("path", [FA_ARTICLE, EN_HOME])
def test_print_hides_navigation(site: Site, path: str) -> None:
    page = site.page(path)
    assert style(page, ".site-nav", "display") != "none"
    page.emulate_media(media="print")
    assert style(page, ".site-nav", "display") == "none"
    assert style(page, ".lang-switch", "display") == "none"
    assert style(page, "main h1", "display") != "none"


def test_print_from_dark_scheme_uses_paper_colours(site: Site) -> None:
    page = site.page(EN_ARTICLE, scheme="dark")
    page.emulate_media(media="print", color_scheme="dark")
    assert luminance(style(page, "body", "background-color")) > 0.7
    assert luminance(style(page, ".meta", "color")) < 0.3
    assert luminance(style(page, ".notice", "background-color")) > 0.7


def isolation(page: Page, selector: str) -> tuple[str, str]:
    return style(page, selector, "direction"), style(page, selector, "unicode-bidi")


def test_persian_runs_isolated_on_english_pages(site: Site) -> None:
    page = site.page(EN_ARTICLE)
    # "original: فارسی": a <bdi lang="fa"> with no dir, so its direction comes from its text.
    assert isolation(page, ".notice bdi[lang=fa]") == ("rtl", "isolate")
    assert isolation(page, ".lang-switch a[lang=fa]") == ("rtl", "isolate")
    assert isolation(page, ".meta bdi") == ("ltr", "isolate")  # the source name
    term = site.page(EN_TERM)
    assert term.inner_text(".twins bdi[lang=fa]") == "ترکیه"
    assert isolation(term, ".twins bdi[lang=fa]") == ("rtl", "isolate")


def test_latin_runs_isolated_on_persian_pages(site: Site) -> None:
    page = site.page(FA_ARTICLE)
    assert isolation(page, ".lang-switch a[lang=en]") == ("ltr", "isolate")
    assert isolation(page, ".meta bdi") == ("rtl", "isolate")  # the source name
    term = site.page(FA_TERM)
    assert term.inner_text(".twins bdi[lang=en]") == "Turkey"
    assert isolation(term, ".twins bdi[lang=en]") == ("ltr", "isolate")
    # Laid out as a whole: the Latin name sits to the left of the Persian label before it.
    boxes = term.evaluate("""() => {
      const p = document.querySelector(".twins"), bdi = p.querySelector("bdi");
      const r = document.createRange(); r.selectNodeContents(p.firstChild);
      return [r.getBoundingClientRect().left, bdi.getBoundingClientRect().right]; }""")
    assert boxes[1] <= boxes[0] + TOLERANCE, boxes


@pytest.mark.parametrize("path", [FA_HOME, FA_ARTICLE, EN_ARTICLE])
def test_no_console_errors_or_failed_requests(site: Site, path: str) -> None:
    page = site.new_tab()
    problems: list[str] = []
    loaded: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            problems.append(f"console {msg.type}: {msg.text}")

    def on_response(resp: Response) -> None:
        loaded.append(resp.url)
        if resp.status >= 400:
            problems.append(f"HTTP {resp.status}: {resp.url}")

    def on_failed(req: Request) -> None:
        problems.append(f"failed: {req.url} ({req.failure})")

    def on_error(err: Error) -> None:
        problems.append(f"page error: {err}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("pageerror", on_error)
    before = len(site.external)
    try:
        page.goto(path, wait_until="networkidle")
        assert problems == []
        assert site.external[before:] == []
        assert any("/assets/style.css" in url for url in loaded), loaded  # listeners were live
        assert style(page, "body", "margin-top") == "0px"  # and the stylesheet applied
    finally:
        page.context.close()


FONTS_IN_USE = """async () => {
  await document.fonts.ready;
  return [...document.fonts].filter(f => f.status === "loaded").map(f => f.family); }"""


@pytest.mark.parametrize(("path", "family", "file"), [
    (FA_ARTICLE, "Vazirmatn", "vazirmatn-33.0.3-arabic-wght.woff2"),
    (EN_ARTICLE, "Source Serif 4", "source-serif-4-5.3.1-latin-wght-normal.woff2")])
def test_the_shipped_fonts_are_the_ones_used(site: Site, path: str, family: str,
                                              file: str) -> None:
    """The theme's own font files load from the site (no request leaves it), the page's
    script gets its font, and that font is preloaded."""
    page = site.new_tab()
    fonts: list[str] = []
    page.on("response", lambda r: fonts.append(r.url) if r.url.endswith(".woff2") else None)
    before = len(site.external)
    try:
        page.goto(path, wait_until="networkidle")
        loaded = page.evaluate(FONTS_IN_USE)
        assert family in [name.strip('"') for name in loaded], loaded
        assert style(page, "h1", "font-family").strip('"').startswith(family)
        assert any(url.endswith(f"/assets/fonts/{file}") for url in fonts), fonts
        assert page.eval_on_selector('link[rel="preload"][as="font"]',
                                     "l => l.href").endswith(file)
        assert site.external[before:] == []
    finally:
        page.context.close()


@pytest.mark.parametrize(("width", "scale", "chosen"), [
    (390, 1, 480), (390, 2, 800), (1280, 1, 800), (1280, 2, 1200)])
def test_the_story_picture_loads_the_right_width(site: Site, width: int, scale: int,
                                                 chosen: int) -> None:
    """srcset and sizes let a phone take the 480-px file and a wide high-density screen
    the 1200-px one; the space is kept before it loads (width and height)."""
    ctx = site.browser.new_context(base_url=site.url, device_scale_factor=scale,
                                   viewport={"width": width, "height": 800})
    ctx.route("**/*", site._only_local)  # nothing leaves the site
    page = ctx.new_page()
    try:
        page.goto(EN_ARTICLE, wait_until="load")
        img = page.wait_for_selector("figure.picture img")
        assert img is not None
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img)
        current = img.evaluate("img => img.currentSrc")
        assert current.endswith(f".{chosen}.png"), current
        box = img.bounding_box()
        assert box is not None and abs(box["height"] / box["width"] - 900 / 1600) < 0.01
    finally:
        ctx.close()


@pytest.mark.parametrize(("scale", "chosen"), [(1, 320), (2, 320), (3, 480)])
def test_a_list_thumbnail_loads_a_small_file(site: Site, scale: int, chosen: int) -> None:
    """A thumbnail is 8rem at most: a phone's 1x or 2x screen takes the 320-px file."""
    ctx = site.browser.new_context(base_url=site.url, device_scale_factor=scale,
                                   viewport={"width": 390, "height": 800})
    ctx.route("**/*", site._only_local)
    page = ctx.new_page()
    try:
        page.goto(EN_HOME, wait_until="load")
        img = page.wait_for_selector("img.thumb")
        assert img is not None
        img.scroll_into_view_if_needed()  # it loads lazily
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img)
        current = img.evaluate("img => img.currentSrc")
        assert f".{chosen}." in current, current
    finally:
        ctx.close()


def test_an_english_page_does_not_download_the_persian_font(site: Site) -> None:
    """Its one Persian word, the language switch's فارسی, is drawn in a system font, and
    Persian pages take only Vazirmatn's Arabic-script subset until Latin letters appear."""
    page = site.new_tab()
    fonts: list[str] = []
    page.on("response", lambda r: fonts.append(r.url) if r.url.endswith(".woff2") else None)
    try:
        page.goto(EN_HOME, wait_until="networkidle")
        assert fonts and not any("vazirmatn" in url for url in fonts), fonts
        fonts.clear()
        page.goto(FA_HOME, wait_until="networkidle")
        assert any(url.endswith("vazirmatn-33.0.3-arabic-wght.woff2") for url in fonts), fonts
        assert not any("source-serif" in url for url in fonts), fonts
    finally:
        page.context.close()


@pytest.mark.parametrize(("path", "current", "value"), [
    (FA_HOME, "/fa/", "page"), (EN_TERM, "/en/countries/", "true"),
    (EN_ARTICLE, None, None)])
def test_navigation_marks_the_current_section(site: Site, path: str, current: str | None,
                                              value: str | None) -> None:
    page = site.page(path)
    marked = page.eval_on_selector_all(
        ".site-nav a[aria-current]", "as => as.map(a => [a.getAttribute('href'), "
        "a.getAttribute('aria-current')])")
    assert marked == ([[current, value]] if current else [])
    if current:
        weight = style(page, ".site-nav a[aria-current]", "font-weight")
        assert int(weight) >= 600


def test_focus_is_visible_when_tabbing(site: Site) -> None:
    page = site.page(EN_HOME)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the site title
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_tag_chips_say_their_kind_to_screen_readers(site: Site) -> None:
    page = site.page(EN_ARTICLE)
    names = page.eval_on_selector_all(
        ".terms a", "as => as.map(a => a.textContent.trim())")
    assert names and all(": " in name for name in names), names  # "Countries: Turkey"
    hidden = page.eval_on_selector(".terms .visually-hidden", "e => e.getBoundingClientRect()"
                                   ".width")
    assert hidden <= 1


def test_print_shows_the_story_address(site: Site) -> None:
    page = site.page(FA_ARTICLE)
    assert style(page, ".print-only", "display") == "none"
    page.emulate_media(media="print")
    assert style(page, ".print-only", "display") == "block"
    assert page.inner_text(".print-only").endswith("/fa/articles/haftar-turkey/")


# --- a site in four languages (tests/sites/polyglot): Arabic right-to-left beside Persian,
# French and English left-to-right ---

AR_HOME, AR_ARTICLE, AR_TERM = "/four/ar/", "/four/ar/articles/haftar-turkey/", \
    "/four/ar/countries/libya/"
ARABIC_INDIC_DIGITS = re.compile("[٠-٩]")


@pytest.fixture(scope="module")
def four(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The four-language fixture site, served under /four/ like its base_url, in the
    browser the example site's tests use."""
    from conftest import SITES
    root = tmp_path_factory.mktemp("four")
    shutil.copytree(SITES / "polyglot", root / "site")
    build(root / "site", root / "www" / "four")
    handler = functools.partial(_QuietHandler, directory=str(root / "www"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}", site.browser)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize("path", [AR_HOME, AR_ARTICLE, AR_TERM])
def test_arabic_lays_out_right_to_left_without_overflow_on_a_phone(four: Site,
                                                                    path: str) -> None:
    page = four.page(path, width=390)
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") \
        == ["ar", "rtl"]
    assert style(page, "main", "direction") == "rtl"
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes == [390, 390], sizes
    assert page.evaluate(OVERFLOWING) == []
    geo = page.evaluate(HEADING_GEOMETRY)
    for line in geo["lines"]:  # the heading starts at the right edge of the column
        assert abs(line["right"] - geo["right"]) <= TOLERANCE, geo
    nav = [link.bounding_box() for link in page.query_selector_all(".site-nav a")]
    assert nav and all(b is not None and b["x"] >= 0 and b["x"] + b["width"] <= 390
                       for b in nav), nav
    first, last = nav[0], nav[-1]  # the first item (Home) is the rightmost on its line
    assert first is not None and last is not None
    assert first["y"] < last["y"] or first["x"] > last["x"], nav
    time = page.inner_text("main time")
    assert ARABIC_INDIC_DIGITS.search(time) and not ASCII_DIGITS.search(time), time


def test_arabic_uses_the_arabic_script_fonts(four: Site) -> None:
    page = four.page(AR_ARTICLE)
    assert "Vazirmatn" in style(page, "body", "font-family")
    assert float(style(page, "body", "line-height").rstrip("px")) > 1.8 * 17


def test_language_switch_leads_to_each_of_the_other_three(four: Site) -> None:
    page = four.page(AR_ARTICLE)
    links = page.query_selector_all(".lang-switch a")
    assert [link.get_attribute("hreflang") for link in links] == ["fa", "en", "fr"]
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=fr]")
    assert page.evaluate("location.pathname") == "/four/fr/articles/haftar-turkey/"
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") \
        == ["fr", "ltr"]
    assert [a.get_attribute("hreflang") for a in page.query_selector_all(".lang-switch a")] \
        == ["fa", "en", "ar"]
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=ar]")
    assert page.evaluate("location.pathname") == AR_ARTICLE
