"""Sitemaps: they parse, every <loc> is a written page, every hreflang pair is reciprocal,
news sitemaps hold the last two days, robots.txt names them all."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FEEDS_SITE, ROOT
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
def test_news_sitemaps_parse_and_name_written_pages(sites: dict[str, Path], which: str
                                                    ) -> None:
    """Built at the clock's time, long after their stories: empty, but sitemaps still."""
    root, base = sites[which], BASES[which]
    for lang in ("fa", "en"):
        doc = etree.parse(str(root / lang / "sitemap-news.xml"), STRICT).getroot()
        assert doc.tag == SM + "urlset"
        for u in doc.findall(SM + "url"):
            assert file_of(root, u.findtext(SM + "loc") or "", base).is_file()


@pytest.mark.parametrize("site_dir", [ROOT, FEEDS_SITE], ids=["example", "fixture"])
def test_news_sitemaps_hold_the_two_days_before_the_build(site_dir: Path) -> None:
    site = load(site_dir)
    newest = max(s.date for ss in site.stories.values() for s in ss)
    files = dict(sitemap.files(site, pages(site), now=newest))
    for lang in ("fa", "en"):
        doc = etree.fromstring(files[f"/{lang}/sitemap-news.xml"], STRICT)
        urls = doc.findall(SM + "url")
        assert urls
        stamps = [datetime.fromisoformat(u.findtext(f"{NEWS}news/{NEWS}publication_date") or "")
                  for u in urls]
        assert all(s.tzinfo is not None for s in stamps)
        assert all(newest - timedelta(days=2) <= s <= newest for s in stamps)
        for u in urls:
            loc = u.findtext(SM + "loc") or ""
            assert f"/{lang}/articles/" in loc
            assert u.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language") == lang
            assert u.findtext(f"{NEWS}news/{NEWS}title")
    if site_dir == FEEDS_SITE:
        fixture = etree.fromstring(files["/en/sitemap-news.xml"], STRICT)
        slugs = [(u.findtext(SM + "loc") or "").rsplit("/", 2)[1]
                 for u in fixture.iter(SM + "url")]
        # built at 2024-12-10 09:00: libya-vote (12-08 10:00) is inside the window, the
        # pending translation is not
        assert slugs == ["hostile", "tehran-talks", "libya-vote"]
        later = dict(sitemap.files(site, pages(site), now=newest + timedelta(days=1)))
        slugs = [(u.findtext(SM + "loc") or "").rsplit("/", 2)[1] for u in etree.fromstring(
            later["/en/sitemap-news.xml"], STRICT).iter(SM + "url")]
        assert slugs == ["hostile", "tehran-talks"]  # a day later libya-vote is out
        gone = dict(sitemap.files(site, pages(site), now=newest + timedelta(days=3)))
        assert etree.fromstring(gone["/en/sitemap-news.xml"], STRICT).findall(SM + "url") \
            == []


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
