"""Sitemaps: they parse, every <loc> is a written page, every hreflang pair is reciprocal,
news sitemaps hold the last two days, robots.txt names them all."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FEEDS_SITE
from lxml import etree

from khabar import sitemap
from khabar.build import build, load
from khabar.render import pages
from khabar.urls import output_path

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
BASES = {"example": "https://example.org/", "fixture": "https://news.example.net/sub/"}


@pytest.fixture(scope="session")
def sites(built_sites: dict[str, Path]) -> dict[str, Path]:
    return built_sites


def file_of(root: Path, url: str, base: str) -> Path:
    assert url.startswith(base), url
    return root / output_path("/" + url[len(base):])


@pytest.mark.parametrize("which", ["example", "fixture"])
def test_every_loc_exists_and_hreflang_is_reciprocal(sites: dict[str, Path], which: str
                                                     ) -> None:
    root, base = sites[which], BASES[which]
    doc = etree.parse(str(root / "sitemap.xml"), STRICT).getroot()
    assert doc.tag == SM + "urlset"
    alternates: dict[str, dict[str, str]] = {}
    for url in doc.iter(SM + "url"):
        loc = url.findtext(SM + "loc") or ""
        assert file_of(root, loc, base).is_file(), loc
        links = {x.get("hreflang"): x.get("href") for x in url.iter(XHTML + "link")}
        assert loc not in alternates, f"{loc} listed twice"
        alternates[loc] = links
        lastmod = url.findtext(SM + "lastmod")
        if lastmod:
            assert datetime.fromisoformat(lastmod).tzinfo is not None
    assert len(alternates) > 10
    paired = 0
    for loc, links in alternates.items():
        if not links:
            continue
        assert loc in links.values(), f"{loc} does not list itself"
        assert "x-default" in links
        for code, href in links.items():
            if code == "x-default":
                continue
            assert href in alternates, f"{href} (from {loc}) is not in the sitemap"
            assert alternates[href] == links, f"{loc} and {href} disagree"
            paired += 1
    assert paired > 10
    # every page that is written and indexable is in the sitemap
    written = {base + p.relative_to(root).as_posix().removesuffix("index.html")
               for p in root.rglob("index.html")
               if '<meta name="robots" content="noindex">' not in p.read_text("utf-8")}
    assert written == set(alternates)


def test_pending_pages_are_not_in_the_sitemap(sites: dict[str, Path]) -> None:
    text = (sites["fixture"] / "sitemap.xml").read_text("utf-8")
    assert "/en/articles/iran-budget/" not in text
    assert "https://news.example.net/sub/fa/articles/iran-budget/" in text
    assert "hreflang=\"en\" href=\"https://news.example.net/sub/en/articles/iran-budget/" \
        not in text


@pytest.mark.parametrize("which", ["example", "fixture"])
def test_news_sitemaps_hold_the_last_two_days(sites: dict[str, Path], which: str) -> None:
    root, base = sites[which], BASES[which]
    for lang in ("fa", "en"):
        doc = etree.parse(str(root / lang / "sitemap-news.xml"), STRICT).getroot()
        urls = doc.findall(SM + "url")
        assert urls
        stamps = [datetime.fromisoformat(u.findtext(f"{NEWS}news/{NEWS}publication_date") or "")
                  for u in urls]
        assert all(s.tzinfo is not None for s in stamps)
        assert max(stamps) - min(stamps) <= timedelta(days=2)
        for u in urls:
            assert file_of(root, u.findtext(SM + "loc") or "", base).is_file()
            assert u.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language") == lang
            assert u.findtext(f"{NEWS}news/{NEWS}title")
    fixture = etree.parse(str(sites["fixture"] / "en" / "sitemap-news.xml")).getroot()
    slugs = [(u.findtext(SM + "loc") or "").rsplit("/", 2)[1] for u in fixture.iter(SM + "url")]
    # newest 2024-12-10 09:00; libya-vote (12-08 10:00) is inside the window, no pending
    assert slugs == ["hostile", "tehran-talks", "libya-vote"]


def test_robots_names_every_sitemap(sites: dict[str, Path]) -> None:
    root = sites["fixture"]
    lines = (root / "robots.txt").read_text("utf-8").splitlines()
    maps = [line.split(": ", 1)[1] for line in lines if line.startswith("Sitemap: ")]
    assert maps == ["https://news.example.net/sub/sitemap.xml",
                    "https://news.example.net/sub/fa/sitemap-news.xml",
                    "https://news.example.net/sub/en/sitemap-news.xml"]
    for url in maps:
        assert file_of(root, url, BASES["fixture"]).is_file()


def test_large_sites_get_a_sitemap_index() -> None:
    site = load(FEEDS_SITE)
    specs = pages(site)
    files = dict(sitemap.files(site, specs, max_urls=5))
    index = etree.fromstring(files["/sitemap.xml"], STRICT)
    assert index.tag == SM + "sitemapindex"
    parts = [urlsplit(x.text or "").path.removeprefix("/sub") for x in index.iter(SM + "loc")]
    assert parts == [f"/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    locs: list[str] = []
    for part in parts:
        doc = etree.fromstring(files[part], STRICT)
        found = [x.text or "" for x in doc.iter(SM + "loc")]
        assert 0 < len(found) <= 5
        locs += found
    whole = etree.fromstring(sitemap.urlset(sitemap.locations(site, specs)), STRICT)
    assert locs == [x.text for x in whole.iter(SM + "loc")]


def test_a_static_robots_txt_wins(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(FEEDS_SITE, site)
    (site / "static").mkdir()
    (site / "static" / "robots.txt").write_text("User-agent: *\nDisallow: /\n", "utf-8")
    build(site, tmp_path / "out")
    assert (tmp_path / "out" / "robots.txt").read_text("utf-8").endswith("Disallow: /\n")
