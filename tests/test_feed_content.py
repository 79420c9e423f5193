"""What feeds say, read by real parsers: links that work away from the site, briefs with
text, the author apart from the source outlet, provenance, copyright, WebSub hubs, OPML.
Each test builds its own copy of tests/sites/mini (the `mini_site` fixture) with the keys
and articles it needs."""

from __future__ import annotations

import functools
import http.server
import json
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import ROOT, need_tool, write
from lxml import etree
from lxml import html as lxml_html

from khabar import feeds
from khabar.build import build, load
from khabar.render import environment

BASE = "https://news.example.net/briefing/"
RNG = ROOT / "tests" / "data" / "atom.rng"
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC = "{http://purl.org/dc/elements/1.1/}"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)

# A Persian story whose body links the way writers link: to a sibling story, to a page of
# the site by its path, to a footnote, to a picture next to it, and out.
LINKS = """\
    ---
    title: پیوندهای نسبی
    date: 2024-11-26
    countries: [libya]
    ---
    دیدار در [اسلو](../oslo-talks/) و [فهرست](/briefing/fa/countries/libya/) و
    [بیرون](https://example.org/a?x=1&y=2) و [نامه](mailto:desk@example.org) و
    [همین صفحه](?page=2).[^1]

    <img src="map.png" alt="نقشه">

    ```
    <a href="../kept-as-text/">code</a>
    ```

    [^1]: یادداشت.
    """
STORY = BASE + "fa/articles/links/"


def _built(site: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    build(site, out)
    return out


def _add_to_yaml(site: Path, text: str) -> None:
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text("utf-8") + text, "utf-8")


def _urls_in(fragment: str) -> list[str]:
    doc = lxml_html.fragment_fromstring(fragment, create_parent="div")
    return [v for el in doc.iter() for k, v in el.attrib.items() if k in ("href", "src")]


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _entry(parsed: Any, slug: str) -> Any:
    return next(e for e in parsed.entries if e.link.rstrip("/").endswith("/" + slug))


# -- 1. links in feed HTML are absolute, against the story's own URL ---------------------

EXPECTED = {
    BASE + "fa/articles/oslo-talks/",  # ../oslo-talks/ seen from the story, not the feed
    BASE + "fa/countries/libya/",
    "https://example.org/a?x=1&y=2",
    "mailto:desk@example.org",
    STORY + "?page=2",
    STORY + "#fn-1",
    STORY + "#fnref-1",
    STORY + "map.png",
}


def test_every_link_of_a_body_is_absolute_in_every_format(mini_site: Path,
                                                         tmp_path: Path) -> None:
    write(mini_site / "content" / "news" / "links.fa.md", LINKS)
    out = _built(mini_site, tmp_path)
    rss = etree.parse(str(out / "fa" / "feed.xml"), STRICT).getroot()
    item = next(i for i in rss.iter("item") if i.findtext("link") == STORY)
    atom = etree.parse(str(out / "fa" / "atom.xml"), STRICT).getroot()
    entry = next(e for e in atom.iter(ATOM + "entry") if e.findtext(ATOM + "id") == STORY)
    doc = _json(out / "fa" / "feed.json")
    json_item = next(i for i in doc["items"] if i["id"] == STORY)
    # as written in the file (no reader's resolving): RSS, Atom (even without xml:base), JSON
    for html in (item.findtext(CONTENT) or "", entry.findtext(ATOM + "content") or "",
                 json_item["content_html"]):
        urls = set(_urls_in(html))
        assert urls >= EXPECTED
        assert all(u.startswith(("https://", "mailto:")) for u in urls), urls
        assert "../kept-as-text/" in html  # a tag shown as code is text, not a link
    # and as a feed reader sees them: the footnote is the story's, not the feed's
    parsed = feedparser.parse((out / "fa" / "feed.xml").read_bytes())
    body = _entry(parsed, "links").content[0].value
    assert f'href="{STORY}#fn-1"' in body
    assert BASE + "fa/#fn-1" not in body and BASE + "fa/oslo-talks/" not in body


@pytest.mark.parametrize(("html", "expected"), [
    ('<a href="#fn-1">1</a>', '<a href="https://s.example/fa/a/b/#fn-1">1</a>'),
    ('<img alt="" src="p.png">', '<img alt="" src="https://s.example/fa/a/b/p.png">'),
    ('<a href="//cdn.example/x">c</a>', '<a href="https://cdn.example/x">c</a>'),
    ('<a href="">self</a>', '<a href="https://s.example/fa/a/b/">self</a>'),
    ('<a href="?q=1&amp;r=%22">q</a>',
     '<a href="https://s.example/fa/a/b/?q=1&amp;r=%22">q</a>'),
    # absolute and mailto: as written, escapes and all
    ('<a href="https://x.example/?a=1&amp;b=2">x</a>',
     '<a href="https://x.example/?a=1&amp;b=2">x</a>'),
    ('<a href="mailto:a@b.example">m</a>', '<a href="mailto:a@b.example">m</a>'),
    # a value that looks like an attribute is a value: only the real href moves
    ('<a title=" href=" href="../c/">t</a>',
     '<a title=" href=" href="https://s.example/fa/a/c/">t</a>'),
    # other tags and attributes, and text, are not links
    ('<abbr title="../x">a</abbr> <p class="../y">z</p>',
     '<abbr title="../x">a</abbr> <p class="../y">z</p>'),
    ('<code>&lt;a href="../x"&gt;</code>', '<code>&lt;a href="../x"&gt;</code>'),
])
def test_absolute_links(html: str, expected: str) -> None:
    assert feeds.absolute_links(html, "https://s.example/fa/a/b/") == expected


def test_a_body_is_made_absolute_once_per_story(mini_site: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Every feed of a language (its own and its terms', all full here) shares one entry
    per story: its body is rewritten once, however many feeds it is in."""
    _add_to_yaml(mini_site, "feeds: {terms: full}\n")
    write(mini_site / "content" / "news" / "links.fa.md", LINKS)
    calls: list[str] = []
    real = feeds.absolute_links

    def counting(html: str, base: str) -> str:
        calls.append(base)
        return real(html, base)

    monkeypatch.setattr(feeds, "absolute_links", counting)
    site = load(mini_site)
    env = environment(mini_site)
    memo: feeds.Fragments = {}
    catalogue = feeds.catalogue(site)
    in_feeds: dict[str, int] = {}
    for feed in catalogue:
        for kind in feeds.KINDS:
            feeds.render_feed(feed, kind, env, site.words[feed.lang].plain, memo)
        for e in feed.entries:
            in_feeds[e.url] = in_feeds.get(e.url, 0) + 1
    assert in_feeds[STORY] == 2  # the Persian feed and Libya's
    assert max(in_feeds.values()) >= 4  # haftar-turkey: its language, two countries, Haftar
    assert sorted(calls) == sorted(in_feeds)  # one call per story and language


# -- 2. a brief always has text ------------------------------------------------------------

def test_briefs_without_a_first_paragraph_get_text_or_their_title(
        mini_site: Path, tmp_path: Path) -> None:
    news = mini_site / "content" / "news"
    write(news / "list-brief.fa.md", """\
        ---
        title: خبر فهرستی
        date: 2024-11-26T10:00
        kind: brief
        countries: [libya]
        ---
        - نخستین نکته خبر
        - دومین نکته
        """)
    write(news / "title-brief.fa.md", """\
        ---
        title: تنها یک عنوان
        date: 2024-11-26T09:00
        kind: brief
        countries: [libya]
        ---
        """)
    _add_to_yaml(mini_site, "feeds: {items: 10}\n")
    out = _built(mini_site, tmp_path)
    expected = {"list-brief": "نخستین نکته خبر", "title-brief": "تنها یک عنوان"}
    atom = feedparser.parse((out / "fa" / "atom.xml").read_bytes())
    rss = feedparser.parse((out / "fa" / "feed.xml").read_bytes())
    term = feedparser.parse((out / "fa" / "countries" / "libya" / "atom.xml").read_bytes())
    for slug, text in expected.items():
        for parsed in (atom, rss, term):  # full (Atom, RSS) and summary-only (term) feeds
            summary = _entry(parsed, slug).summary
            assert text in summary, (slug, summary)
    # in the raw XML: no empty summary or description anywhere
    for path in (out / "fa").rglob("atom.xml"):
        for el in etree.parse(str(path), STRICT).getroot().iter(ATOM + "summary"):
            assert (el.text or "").strip(), path
    for path in (out / "fa").rglob("feed.xml"):
        for el in etree.parse(str(path), STRICT).getroot().iter("description"):
            assert (el.text or "").strip(), path
    doc = _json(out / "fa" / "feed.json")
    by_slug = {i["id"].rsplit("/", 2)[1]: i for i in doc["items"]}
    for slug, text in expected.items():
        assert text in by_slug[slug]["summary"]
        assert text in by_slug[slug]["content_html"]


def test_a_summary_feed_item_is_more_than_a_language_link(mini_site: Path,
                                                          tmp_path: Path) -> None:
    """A story whose first paragraph is a picture: its text is further on (Persian), or
    there is none (English): the item shows that text, or the title, besides the link to
    the other language."""
    write(mini_site / "content" / "news" / "picture-brief.fa.md", """\
        ---
        title: خبر تصویری
        date: 2024-11-26T10:00
        ---
        <img src="x.png" alt="">

        متن پس از تصویر.
        """)
    write(mini_site / "content" / "news" / "picture-brief.en.md", """\
        ---
        title: A picture brief
        translation:
          from: fa
          source_sha256: 0000000000000000000000000000000000000000000000000000000000000000
          engine: human
          model: none
          status: reviewed
        ---
        <img src="x.png" alt="">
        """)
    _add_to_yaml(mini_site, "feeds: {content: summary}\n")
    out = _built(mini_site, tmp_path)
    fa = _entry(feedparser.parse((out / "fa" / "atom.xml").read_bytes()), "picture-brief")
    assert "متن پس از تصویر." in fa.summary  # the text after the picture, not only "English"
    en = _entry(feedparser.parse((out / "en" / "feed.xml").read_bytes()), "picture-brief")
    assert "A picture brief" in en.summary


# -- 3. the author is a person or the newsroom; the source is the outlet --------------------

AUTHORED = """\
    ---
    title: گزارش با نویسنده
    date: 2024-11-26
    author: مریم رضایی
    countries: [libya]
    source: {name: لیبیا آبزرور, url: "https://observer.example/story?id=7&lang=en"}
    ---
    متن گزارش.
    """


def test_entries_name_their_author_and_keep_the_source_apart(mini_site: Path,
                                                             tmp_path: Path) -> None:
    _add_to_yaml(mini_site, "author: {fa: تحریریه خبرنامه, en: The Briefing Desk}\n")
    write(mini_site / "content" / "news" / "authored.fa.md", AUTHORED)
    out = _built(mini_site, tmp_path)
    outlet = "لیبیا آبزرور"
    authors = {"authored": "مریم رضایی", "haftar-turkey": "تحریریه خبرنامه",
               "oslo-talks": "تحریریه خبرنامه"}
    for name in ("atom.xml", "feed.xml"):  # Atom <author>, RSS <dc:creator>
        parsed = feedparser.parse((out / "fa" / name).read_bytes())
        assert parsed.bozo == 0
        for slug, author in authors.items():
            assert _entry(parsed, slug).author == author, (name, slug)
        assert all(outlet not in e.get("author", "") for e in parsed.entries)
        # haftar-turkey's source (نگاه نو) is not its author either
        assert _entry(parsed, "haftar-turkey").author != "نگاه نو"
    atom = feedparser.parse((out / "fa" / "atom.xml").read_bytes())
    assert atom.feed.author == "تحریریه خبرنامه"
    # the English feeds: the newsroom in English for stories without an author
    en = feedparser.parse((out / "en" / "atom.xml").read_bytes())
    assert _entry(en, "haftar-turkey").author == "The Briefing Desk"

    rss = etree.parse(str(out / "fa" / "feed.xml"), STRICT).getroot()
    item = next(i for i in rss.iter("item") if i.findtext("link") == BASE +
                "fa/articles/authored/")
    assert item.findtext(DC + "creator") == "مریم رضایی"
    assert item.find("author") is None  # RSS's own author must be an e-mail address
    assert item.find("source") is None  # RSS's source must name the outlet's RSS feed
    # the source is where a reader sees it: the item's HTML, and Atom's rel="via"
    assert outlet in (item.findtext("description") or "")
    entry = _entry(atom, "authored")
    via = [link for link in entry.links if link.rel == "via"]
    assert [v.href for v in via] == ["https://observer.example/story?id=7&lang=en"]
    assert entry.link == BASE + "fa/articles/authored/"

    doc = _json(out / "fa" / "feed.json")
    item_json = next(i for i in doc["items"] if i["id"] == BASE + "fa/articles/authored/")
    assert item_json["authors"] == [{"name": "مریم رضایی"}]
    assert item_json["_khabar"]["source"] == {
        "name": outlet, "url": "https://observer.example/story?id=7&lang=en"}
    assert doc["authors"][0]["name"] == "تحریریه خبرنامه"
    others = [i for i in doc["items"] if i["id"] != item_json["id"]]
    assert others and all(i["authors"] == [{"name": "تحریریه خبرنامه"}] for i in others)


def test_without_author_setting_the_site_title_is_the_author(mini_site: Path,
                                                             tmp_path: Path) -> None:
    out = _built(mini_site, tmp_path)
    parsed = feedparser.parse((out / "en" / "feed.xml").read_bytes())
    assert parsed.entries
    assert {e.author for e in parsed.entries} == {"Test Briefing"}


# -- 4. a person's translation says so ------------------------------------------------------

def test_json_feed_names_a_human_translation(mini_site: Path, tmp_path: Path) -> None:
    out = _built(mini_site, tmp_path)
    doc = _json(out / "en" / "feed.json")
    by_slug = {i["id"].rsplit("/", 2)[1]: i["_khabar"] for i in doc["items"]}
    assert by_slug["haftar-turkey"]["translation"]["engine"] == "human"  # engine: human
    assert by_slug["haftar-turkey"]["translation"]["status"] == "reviewed"
    assert by_slug["oslo-talks"]["translation"]["engine"] == "argostranslate 1.11.0"
    # the HTML still names no engine for a person's translation
    item = next(i for i in doc["items"] if "haftar-turkey" in i["id"])
    assert "human" not in item["content_html"]


# -- 5. OPML ------------------------------------------------------------------------------

def test_opml_folders_and_feed_outlines(mini_site: Path, tmp_path: Path) -> None:
    out = _built(mini_site, tmp_path)
    doc = etree.parse(str(out / "feeds.opml"), STRICT).getroot()
    assert doc.findtext("head/docs") == "http://opml.org/spec2.opml"
    outlines = list(doc.iter("outline"))
    folders = [o for o in outlines if len(o)]
    leaves = [o for o in outlines if not len(o)]
    assert len(folders) == 2 + 2 * 2  # each language, and its two taxonomies
    for o in folders:  # OPML 2.0: a folder is text (and title), with no type or feed URL
        assert o.get("text") and o.get("title") == o.get("text")
        assert o.get("type") is None and o.get("xmlUrl") is None
    assert leaves
    for o in leaves:
        assert o.get("type") == "rss"
        for key in ("xmlUrl", "htmlUrl", "text", "title", "language", "description"):
            assert o.get(key), (key, etree.tostring(o))
        assert o.get("xmlUrl").startswith(BASE) and o.get("xmlUrl").endswith("/feed.xml")
        assert o.get("language") in ("fa", "en")


# -- 6 and 7. copyright and WebSub hub ------------------------------------------------------

HUB = "https://hub.example.com/"


def _configured(mini_site: Path, tmp_path: Path) -> Path:
    _add_to_yaml(mini_site, f"copyright:\n  fa: حق نشر ۲۰۲۴ خبرنامه\n  en: © 2024 Test & Co\n"
                            f"hub: {HUB}\n")
    write(mini_site / "content" / "news" / "authored.fa.md", AUTHORED)
    write(mini_site / "content" / "news" / "links.fa.md", LINKS)
    return _built(mini_site, tmp_path)


def test_copyright_in_every_format(mini_site: Path, tmp_path: Path) -> None:
    out = _configured(mini_site, tmp_path)
    rss = feedparser.parse((out / "en" / "feed.xml").read_bytes())
    atom = feedparser.parse((out / "en" / "atom.xml").read_bytes())
    assert rss.feed.rights == "© 2024 Test & Co"
    assert atom.feed.rights == "© 2024 Test & Co"
    assert atom.feed.rights_detail.type == "text/plain"
    root = etree.parse(str(out / "fa" / "atom.xml"), STRICT).getroot()
    assert root.findtext(ATOM + "rights") == "حق نشر ۲۰۲۴ خبرنامه"
    assert etree.parse(str(out / "fa" / "feed.xml"), STRICT).getroot().findtext(
        "channel/copyright") == "حق نشر ۲۰۲۴ خبرنامه"
    term = _json(out / "en" / "countries" / "libya" / "feed.json")
    assert term["_khabar"] == {"copyright": "© 2024 Test & Co"}


def test_no_copyright_no_hub_when_unset(mini_site: Path, tmp_path: Path) -> None:
    out = _built(mini_site, tmp_path)
    rss = etree.parse(str(out / "fa" / "feed.xml"), STRICT).getroot()
    assert rss.find("channel/copyright") is None
    atom = etree.parse(str(out / "fa" / "atom.xml"), STRICT).getroot()
    assert atom.find(ATOM + "rights") is None
    assert [link.get("rel") for link in atom.findall(ATOM + "link")] == ["self", "alternate"]
    doc = _json(out / "fa" / "feed.json")
    assert "_khabar" not in doc and "hubs" not in doc


def test_websub_hub_in_every_format(mini_site: Path, tmp_path: Path) -> None:
    out = _configured(mini_site, tmp_path)
    for folder in (out / "fa", out / "en" / "countries" / "libya"):
        for name in ("feed.xml", "atom.xml"):
            parsed = feedparser.parse((folder / name).read_bytes())
            rels = {link.rel: link.href for link in parsed.feed.links}
            assert rels["hub"] == HUB, (folder, name)
            assert rels["self"] == BASE + (folder / name).relative_to(out).as_posix()
        doc = _json(folder / "feed.json")
        assert doc["hubs"] == [{"type": "WebSub", "url": HUB}]
    rss = etree.parse(str(out / "fa" / "feed.xml"), STRICT).getroot()
    hubs = rss.findall("channel/" + ATOM + "link[@rel='hub']")
    assert [h.get("href") for h in hubs] == [HUB]


# -- 8. all of it stays valid ---------------------------------------------------------------

def test_feeds_with_every_option_stay_valid(mini_site: Path, tmp_path: Path) -> None:
    _add_to_yaml(mini_site, "author: {fa: تحریریه, en: Desk <&>}\n")
    out = _configured(mini_site, tmp_path)
    schema = etree.RelaxNG(etree.parse(str(RNG)))
    atoms = sorted(out.rglob("atom.xml"))
    assert len(atoms) >= 4
    for path in atoms:
        assert schema.validate(etree.parse(str(path), STRICT)), (path, schema.error_log)
    for path in sorted(out.rglob("feed.xml")) + atoms:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    for path in sorted(out.rglob("feed.json")):
        json.loads(path.read_text("utf-8"))
    parsed = feedparser.parse((out / "en" / "atom.xml").read_bytes())
    assert parsed.feed.author == "Desk <&>"
    jing = need_tool("jing")
    run = subprocess.run([jing, str(RNG), *map(str, atoms)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_newsboat_reads_author_and_absolute_links(mini_site: Path, tmp_path: Path,
                                                  serve: Callable[[Path], str]) -> None:
    """A real reader: newsboat keeps each item's author (RSS dc:creator, Atom author) and
    its content with the links as the story has them. (newsboat keeps one item per guid:
    each feed is read into a cache of its own.)"""
    newsboat = need_tool("newsboat")
    out = _configured(mini_site, tmp_path)
    server = serve(out)
    for name in ("feed.xml", "atom.xml"):
        home = tmp_path / name
        home.mkdir()
        (home / "urls").write_text(f"{server}/fa/{name}\n", "utf-8")
        (home / "config").write_text("", "utf-8")
        run = subprocess.run(
            [newsboat, "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C",
             str(home / "config"), "-x", "reload"],
            capture_output=True, text=True, timeout=120,
            env={"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        assert run.returncode == 0, run.stdout + run.stderr
        with sqlite3.connect(home / "cache.db") as db:
            rows = db.execute("SELECT url, author, content FROM rss_item").fetchall()
        items = {url: (author, content) for url, author, content in rows}
        assert items[BASE + "fa/articles/authored/"][0] == "مریم رضایی", name
        assert items[STORY][0] == "خبرنامه آزمایشی"  # no author setting: the site's title
        assert f'href="{STORY}#fn-1"' in items[STORY][1], name
        assert 'href="#fn-1"' not in items[STORY][1]


@pytest.fixture
def serve() -> Iterator[Callable[[Path], str]]:
    """Serve a folder over HTTP on 127.0.0.1 for as long as the test runs."""
    servers: list[http.server.ThreadingHTTPServer] = []

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    def start(root: Path) -> str:
        httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()
