"""Feeds are read by parsers and feed readers, not by eye: every RSS, Atom and JSON feed of
the example site and of tests/sites/feeds_site must parse strictly, validate, and arrive
intact in a real reader (newsboat)."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import jinja2
import pytest
from conftest import FEEDS_SITE, ROOT, need_tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from khabar import feeds
from khabar.build import build, load
from khabar.render import SiteView, derive, environment

RNG = ROOT / "tests" / "data" / "atom.rng"
ATOM = "{http://www.w3.org/2005/Atom}"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
HOSTILE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="session")
def sites(built_sites: dict[str, Path]) -> dict[str, Path]:
    return built_sites


@pytest.fixture(scope="module")
def fixture_site(sites: dict[str, Path]) -> Path:
    return sites["fixture"]


def feed_files(root: Path, name: str) -> list[Path]:
    return sorted(root.rglob(name))


@pytest.mark.parametrize("which", ["example", "fixture"])
def test_every_feed_parses_strictly(sites: dict[str, Path], which: str) -> None:
    root = sites[which]
    xml = feed_files(root, "feed.xml") + feed_files(root, "atom.xml")
    assert len(xml) >= 4
    for path in xml:
        etree.parse(str(path), STRICT)  # raises on anything not well-formed
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.version in ("rss20", "atom10"), path


@pytest.mark.parametrize("which", ["example", "fixture"])
def test_atom_validates_against_rfc4287_schema(sites: dict[str, Path], which: str) -> None:
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    atoms = feed_files(sites[which], "atom.xml")
    assert atoms
    for path in atoms:
        doc = etree.parse(str(path), STRICT)
        assert schema.validate(doc), (path, schema.error_log)


@pytest.mark.parametrize("which", ["example", "fixture"])
def test_jing_validates_atom_against_rfc4287_schema(sites: dict[str, Path], which: str) -> None:
    """A second, independent RELAX NG validator (Debian's jing) agrees with lxml's."""
    jing = need_tool("jing")
    atoms = feed_files(sites[which], "atom.xml")
    assert atoms
    run = subprocess.run([jing, str(RNG), *map(str, atoms)], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_schema_rejects_an_invalid_atom_feed() -> None:
    """The hand-written schema is not vacuous: a feed without id and updated fails it."""
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    bad = etree.fromstring(b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    assert not schema.validate(bad)
    worse = etree.fromstring(
        b'<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>x</title>'
        b'<updated>yesterday</updated></feed>')
    assert not schema.validate(worse)


@pytest.mark.parametrize("which", ["example", "fixture"])
def test_json_feeds_have_the_required_fields(sites: dict[str, Path], which: str) -> None:
    paths = feed_files(sites[which], "feed.json")
    assert paths
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        assert isinstance(doc["title"], str) and doc["title"]
        assert isinstance(doc["items"], list)
        assert doc["feed_url"].endswith(str(path.relative_to(sites[which])))
        for item in doc["items"]:
            assert isinstance(item["id"], str) and item["id"]
            assert item.get("content_html") or item.get("content_text")
            assert datetime.fromisoformat(item["date_published"]).tzinfo is not None
            assert item["language"] == doc["language"]


@pytest.mark.parametrize("which", ["example", "fixture"])
def test_feeds_at_the_contract_urls(sites: dict[str, Path], which: str) -> None:
    """Each language and each term page (in each language) has its three feeds."""
    root = sites[which]
    site = load(ROOT if which == "example" else FEEDS_SITE)
    for lang in site.config.codes:
        for name in ("feed.xml", "atom.xml", "feed.json"):
            assert (root / lang / name).is_file()
        for tax in site.config.taxonomies:
            for term_page in (root / lang / tax.key).glob("*/index.html"):
                for name in ("feed.xml", "atom.xml", "feed.json"):
                    assert (term_page.parent / name).is_file(), term_page
    assert (root / "feeds.opml").is_file()


def _rss(path: Path) -> etree._Element:
    return etree.parse(str(path), STRICT).getroot()


def test_limit_pending_and_order(fixture_site: Path) -> None:
    fa = feedparser.parse((fixture_site / "fa" / "feed.xml").read_bytes())
    en = feedparser.parse((fixture_site / "en" / "feed.xml").read_bytes())
    assert len(fa.entries) == 3 == len(en.entries)  # feeds: {items: 3}
    assert [e.link.rsplit("/", 2)[1] for e in en.entries] == [
        "hostile", "tehran-talks", "libya-vote"]
    # iran-budget and iraq-only have no English text: pending, in no English feed
    for path in (fixture_site / "en").rglob("feed.json"):
        text = path.read_text(encoding="utf-8")
        assert "iran-budget" not in text and "iraq-only" not in text
    iran = json.loads((fixture_site / "en/countries/iran/feed.json").read_text("utf-8"))
    assert [i["id"].rsplit("/", 2)[1] for i in iran["items"]] == ["tehran-talks"]


def test_a_feed_with_zero_items_is_valid(fixture_site: Path) -> None:
    """The English Iraq page lists only a pending story: its feeds have no entries."""
    folder = fixture_site / "en" / "countries" / "iraq"
    rss = feedparser.parse((folder / "feed.xml").read_bytes())
    atom = feedparser.parse((folder / "atom.xml").read_bytes())
    assert rss.bozo == 0 and atom.bozo == 0
    assert rss.entries == [] and atom.entries == []
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    assert schema.validate(etree.parse(str(folder / "atom.xml"), STRICT))
    assert json.loads((folder / "feed.json").read_text("utf-8"))["items"] == []


def test_links_are_absolute_and_ids_are_permalinks(fixture_site: Path) -> None:
    base = "https://news.example.net/sub/"
    for name in ("feed.xml", "atom.xml"):
        for lang in ("fa", "en"):
            parsed = feedparser.parse((fixture_site / lang / name).read_bytes())
            for e in parsed.entries:
                assert e.link.startswith(base + lang + "/articles/")
                assert e.id == e.link
    rss = _rss(fixture_site / "fa" / "feed.xml")
    for guid in rss.iter("guid"):
        assert guid.get("isPermaLink") == "true"


def test_rebuilds_are_byte_identical(tmp_path: Path, fixture_site: Path) -> None:
    """No build clock anywhere: a second build writes the same feeds, OPML and sitemaps."""
    again = tmp_path / "again"
    build(FEEDS_SITE, again)
    for path in sorted(fixture_site.rglob("*")):
        if path.suffix in (".xml", ".json", ".opml", ".txt"):
            assert (again / path.relative_to(fixture_site)).read_bytes() == path.read_bytes(), path


def test_dates_carry_offsets(fixture_site: Path) -> None:
    rss = _rss(fixture_site / "fa" / "feed.xml")
    dates = [d.text or "" for d in rss.iter("pubDate", "lastBuildDate")]
    assert dates
    for text in dates:
        assert re.search(r" [+-]\d{4}$", text), text
        assert parsedate_to_datetime(text).tzinfo is not None
    assert rss.findtext("channel/lastBuildDate") == "Tue, 10 Dec 2024 12:30:00 +0330"
    atom = etree.parse(str(fixture_site / "fa" / "atom.xml"), STRICT).getroot()
    stamps = [el.text or "" for el in atom.iter(ATOM + "updated", ATOM + "published")]
    for text in stamps:
        assert re.search(r"[+-]\d{2}:\d{2}$|Z$", text), text
        assert datetime.fromisoformat(text).tzinfo is not None
    assert atom.findtext(ATOM + "updated") == "2024-12-10T12:30:00+03:30"


def test_language_of_channel_and_entries(fixture_site: Path) -> None:
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for lang in ("fa", "en"):
        assert _rss(fixture_site / lang / "feed.xml").findtext("channel/language") == lang
        atom = etree.parse(str(fixture_site / lang / "atom.xml"), STRICT).getroot()
        assert atom.get(xml_lang) == lang
        entries = atom.findall(ATOM + "entry")
        assert entries and all(e.get(xml_lang) == lang for e in entries)
        doc = json.loads((fixture_site / lang / "feed.json").read_text("utf-8"))
        assert doc["language"] == lang


def test_categories_provenance_and_other_language(fixture_site: Path) -> None:
    atom = feedparser.parse((fixture_site / "en" / "atom.xml").read_bytes())
    by_slug = {e.link.rsplit("/", 2)[1]: e for e in atom.entries}
    hostile, talks, vote = by_slug["hostile"], by_slug["tehran-talks"], by_slug["libya-vote"]
    terms = {(t.term, t.scheme) for t in talks.tags}
    base = "https://news.example.net/sub/en/"
    assert {("iran", base + "countries/"), ("turkey", base + "countries/"),
            ("reviewed", feeds.TRANSLATION_SCHEME)} <= terms
    assert ("machine", feeds.TRANSLATION_SCHEME) in {(t.term, t.scheme) for t in hostile.tags}
    assert ("erdogan", base + "actors/") in {(t.term, t.scheme) for t in hostile.tags}
    fa_links = [link.href for link in hostile.links if link.get("hreflang") == "fa"
                and link.rel == "related"]
    assert fa_links == ["https://news.example.net/sub/fa/articles/hostile/"]
    assert "argostranslate" in hostile.content[0].value
    assert "The original has changed" in vote.content[0].value  # stale
    rss = feedparser.parse((fixture_site / "en" / "feed.xml").read_bytes())
    assert any(t.term == "machine" for t in rss.entries[0].tags)
    doc = json.loads((fixture_site / "en" / "feed.json").read_text("utf-8"))
    ext = doc["items"][0]["_khabar"]
    assert ext["translation"]["status"] == "machine"
    assert ext["translation"]["engine"] == "argostranslate 1.11.0"
    assert ext["original"] == {"language": "fa",
                               "url": "https://news.example.net/sub/fa/articles/hostile/"}
    assert doc["items"][1]["_khabar"]["translation"]["status"] == "reviewed"
    # the Persian side links its published English version, and no pending one
    fa = json.loads((fixture_site / "fa" / "feed.json").read_text("utf-8"))
    fa_items = {i["id"].rsplit("/", 2)[1]: i for i in fa["items"]}
    assert fa_items["hostile"]["_khabar"]["versions"] == [
        {"language": "en", "url": "https://news.example.net/sub/en/articles/hostile/"}]
    fa_all = json.loads((fixture_site / "fa/countries/iran/feed.json").read_text("utf-8"))
    budget = next(i for i in fa_all["items"] if "iran-budget" in i["id"])
    assert "versions" not in budget["_khabar"]


def test_hostile_titles_arrive_intact(fixture_site: Path) -> None:
    """`&<>"'` and `]]>` survive every format; U+0001 and U+202E are removed."""
    for lang, word in (("fa", "خبر"), ("en", "news")):
        expected = f"&<>\"' ]]> </script> {word}"
        for name in ("feed.xml", "atom.xml"):
            parsed = feedparser.parse((fixture_site / lang / name).read_bytes())
            title = parsed.entries[0].title
            assert title.endswith(expected), (name, title)
            assert not HOSTILE.search(title)
        doc = json.loads((fixture_site / lang / "feed.json").read_text("utf-8"))
        assert doc["items"][0]["title"].endswith(expected)
        assert not HOSTILE.search(json.dumps(doc, ensure_ascii=False))
    raw = (fixture_site / "fa" / "feed.xml").read_text("utf-8")
    assert "\x01" not in raw and "\u202e" not in raw and "]]>" not in raw
    title = feedparser.parse((fixture_site / "fa" / "feed.xml").read_bytes()).feed.title
    assert title == "خبرنامه آزمایشی & <دوستان>"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(min_size=1, max_size=40), summary=st.text(max_size=40),
       body=st.text(max_size=40))
def test_any_text_makes_well_formed_feeds(title: str, summary: str, body: str) -> None:
    """Whatever reaches a story (controls, surrogates, bidi overrides, markup), every feed
    format stays well-formed: the feed stage cleans and escapes on its own."""
    site = _fixture_view()
    stories = dict(site.stories)
    fa = list(stories["fa"])
    fa[0] = replace(fa[0], title=title, summary=summary, html=body)
    stories["fa"] = tuple(fa)
    view = derive(site.config, stories, site.urls)
    env = _env()
    catalogue = [f for f in feeds.catalogue(view) if f.lang == "fa" and f.taxonomy is None]
    for feed in catalogue:
        for kind in feeds.KINDS:
            data = feeds.render_feed(feed, kind, env, view.words["fa"].plain)
            if kind == "json":
                json.loads(data)
            else:
                etree.fromstring(data, STRICT)
                assert feedparser.parse(data).bozo == 0


@functools.cache
def _fixture_view() -> SiteView:
    return load(FEEDS_SITE)


@functools.cache
def _env() -> jinja2.Environment:
    return environment(FEEDS_SITE)


def test_summary_mode(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(FEEDS_SITE, site)
    yaml = (site / "site.yaml").read_text("utf-8").replace(
        "items: 3", "items: 3\n  content: summary")
    (site / "site.yaml").write_text(yaml, "utf-8")
    build(site, tmp_path / "out")
    rss = _rss(tmp_path / "out" / "fa" / "feed.xml")
    assert rss.find("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded") is None
    atom = feedparser.parse((tmp_path / "out" / "en" / "atom.xml").read_bytes())
    assert "content" not in atom.entries[0]
    assert "Summary with &amp; and &lt;b&gt;marks" in atom.entries[0].summary  # HTML
    assert "Machine translation" in atom.entries[0].summary
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    assert schema.validate(etree.parse(str(tmp_path / "out" / "en" / "atom.xml"), STRICT))


def test_term_feeds_carry_summaries_unless_told(fixture_site: Path, tmp_path: Path) -> None:
    encoded = "channel/item/{http://purl.org/rss/1.0/modules/content/}encoded"
    assert _rss(fixture_site / "fa" / "feed.xml").find(encoded) is not None
    term = _rss(fixture_site / "fa" / "countries" / "turkey" / "feed.xml")
    assert term.find("channel/item") is not None and term.find(encoded) is None
    term_json = json.loads((fixture_site / "fa" / "countries" / "turkey" / "feed.json")
                           .read_text("utf-8"))
    whole = json.loads((fixture_site / "fa" / "feed.json").read_text("utf-8"))
    by_id = {i["id"]: i["content_html"] for i in whole["items"]}
    shared = [i for i in term_json["items"] if i["id"] in by_id]
    assert shared and all(len(i["content_html"]) <= len(by_id[i["id"]]) for i in shared)
    assert any(len(i["content_html"]) < len(by_id[i["id"]]) for i in shared)

    site = tmp_path / "site"
    shutil.copytree(FEEDS_SITE, site)
    yaml = (site / "site.yaml").read_text("utf-8").replace("items: 3", "items: 3\n  terms: full")
    (site / "site.yaml").write_text(yaml, "utf-8")
    build(site, tmp_path / "out")
    assert _rss(tmp_path / "out" / "fa" / "countries" / "turkey" / "feed.xml").find(
        encoded) is not None


def test_site_without_articles(tmp_path: Path) -> None:
    site = tmp_path / "empty"
    (site / "content").mkdir(parents=True)
    (site / "site.yaml").write_text(
        "title: {fa: تهی, en: Empty}\nbase_url: https://e.example/\n"
        "languages:\n  fa: {name: فارسی, dir: rtl}\n  en: {name: English, dir: ltr, "
        "translate_from: fa}\n", "utf-8")
    out = tmp_path / "out"
    build(site, out)
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    for lang in ("fa", "en"):
        assert feedparser.parse((out / lang / "feed.xml").read_bytes()).bozo == 0
        assert schema.validate(etree.parse(str(out / lang / "atom.xml"), STRICT))
        assert json.loads((out / lang / "feed.json").read_text("utf-8"))["items"] == []


# -- discovery -------------------------------------------------------------------------

def _head_feeds(page: Path) -> list[tuple[str, str]]:
    html = page.read_text("utf-8")
    return re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">',
                      html)


def test_every_page_links_its_feeds(fixture_site: Path) -> None:
    pages = sorted(fixture_site.rglob("index.html"))
    assert pages
    for page in pages:
        rel = page.relative_to(fixture_site).as_posix()
        lang = rel.split("/")[0] if rel != "index.html" else "fa"
        links = _head_feeds(page)
        types = [t for t, _ in links]
        assert types[-3:] == ["application/rss+xml", "application/atom+xml",
                              "application/feed+json"], rel
        assert links[-3][1] == f"/sub/{lang}/feed.xml", rel
    term = fixture_site / "en" / "countries" / "turkey" / "index.html"
    links = _head_feeds(term)
    assert links[0] == ("application/rss+xml", "/sub/en/countries/turkey/feed.xml")
    assert links[1] == ("application/atom+xml", "/sub/en/countries/turkey/atom.xml")
    html = term.read_text("utf-8")
    assert 'class="subscribe"><a class="feed-link" href="/sub/en/countries/turkey/feed.xml"' in html
    home = (fixture_site / "fa" / "index.html").read_text("utf-8")
    assert 'class="subscribe"><a class="feed-link" href="/sub/fa/feed.xml"' in home


def test_opml_lists_every_feed_by_language_and_taxonomy(fixture_site: Path) -> None:
    doc = etree.parse(str(fixture_site / "feeds.opml"), STRICT).getroot()
    assert doc.get("version") == "2.0"
    languages = doc.findall("body/outline")
    assert [o.get("language") for o in languages] == ["fa", "en"]
    base = "https://news.example.net/sub/"
    listed: list[str] = []
    for lang_outline in languages:
        lang = lang_outline.get("language")
        own = [o for o in lang_outline if o.get("type") == "rss"]
        assert [o.get("xmlUrl") for o in own] == [f"{base}{lang}/feed.xml"]
        groups = [o for o in lang_outline if o.get("type") is None]
        assert [g.get("text") for g in groups] == (
            ["کشورها", "چهره‌ها"] if lang == "fa" else ["Countries", "People"])
        for o in lang_outline.iter("outline"):
            if o.get("xmlUrl"):
                listed.append(o.get("xmlUrl"))
    files = {base + p.relative_to(fixture_site).as_posix()
             for p in fixture_site.rglob("feed.xml")}
    assert set(listed) == files and len(listed) == len(files)


# -- a real feed reader ----------------------------------------------------------------

@pytest.fixture
def server(fixture_site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(fixture_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_newsboat_reads_the_feeds(server: str, fixture_site: Path, tmp_path: Path) -> None:
    """newsboat fetches the Persian RSS and English Atom feeds over HTTP; its cache holds
    every item with the Persian titles intact. (newsboat keeps one item per guid, so each
    story is offered once: the language feeds, not also the term feeds.)"""
    newsboat = need_tool("newsboat")
    urls = {"fa": f"{server}/fa/feed.xml", "en": f"{server}/en/atom.xml",
            "iraq": f"{server}/fa/countries/iraq/feed.xml"}
    (tmp_path / "urls").write_text("\n".join(urls.values()) + "\n", "utf-8")
    (tmp_path / "config").write_text("", "utf-8")
    cache = tmp_path / "cache.db"
    run = subprocess.run(
        [newsboat, "-u", str(tmp_path / "urls"), "-c", str(cache), "-C",
         str(tmp_path / "config"), "-x", "reload", "print-unread"],
        capture_output=True, text=True, timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert run.returncode == 0, run.stdout + run.stderr
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT feedurl, title, url FROM rss_item").fetchall()
    by_feed: dict[str, list[tuple[str, str]]] = {}
    for feedurl, title, url in rows:
        by_feed.setdefault(feedurl, []).append((title, url))
    fa_expected = [e.title for e in
                   feedparser.parse((fixture_site / "fa/feed.xml").read_bytes()).entries]
    assert sorted(t for t, _ in by_feed[urls["fa"]]) == sorted(fa_expected)
    assert "گفت‌وگوهای تهران و آنکارا" in fa_expected  # ZWNJ and Persian letters intact
    assert len(by_feed[urls["en"]]) == 3
    assert {t for t, _ in by_feed[urls["en"]]} >= {"Tehran and Ankara talks", "Vote in Libya"}
    assert [t for t, _ in by_feed[urls["iraq"]]] == ["نشست بغداد"]
    # each item links its own language's page, not the other version it also links
    base = "https://news.example.net/sub/"
    assert all(u.startswith(base + "fa/articles/") for _, u in by_feed[urls["fa"]])
    assert all(u.startswith(base + "en/articles/") for _, u in by_feed[urls["en"]])
    assert f"{len(rows)} unread articles" in run.stdout
