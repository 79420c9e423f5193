"""What search engines read, on the mini site built at a pinned time: Google News sitemaps
counted back from the build (SOURCE_DATE_EPOCH), every list page's lastmod, the root page
as the home pages' x-default, and each story's description, section and author (never the
outlet it reports on) in its meta tags and NewsArticle JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import write
from lxml import etree
from lxml import html as lxml_html

from khabar import sitemap
from khabar.build import build, load
from khabar.errors import CommandError

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
BASE = "https://news.example.net/briefing/"
TEHRAN = timedelta(hours=3, minutes=30)
BUILT = 1732566600  # 2024-11-26T00:00:00+03:30, the day after the newest story
OSLO = 1732633200  # 2024-11-26T18:30:00+03:30: two days after oslo-talks, to the second
LATER = 1795638600  # 2026-11-26T00:00:00+03:30: two years on, every story is old


@pytest.fixture
def built(mini_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Callable[[int], Path]:
    """Build the mini site at a given SOURCE_DATE_EPOCH, each time into a new folder."""
    def at(epoch: int) -> Path:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        out = tmp_path / f"out-{epoch}"
        build(mini_site, out)
        return out
    return at


def news_slugs(out: Path, lang: str) -> list[str]:
    doc = etree.parse(str(out / lang / "sitemap-news.xml"), STRICT).getroot()
    assert doc.tag == SM + "urlset"
    return [(u.findtext(SM + "loc") or "").removeprefix(f"{BASE}{lang}/articles/")
            .removesuffix("/") for u in doc.iter(SM + "url")]


def sitemap_urls(out: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Each <loc>: its lastmod ("" for none) and its hreflang links."""
    doc = etree.parse(str(out / "sitemap.xml"), STRICT).getroot()
    return {u.findtext(SM + "loc") or "": (
        u.findtext(SM + "lastmod") or "",
        {x.get("hreflang"): x.get("href") for x in u.iter(XHTML + "link")})
        for u in doc.iter(SM + "url")}


def meta(page: Path) -> dict[str, list[str]]:
    doc = lxml_html.parse(str(page))
    out: dict[str, list[str]] = {}
    for m in doc.xpath("//head/meta[@property or @name]"):
        out.setdefault(m.get("property") or m.get("name"), []).append(m.get("content"))
    return out


def hreflang(page: Path) -> dict[str, str]:
    doc = lxml_html.parse(str(page))
    return {x.get("hreflang"): x.get("href")
            for x in doc.xpath('//head/link[@rel="alternate"][@hreflang]')}


def json_ld(page: Path) -> dict[str, Any]:
    doc = lxml_html.parse(str(page))
    [script] = doc.xpath('//script[@type="application/ld+json"]')
    data: dict[str, Any] = json.loads(script.text)
    return data


# --- Google News sitemaps ------------------------------------------------------------------

def test_news_sitemaps_count_two_days_back_from_the_build(built: Callable[[int], Path]
                                                          ) -> None:
    out = built(BUILT)
    assert news_slugs(out, "fa") == ["haftar-turkey", "oslo-talks", "turkey-brief"]
    assert news_slugs(out, "en") == ["haftar-turkey", "oslo-talks"]  # turkey-brief: pending
    # two days to the second after oslo-talks: it is still in, the older brief is not
    assert news_slugs(built(OSLO), "fa") == ["haftar-turkey", "oslo-talks"]
    assert news_slugs(built(OSLO + 1), "fa") == ["haftar-turkey"]


def test_two_year_old_stories_are_not_news(built: Callable[[int], Path]) -> None:
    """Counted from the newest story, these were listed whatever the build's date."""
    out = built(LATER)
    for lang in ("fa", "en"):
        assert news_slugs(out, lang) == []
        text = (out / lang / "sitemap-news.xml").read_text("utf-8")
        assert "<url>" not in text and "publication_date" not in text


def test_an_empty_news_sitemap_is_written_and_named(built: Callable[[int], Path]) -> None:
    """Google: an empty news sitemap is no problem; its address stays the one robots.txt
    and Search Console know."""
    out = built(LATER)
    robots = (out / "robots.txt").read_text("utf-8").splitlines()
    for lang in ("fa", "en"):
        doc = etree.parse(str(out / lang / "sitemap-news.xml"), STRICT).getroot()
        assert doc.tag == SM + "urlset" and len(doc) == 0
        assert f"Sitemap: {BASE}{lang}/sitemap-news.xml" in robots


def test_a_build_repeats_byte_for_byte_at_one_epoch(mini_site: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(BUILT))
    build(mini_site, tmp_path / "a")
    build(mini_site, tmp_path / "b")
    for name in ("sitemap.xml", "fa/sitemap-news.xml", "en/sitemap-news.xml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "fa" / "sitemap-news.xml").read_text("utf-8").count("<url>") == 3


def test_build_time_reads_source_date_epoch() -> None:
    assert sitemap.build_time({"SOURCE_DATE_EPOCH": str(BUILT)}) == \
        datetime(2024, 11, 25, 20, 30, tzinfo=UTC)
    assert sitemap.build_time({"SOURCE_DATE_EPOCH": " 0 "}) == datetime(1970, 1, 1, tzinfo=UTC)
    for unset in ({}, {"SOURCE_DATE_EPOCH": ""}):
        assert abs(sitemap.build_time(unset) - datetime.now(UTC)) < timedelta(minutes=1)
    for bad in ("yesterday", "-5", "1.5", "١٧٣٢٥٦٦٦٠٠", "2024-11-26"):
        with pytest.raises(CommandError, match="SOURCE_DATE_EPOCH"):
            sitemap.build_time({"SOURCE_DATE_EPOCH": bad})


def test_a_malformed_epoch_stops_the_build(mini_site: Path, tmp_path: Path, cli: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "last tuesday")
    run = cli("build", "--site", mini_site, "--out", tmp_path / "out")
    assert run.code == 1
    assert "SOURCE_DATE_EPOCH is 'last tuesday'" in run.err
    assert not (tmp_path / "out").exists()


def test_news_sitemaps_above_1000_stories_are_split_under_an_index(mini_site: Path) -> None:
    site = load(mini_site)
    now = datetime(2024, 11, 26, tzinfo=UTC)
    [model] = [s for s in site.stories["fa"] if s.slug == "oslo-talks"]
    many = tuple(replace(model, slug=f"story-{i:04d}", date=now - timedelta(minutes=i))
                 for i in range(1001))
    old = replace(model, slug="old", date=now - timedelta(days=2, seconds=1))
    big = replace(site, stories={**site.stories, "fa": (*many, old)})
    files = dict(sitemap.news_files(big, "fa", now))
    assert list(files) == ["/fa/sitemap-news-1.xml", "/fa/sitemap-news-2.xml",
                           "/fa/sitemap-news.xml"]
    index = etree.fromstring(files["/fa/sitemap-news.xml"], STRICT)
    assert index.tag == SM + "sitemapindex"
    assert [x.text for x in index.iter(SM + "loc")] == [
        BASE + "fa/sitemap-news-1.xml", BASE + "fa/sitemap-news-2.xml"]
    locs: list[str] = []
    for part, size in (("/fa/sitemap-news-1.xml", 1000), ("/fa/sitemap-news-2.xml", 1)):
        doc = etree.fromstring(files[part], STRICT)
        urls = doc.findall(SM + "url")
        assert len(urls) == size
        assert all(u.find(f"{NEWS}news/{NEWS}publication_date") is not None for u in urls)
        locs += [u.findtext(SM + "loc") or "" for u in urls]
    assert locs == [f"{BASE}fa/articles/story-{i:04d}/" for i in range(1001)]  # none cut
    # 1,000 exactly: one plain news sitemap, as before
    small = replace(site, stories={**site.stories, "fa": many[:1000]})
    assert [r for r, _ in sitemap.news_files(small, "fa", now)] == ["/fa/sitemap-news.xml"]
    # and robots.txt names the index, where the one sitemap was
    assert f"Sitemap: {BASE}fa/sitemap-news.xml" in sitemap.robots(big).decode()


def test_news_expiry_is_when_the_first_listed_story_grows_old(mini_site: Path) -> None:
    site = load(mini_site)
    built_at = datetime.fromtimestamp(BUILT, UTC)
    # turkey-brief, 2024-11-24T09:00+03:30, is the oldest listed
    assert sitemap.news_expiry(site, built_at) == \
        datetime(2024, 11, 26, 9, 0, tzinfo=UTC) - TEHRAN
    assert sitemap.news_expiry(site, datetime.fromtimestamp(LATER, UTC)) is None


# --- lastmod --------------------------------------------------------------------------------

def test_every_page_showing_stories_has_a_lastmod(mini_site: Path,
                                                  built: Callable[[int], Path]) -> None:
    # the English version was corrected after its original: its own `updated` counts
    path = mini_site / "content" / "news" / "haftar-turkey.en.md"
    path.write_text(path.read_text("utf-8").replace(
        "date: 2024-11-25\n", "date: 2024-11-25\nupdated: 2024-12-01T10:00\n"), "utf-8")
    urls = sitemap_urls(built(BUILT))
    lastmod = {loc.removeprefix(BASE): mod for loc, (mod, _) in urls.items()}
    assert lastmod.pop("") == ""  # the root page shows no story
    assert all(lastmod.values()), [k for k, v in lastmod.items() if not v]
    fixed = "2024-12-01T10:00:00+03:30"
    assert {k: v for k, v in lastmod.items() if not k.startswith(("fa/articles",
                                                                   "en/articles"))} == {
        "fa/": "2024-11-25T00:00:00+03:30",
        "fa/briefings/": "2024-11-25T00:00:00+03:30",
        "fa/briefings/2024-11-25/": "2024-11-25T00:00:00+03:30",
        "fa/briefings/2024-11-24/": "2024-11-24T18:30:00+03:30",
        "fa/countries/": "2024-11-25T00:00:00+03:30",
        "fa/countries/norway/": "2024-11-24T18:30:00+03:30",
        "fa/countries/turkey/": "2024-11-25T00:00:00+03:30",
        "fa/countries/libya/": "2024-11-25T00:00:00+03:30",
        "fa/countries/libya/page/2/": "2024-11-24T09:00:00+03:30",
        "fa/actors/": "2024-11-25T00:00:00+03:30",
        "fa/actors/khalifa-haftar/": "2024-11-25T00:00:00+03:30",
        "en/": fixed,
        "en/briefings/": fixed,
        "en/briefings/2024-11-25/": fixed,
        "en/briefings/2024-11-24/": "2024-11-24T18:30:00+03:30",
        "en/countries/": fixed,
        "en/countries/norway/": "2024-11-24T18:30:00+03:30",
        "en/countries/turkey/": fixed,
        "en/countries/libya/": fixed,
        "en/countries/libya/page/2/": "2024-11-24T09:00:00+03:30",  # the pending brief
        "en/actors/": fixed,
        "en/actors/khalifa-haftar/": fixed,
    }
    assert lastmod["en/articles/haftar-turkey/"] == fixed
    assert lastmod["fa/articles/haftar-turkey/"] == "2024-11-25T00:00:00+03:30"
    for value in lastmod.values():
        assert datetime.fromisoformat(value).tzinfo is not None


# --- the root page and x-default -----------------------------------------------------------

def test_the_root_is_the_home_pages_x_default_in_the_sitemap(built: Callable[[int], Path]
                                                            ) -> None:
    urls = sitemap_urls(built(BUILT))
    homes = {"en": BASE + "en/", "fa": BASE + "fa/", "x-default": BASE}
    for loc in (BASE, BASE + "fa/", BASE + "en/"):
        assert urls[loc][1] == homes, loc
    # every other set keeps the default language's version as its x-default
    for loc, (_, links) in urls.items():
        if loc not in homes.values() and links:
            assert links["x-default"] == links["fa"] != BASE, loc


def test_the_root_page_declares_the_home_pages_set(built: Callable[[int], Path]) -> None:
    """The page-head half of the sitemap's set: needs render.pages to keep the root's own
    alternates and context.py to make the root the home pages' x-default."""
    out = built(BUILT)
    homes = {"en": BASE + "en/", "fa": BASE + "fa/", "x-default": BASE}
    assert hreflang(out / "index.html") == homes  # not hreflang="fa" for itself
    assert hreflang(out / "fa" / "index.html") == homes
    assert hreflang(out / "en" / "index.html") == homes
    briefings = hreflang(out / "en" / "briefings" / "index.html")
    assert briefings["x-default"] == BASE + "fa/briefings/"


# --- descriptions, section, author ---------------------------------------------------------

@pytest.fixture
def newsroom(mini_site: Path) -> Path:
    """The mini site with a description, a newsroom, a brief with no body and no country,
    and a story with an author of its own."""
    config = mini_site / "site.yaml"
    config.write_text(config.read_text("utf-8") +
                      "description: {fa: خبرهای آزمایشی روز, en: The day's test news}\n"
                      "author: {fa: تحریریه آزمایشی, en: Test Newsroom}\n", "utf-8")
    write(mini_site / "content" / "news" / "title-only.fa.md", """
        ---
        title: حفتر به آنکارا رفت
        date: 2024-11-25T12:00
        kind: brief
        actors: [khalifa-haftar]
        ---
        """)
    oslo = mini_site / "content" / "news" / "oslo-talks.fa.md"
    oslo.write_text(oslo.read_text("utf-8").replace("kind: brief\n",
                                                    "kind: brief\nauthor: Sara Ahmadi\n"),
                    "utf-8")
    return mini_site


def test_a_brief_without_a_body_is_described_by_its_title(
        newsroom: Path, built: Callable[[int], Path]) -> None:
    tags = meta(built(BUILT) / "fa" / "articles" / "title-only" / "index.html")
    assert tags["og:description"] == ["حفتر به آنکارا رفت"]
    assert tags["twitter:description"] == ["حفتر به آنکارا رفت"]


def test_a_brief_without_a_body_has_a_meta_description(
        newsroom: Path, built: Callable[[int], Path]) -> None:
    """Needs render.pages to give an article's page its title where it has no summary."""
    tags = meta(built(BUILT) / "fa" / "articles" / "title-only" / "index.html")
    assert tags["description"] == ["حفتر به آنکارا رفت"]


def test_briefs_with_text_are_described_by_it(newsroom: Path,
                                              built: Callable[[int], Path]) -> None:
    out = built(BUILT)
    brief = meta(out / "fa" / "articles" / "turkey-brief" / "index.html")
    assert brief["og:description"] == brief["description"] == ["خبر کوتاه پیوند و تصویر."]
    home = meta(out / "fa" / "index.html")
    assert home["og:description"] == ["خبرهای آزمایشی روز"]  # the site's, on the site's page


def test_article_section_and_author_tags(newsroom: Path, built: Callable[[int], Path]
                                         ) -> None:
    out = built(BUILT)
    fa = meta(out / "fa" / "articles" / "haftar-turkey" / "index.html")
    assert fa["article:section"] == ["لیبی"]  # first term of the first taxonomy
    assert fa["article:author"] == ["تحریریه آزمایشی"]  # the newsroom, not نگاه نو
    en = meta(out / "en" / "articles" / "haftar-turkey" / "index.html")
    assert en["article:section"] == ["Libya"] and en["article:author"] == ["Test Newsroom"]
    oslo = meta(out / "en" / "articles" / "oslo-talks" / "index.html")
    assert oslo["article:section"] == ["Norway"] and oslo["article:author"] == ["Sara Ahmadi"]
    bare = meta(out / "fa" / "articles" / "title-only" / "index.html")
    assert "article:section" not in bare  # a person is a tag, not a section
    assert bare["article:tag"] == ["خلیفه حفتر"]
    assert "article:section" not in meta(out / "fa" / "index.html")


def test_json_ld_author_is_the_writer_and_the_source_is_what_it_is_based_on(
        newsroom: Path, built: Callable[[int], Path]) -> None:
    out = built(BUILT)
    data = json_ld(out / "fa" / "articles" / "haftar-turkey" / "index.html")
    assert data["author"] == {"@type": "Organization", "name": "تحریریه آزمایشی",
                              "url": BASE + "fa/"}
    assert data["publisher"]["name"] == "خبرنامه آزمایشی"
    assert data["isBasedOn"] == {
        "@type": "CreativeWork", "url": "https://example.org/news?id=1&lang=fa",
        "publisher": {"@type": "Organization", "name": "نگاه نو"}}
    assert "نگاه نو" not in json.dumps(data["author"], ensure_ascii=False)
    assert data["articleSection"] == "لیبی"
    for lang in ("fa", "en"):  # the translation keeps its original's author
        oslo = json_ld(out / lang / "articles" / "oslo-talks" / "index.html")
        assert oslo["author"] == {"@type": "Person", "name": "Sara Ahmadi"}
        assert "isBasedOn" not in oslo


def test_the_newsroom_defaults_to_the_publisher(built: Callable[[int], Path]) -> None:
    """Without `author` in site.yaml the newsroom is the site: the author is the
    publisher, never the source."""
    data = json_ld(built(BUILT) / "en" / "articles" / "haftar-turkey" / "index.html")
    assert data["author"] == data["publisher"] == {
        "@type": "Organization", "name": "Test Briefing", "url": BASE + "en/"}
    assert data["isBasedOn"]["publisher"]["name"] == "نگاه نو"


def test_a_rebuild_after_the_news_window_makes_the_news_sitemaps_again(
        mini_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing changed but the time: the build that would skip everything, or redo only
    an edited body, makes the sitemaps again once a listed story has grown old."""
    out = tmp_path / "out"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(BUILT))
    build(mini_site, out)
    assert news_slugs(out, "fa") == ["haftar-turkey", "oslo-talks", "turkey-brief"]
    assert build(mini_site, out).skipped  # still the same two days: nothing to do
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(OSLO + 1))
    assert not build(mini_site, out).skipped
    assert news_slugs(out, "fa") == ["haftar-turkey"]
    assert build(mini_site, out).skipped
    # a body edit after the next story leaves the window: a full build, not a partial one
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    story = mini_site / "content" / "news" / "oslo-talks.fa.md"
    story.write_text(story.read_text(encoding="utf-8").replace("\n---\n", "\n---\nتازه: ", 1),
                     encoding="utf-8")
    result = build(mini_site, out)
    assert not result.partial and news_slugs(out, "fa") == []
