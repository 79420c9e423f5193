"""The bilingual view: a translation beside its original, block by block, each column in
its own language and direction, linked from both versions, kept out of search engines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from conftest import ROOT, write
from lxml import html as lxml_html

from khabar.blocks import split
from khabar.build import build


def page(out: Path, route: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((out / route.strip("/") / "index.html").read_bytes())


def test_split_finds_the_top_level_blocks() -> None:
    html = ('<p>a <b>b</b><br>c</p>\n<h2 id="x">T</h2>\n<ul>\n<li>1</li>\n<li>2</li>\n</ul>\n'
            '<p>d <img alt="" src="i"></p>\n<hr>\n<div class="footnote">\n<hr>\n<ol><li>n'
            '</li></ol>\n</div>')
    assert split(html) == ['<p>a <b>b</b><br>c</p>', '<h2 id="x">T</h2>',
                           '<ul>\n<li>1</li>\n<li>2</li>\n</ul>', '<p>d <img alt="" src="i"></p>',
                           "<hr>", '<div class="footnote">\n<hr>\n<ol><li>n</li></ol>\n</div>']
    assert split("") == [] and split("<p>one</p>") == ["<p>one</p>"]


def test_a_translation_sits_beside_its_original_block_by_block(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(ROOT, out)  # the example's report: its translation keeps the original's blocks
    view = page(out, "/en/articles/haftar-turkey/bilingual/")
    pairs = view.cssselect(".pairs .pair")
    fa = page(out, "/fa/articles/haftar-turkey/").cssselect(".body")[0]
    assert len(pairs) == len(fa) > 5  # one row for each block of the original
    for pair, block in zip(pairs, fa, strict=True):
        source, target = pair.cssselect(".col")
        assert (source.get("lang"), source.get("dir")) == ("fa", "rtl")
        assert target.get("lang") is None  # the page's own language, English
        assert source.text_content().strip() == block.text_content().strip()
    assert "Turkey's representative" in pairs[1].cssselect(".col-target")[0].text_content()
    assert view.findtext(".//h1/a").startswith("Khalifa Haftar's forces")


def test_two_bodies_on_one_page_keep_their_own_ids(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    view = page(out, "/en/articles/haftar-turkey/bilingual/")
    # two bodies on one page: each keeps its footnotes' ids and links, none twice
    ids = Counter(view.xpath("//@id"))
    assert ids and max(ids.values()) == 1, ids
    for link in view.xpath("//main//a[starts-with(@href, '#')]/@href"):
        assert ids[link[1:]] == 1, link
    assert view.cssselect('meta[name="robots"]')[0].get("content") == "noindex"
    assert view.cssselect('link[rel="canonical"]')[0].get("href").endswith(
        "/en/articles/haftar-turkey/")
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "/bilingual/" not in sitemap
    assert all("/bilingual/" not in f.read_text(encoding="utf-8")
               for f in out.rglob("*") if f.name in ("feed.xml", "atom.xml", "feed.json"))


def test_both_versions_lead_to_it_and_pending_ones_have_none(mini_site: Path,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    target = "/briefing/en/articles/haftar-turkey/bilingual/"
    assert page(out, "/en/articles/haftar-turkey/").cssselect(
        f'.side-by-side a[href="{target}"]')
    assert page(out, "/fa/articles/haftar-turkey/").cssselect(
        f'.side-by-side a[href="{target}"]')
    assert not (out / "en/articles/turkey-brief/bilingual").exists()  # pending
    assert not (out / "fa/articles/haftar-turkey/bilingual").exists()  # the original


def test_machine_and_stale_translations_say_so(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    view = page(out, "/en/articles/oslo-talks/bilingual/")
    assert view.cssselect(".pairs.machine") and view.cssselect(".notice-machine")
    assert view.cssselect(".notice-stale")  # its source_sha256 is not the original's


def test_a_translation_that_regroups_paragraphs_is_shown_whole(mini_site: Path,
                                                               tmp_path: Path) -> None:
    path = mini_site / "content/news/haftar-turkey.en.md"
    text = path.read_text(encoding="utf-8")
    write(path, text + "\nA paragraph the original does not have.\n\nAnd another.\n")
    out = tmp_path / "out"
    build(mini_site, out)
    view = page(out, "/en/articles/haftar-turkey/bilingual/")
    assert len(view.cssselect(".pairs .pair")) == 1
    assert "does not keep the original's paragraphs" in view.cssselect(".notice")[
        -1].text_content()


def test_the_models_least_sure_passages_are_marked(mini_site: Path, tmp_path: Path) -> None:
    path = mini_site / "content/news/oslo-talks.en.md"
    text = path.read_text(encoding="utf-8")
    write(path, text.replace(
        "status: machine}", "status: machine, low_confidence: [{where: body, score: -2.4, "
        "text: Representatives met in Oslo.}]}"))
    out = tmp_path / "out"
    build(mini_site, out)
    view = page(out, "/en/articles/oslo-talks/bilingual/")
    low = view.cssselect(".pair-low")
    assert len(low) == 1 and "Representatives met in Oslo" in low[0].text_content()
    assert low[0].cssselect(".low-mark")[0].text == "The machine was less sure of this passage"
    assert not page(out, "/en/articles/haftar-turkey/bilingual/").cssselect(".pair-low")
