"""Every kind of page of the example site, in both languages, in a real browser: axe-core
finds nothing (of any impact) at phone and desktop widths in light and dark schemes, nothing
scrolls sideways on a phone, the keyboard reaches every story on the home page with a visible
focus ring, and full-page screenshots land in _screenshots/ for a person to look at."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
from conftest import ROOT
from playwright.sync_api import Page
from test_browser import (
    OVERFLOWING,
    Scheme,
    Site,
    site,  # noqa: F401  (the served example site and its browser)
)

KINDS = {
    "home": "/{lang}/",
    "story": "/{lang}/articles/haftar-turkey/",
    "brief": "/{lang}/articles/us-embassy-kyiv-closed/",
    "term": "/{lang}/countries/turkey/",
    "taxonomy": "/{lang}/countries/",
    "briefing": "/{lang}/briefings/2024-11-23/",
    "briefings": "/{lang}/briefings/",
    "404": "/{lang}/404.html",
}
# (name, path): "fa-home" is /fa/, "root-home" the language choice at /, "root-404" /404.html.
PAGES = [(f"{lang}-{kind}", path.format(lang=lang))
         for lang in ("fa", "en") for kind, path in KINDS.items()]
PAGES += [("root-home", "/"), ("root-404", "/404.html"),
          ("en-bilingual", "/en/articles/haftar-turkey/bilingual/"), ("fa-search", "/fa/search/")]
PAGE_IDS = [name for name, _ in PAGES]
WIDTHS = (390, 1280)
SCHEMES: tuple[Scheme, ...] = ("light", "dark")
COMBOS = [(width, scheme) for width in WIDTHS for scheme in SCHEMES]
SHOTS = ROOT / "_screenshots"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# axe-core as bundled by the axe-playwright-python package (read as a file: the package's
# own wrapper adds nothing here and has no type information).
AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
# Every rule axe runs by default (WCAG A/AA/AAA-where-default and best practices), every
# impact; only what a failure report needs comes back.
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), impact: n.impact,
                              summary: (n.failureSummary || "").replace(/\\s+/g, " ").trim()}))
  }));
}"""


@pytest.fixture(scope="module")
def pages(request: pytest.FixtureRequest) -> Site:
    """test_browser's `site` fixture (built, served, one browser and one shared tab)."""
    served: Site = request.getfixturevalue("site")
    return served


def visit(pages: Site, path: str, *, width: int = 1280, scheme: Scheme = "light") -> Page:
    """The shared tab at `path`, which must have been served (not a 404 from the server)."""
    page = pages.page(path, width=width, scheme=scheme)
    status = page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
    assert status == 200, f"{path}: HTTP {status}"
    return page


# Once the fonts are in and any image that is loading (a new srcset pick after a resize).
SETTLED = """async () => {
  await document.fonts.ready;
  await Promise.all([...document.images].filter(i => !i.complete && i.loading !== "lazy")
    .map(i => new Promise(done => { i.addEventListener("load", done);
                                    i.addEventListener("error", done); })));
  return [window.innerWidth, matchMedia("(prefers-color-scheme: dark)").matches];
}"""


def each_combo(pages: Site, path: str) -> Iterator[tuple[int, Scheme, Page]]:
    """The shared tab at `path`, loaded once, in each width and colour scheme in turn
    (resizing and re-emulating a static page is what reloading it would give, and faster)."""
    page = visit(pages, path)
    for width, scheme in COMBOS:
        page.set_viewport_size({"width": width, "height": 740 if width < 600 else 720})
        page.emulate_media(media="screen", color_scheme=scheme)
        assert page.evaluate(SETTLED) == [width, scheme == "dark"], (path, width, scheme)
        yield width, scheme, page


@pytest.mark.parametrize(("name", "path"), PAGES, ids=PAGE_IDS)
def test_axe_finds_no_violation_of_any_impact(pages: Site, name: str, path: str) -> None:
    # (rule, impact, help, target, summary) -> the width/scheme combinations it fails in
    found: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
    for width, scheme, page in each_combo(pages, path):
        if not page.evaluate("typeof axe === 'object'"):
            page.evaluate(AXE_SOURCE)
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
        for v in violations:
            for node in v["nodes"]:
                key = (v["id"], node["impact"] or v["impact"], v["help"], node["target"],
                       node["summary"])
                found[key].append(f"{width}/{scheme}")
    report = [f"{rule} ({impact}) at {target} [{', '.join(where)}]: {help_}. {summary}"
              for (rule, impact, help_, target, summary), where in sorted(found.items())]
    assert not report, f"axe on {name} ({path}):\n  " + "\n  ".join(report)


@pytest.mark.parametrize(("name", "path"), PAGES, ids=PAGE_IDS)
def test_no_horizontal_overflow_on_a_phone(pages: Site, name: str, path: str) -> None:
    page = visit(pages, path, width=390)
    assert page.evaluate("window.innerWidth") == 390
    scroll, client = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, (
        f"{name} ({path}) scrolls sideways at 390px: scrollWidth {scroll} > clientWidth "
        f"{client}; sticking out: {page.evaluate(OVERFLOWING)}")


# The story links of main that a reader can see, remembered for FOCUSED to look up.
STORY_LINKS = """() => {
  window.__khabarStories = [...document.querySelectorAll('main a[href*="/articles/"]')]
    .filter(a => a.checkVisibility({opacityProperty: true, visibilityProperty: true})
                 && a.getBoundingClientRect().width > 0);
  return window.__khabarStories.map(a => a.getAttribute("href") + " “"
                                         + a.textContent.trim().slice(0, 40) + "”");
}"""
# What has the focus: its index among the story links (-1: another element), a description,
# and whether it shows a focus indicator (an outline or a box shadow).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow !== "none";
  return {
    story: window.__khabarStories.indexOf(el),
    what: el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
          + (el.getAttribute("href") ? "[href=" + el.getAttribute("href") + "]" : ""),
    indicator: outline || shadow,
  };
}"""
MAX_TABS = 300


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["/fa/", "/en/"])
def test_keyboard_reaches_every_story_with_a_visible_focus(pages: Site, path: str,
                                                           width: int) -> None:
    page = visit(pages, path, width=width)
    stories: list[str] = page.evaluate(STORY_LINKS)
    assert stories, f"{path} shows no story link in main"
    reached: set[int] = set()
    unmarked: list[str] = []
    focused = 0
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info is None:
            if focused:  # past the last focusable element: the whole cycle is done
                break
            continue
        focused += 1
        if info["story"] >= 0:
            reached.add(info["story"])
        if not info["indicator"] and info["what"] not in unmarked:
            unmarked.append(info["what"])
    assert focused > len(stories), f"{path}: Tab focused only {focused} elements"
    missed = [stories[i] for i in range(len(stories)) if i not in reached]
    assert not missed, f"{path} at {width}px: Tab never reached {missed}"
    assert not unmarked, f"{path} at {width}px: focused without an outline or shadow: {unmarked}"


def test_screenshots_of_every_page_kind(pages: Site) -> None:
    """Full-page screenshots for review, e.g. _screenshots/fa-home-390-light.png."""
    SHOTS.mkdir(exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    expected: list[str] = []
    for name, path in PAGES:
        for width, scheme, page in each_combo(pages, path):
            file = SHOTS / f"{name}-{width}-{scheme}.png"
            page.screenshot(path=file, full_page=True, animations="disabled")
            expected.append(file.name)
    for file_name in expected:
        data = (SHOTS / file_name).read_bytes()
        assert data.startswith(PNG_SIGNATURE), file_name
        shot_width = int.from_bytes(data[16:20], "big")  # IHDR width
        assert shot_width == int(file_name.split("-")[-2]), (file_name, shot_width)
    assert len(expected) == len(PAGES) * len(COMBOS) == 80  # 20 pages, 2 widths, 2 schemes
    assert sorted(p.name for p in SHOTS.glob("*.png")) == sorted(expected)
