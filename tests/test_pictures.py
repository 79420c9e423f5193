"""Pictures in a built site: an article's image on its page (srcset, sizes, width and
height), in lists, share cards, JSON-LD and feeds; the site's logo as favicon, touch icon,
share card and publisher logo; bad image front matter as errors on their lines; a changed
picture file republished under a new name."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, Run, snapshot, write
from lxml import etree
from lxml import html as lxml_html
from PIL import Image

from khabar import images
from khabar.build import build

HAFTAR = "content/news/haftar-turkey.fa.md"


def page(out: Path, route: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((out / route.strip("/") / "index.html").read_bytes())


def meta(doc: lxml_html.HtmlElement, key: str) -> str | None:
    found = doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    return str(found[0]) if found else None


def with_image(site: Path, front: str) -> None:
    """Give the mini site's Persian Haftar article an `image:` block (and its picture)."""
    (site / "images").mkdir(exist_ok=True)
    Image.new("RGB", (1600, 900), (30, 90, 160)).save(site / "images" / "photo.jpg",
                                                      quality=90)
    path = site / HAFTAR
    text = path.read_text(encoding="utf-8")  # the block goes last in the front matter
    path.write_text(text.replace("\n---\n", "\n" + front + "---\n", 1), encoding="utf-8")


@pytest.fixture
def pictured(mini_site: Path, tmp_path: Path) -> Path:
    with_image(mini_site, "image: {src: images/photo.jpg, alt: نقشه لیبی, caption: بنغازی, "
                          "credit: عکس از خبرگزاری}\n")
    shutil.copy(ROOT / "images" / "logo.svg", mini_site / "images" / "logo.svg")
    site_yaml = mini_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "logo: images/logo.svg\n",
                         encoding="utf-8")
    out = tmp_path / "out"
    build(mini_site, out)
    return out


def test_story_page_shows_the_picture_in_every_width(pictured: Path) -> None:
    doc = page(pictured, "/fa/articles/haftar-turkey/")
    img = doc.cssselect("figure.picture img")[0]
    candidates = [c.split() for c in img.get("srcset").split(", ")]
    assert [w for _, w in candidates] == ["320w", "480w", "800w", "1200w"]
    for url, width in candidates:
        made = pictured / url.removeprefix("/briefing/")
        with Image.open(made) as im:  # each file is the width it claims, ratio kept
            assert im.size == (int(width[:-1]), round(int(width[:-1]) * 9 / 16))
            assert im.format == "JPEG" and not im.getexif()
    assert (img.get("width"), img.get("height")) == ("800", "450")  # no layout shift
    assert img.get("alt") == "نقشه لیبی" and img.get("sizes")
    assert img.get("loading") is None  # the story's own picture is not lazy
    assert doc.cssselect("figcaption .caption")[0].text == "بنغازی"
    assert doc.cssselect("figcaption .credit")[0].text == "عکس از خبرگزاری"


def test_the_search_page_shows_pictures_only_where_a_story_has_one(pictured: Path) -> None:
    assert 'data-images="yes"' in (pictured / "fa/search/index.html").read_text("utf-8")


def test_translation_shows_its_originals_picture_marked_in_its_language(
        pictured: Path) -> None:
    doc = page(pictured, "/en/articles/haftar-turkey/")
    figure = doc.cssselect("figure.picture")[0]
    assert (figure.get("lang"), figure.get("dir")) == ("fa", "rtl")
    assert figure.cssselect("img")[0].get("alt") == "نقشه لیبی"


def test_lists_show_a_lazy_thumbnail_without_repeating_the_alt(pictured: Path) -> None:
    thumb = page(pictured, "/fa/").cssselect("img.thumb")[0]
    assert thumb.get("loading") == "lazy" and thumb.get("alt") == ""  # the title says it
    # 8rem: a 2x screen takes the 320-px file, not a larger one
    assert thumb.get("sizes") == "8rem" and "320w" in thumb.get("srcset")


def test_share_cards_structured_data_and_feeds_carry_the_picture(pictured: Path) -> None:
    doc = page(pictured, "/fa/articles/haftar-turkey/")
    og_image = meta(doc, "og:image") or ""
    assert og_image.startswith("https://news.example.net/briefing/media/photo.")
    assert og_image.endswith(".1200.jpg")
    assert (meta(doc, "og:image:width"), meta(doc, "og:image:height")) == ("1200", "675")
    assert meta(doc, "twitter:card") == "summary_large_image"
    assert meta(doc, "og:image:alt") == "نقشه لیبی"
    ld = json.loads(doc.xpath('//script[@type="application/ld+json"]/text()')[0])
    assert ld["image"]["url"] == meta(doc, "og:image") and ld["image"]["width"] == 1200
    assert ld["publisher"]["logo"]["url"].endswith(".png")
    rss = feedparser.parse((pictured / "fa/feed.xml").read_bytes())
    item = next(e for e in rss.entries if e.link.endswith("/haftar-turkey/"))
    assert item.media_content[0]["url"] == meta(doc, "og:image")
    assert item.media_content[0]["type"] == "image/jpeg"
    atom = etree.fromstring((pictured / "fa/atom.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.xpath("//a:link[@rel='enclosure']/@href", namespaces=ns) == [
        meta(doc, "og:image")]
    assert atom.xpath("/a:feed/a:icon/text()", namespaces=ns)[0].endswith(".png")
    feed = json.loads((pictured / "fa/feed.json").read_text(encoding="utf-8"))
    assert next(i for i in feed["items"] if i["url"].endswith("/haftar-turkey/"))[
        "image"] == meta(doc, "og:image")
    assert feed["icon"].endswith(".png") and feed["favicon"].endswith(".png")


def test_the_logo_gives_favicon_touch_icon_and_default_share_card(pictured: Path) -> None:
    doc = page(pictured, "/en/countries/libya/")
    icons = [(link.get("rel"), link.get("type"), link.get("href"))
             for link in doc.xpath("//link[contains(@rel, 'icon')]")]
    assert [(rel, kind) for rel, kind, _ in icons] == [
        ("icon", "image/svg+xml"), ("icon", "image/png"), ("apple-touch-icon", None)]
    touch = pictured / icons[2][2].removeprefix("/briefing/")
    with Image.open(touch) as im:
        assert im.size == (180, 180) and im.format == "PNG"
    card = meta(doc, "og:image")  # no picture of its own: the card made from the logo
    assert card is not None and card.endswith(".png")
    with Image.open(pictured / card.removeprefix("https://news.example.net/briefing/")) as im:
        assert im.size == (1200, 630)
    assert meta(doc, "twitter:card") == "summary_large_image"
    assert doc.cssselect(".site-title img.logo")[0].get("alt") == ""  # the name follows it


def test_no_logo_no_icons_and_no_share_image(mini_site: Path, tmp_path: Path) -> None:
    build(mini_site, tmp_path / "out")
    doc = page(tmp_path / "out", "/en/")
    assert not doc.xpath("//link[contains(@rel, 'icon')]") and meta(doc, "og:image") is None
    assert meta(doc, "twitter:card") == "summary"
    assert not (tmp_path / "out" / "media").exists()


def rel(line: str) -> str:
    """An error line with the site folder's path taken off its file name."""
    return line[line.index("content/"):] if "content/" in line else line


@pytest.fixture
def built(mini_site: Path, tmp_path: Path,
          cli: Callable[..., Run]) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "out"
    assert cli("build", "--site", mini_site, "--out", out).code == 0
    return out, snapshot(out)


def test_bad_image_front_matter_is_an_error_on_its_line_all_at_once(
        mini_site: Path, built: tuple[Path, dict[str, bytes]],
        cli: Callable[..., Run]) -> None:
    out, before = built
    (mini_site / "images").mkdir()
    (mini_site / "images" / "broken.png").write_text("not a picture")
    for slug, block in (("a", "image: {src: images/missing.jpg, alt: x}"),
                        ("b", "image: {src: ../site.yaml, alt: x}"),
                        ("c", "image: {src: images/broken.png, alt: x}"),
                        ("d", "image:\n  src: images/broken.png\n  caption: no alt")):
        (mini_site / "content" / f"{slug}.fa.md").write_text(
            f"---\ntitle: خبر\ndate: 2024-11-20\ncountries: [libya]\n{block}\n---\nمتن.\n",
            encoding="utf-8")
    run = cli("build", "--site", mini_site, "--out", out)
    assert run.code == 1 and snapshot(out) == before
    lines = run.error_lines
    assert any(rel(line).startswith("content/a.fa.md:5: error: image.src: 'images/missing.jpg' "
                               "does not exist") for line in lines), lines
    assert any(rel(line).startswith("content/b.fa.md:5: error: image.src: '../site.yaml' is not "
                               "a file under the site's images/ folder") for line in lines)
    assert any(rel(line).startswith("content/d.fa.md:5: error: image.alt is missing")
               for line in lines), lines
    assert all("(hint: " in line for line in lines)
    # once the front matter is right, a file that is no picture is named on its line
    write(mini_site / "content" / "d.fa.md", "---\ntitle: خبر\ndate: 2024-11-20\n"
          "countries: [libya]\n---\nمتن.\n")
    for slug in "ab":
        (mini_site / "content" / f"{slug}.fa.md").unlink()
    run = cli("build", "--site", mini_site, "--out", out)
    assert run.code == 1 and snapshot(out) == before
    assert any(rel(line).startswith("content/c.fa.md:5: error: image 'images/broken.png': ")
               for line in run.error_lines), run.error_lines


def test_a_changed_picture_is_published_under_a_new_name(mini_site: Path,
                                                         tmp_path: Path) -> None:
    with_image(mini_site, "image: {src: images/photo.jpg, alt: نقشه}\n")
    out = tmp_path / "out"
    build(mini_site, out)
    first = page(out, "/fa/articles/haftar-turkey/").cssselect("figure img")[0].get("src")
    Image.new("RGB", (1000, 500), (200, 40, 40)).save(mini_site / "images" / "photo.jpg")
    result = build(mini_site, out)
    assert not result.skipped
    img = page(out, "/fa/articles/haftar-turkey/").cssselect("figure img")[0]
    assert img.get("src") != first and (img.get("width"), img.get("height")) == ("800", "400")
    assert not (out / first.removeprefix("/briefing/")).exists()  # the old one is gone
    assert (out / img.get("src").removeprefix("/briefing/")).is_file()


def test_a_build_reads_again_only_the_pictures_that_changed(
        mini_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache keeps what a build found of each picture by its file's stamp: the next
    build reads no unchanged picture again (an article's edit does not hash the photos)."""
    with_image(mini_site, "image: {src: images/photo.jpg, alt: نقشه}\n")
    photo = mini_site / "images" / "photo.jpg"
    os.utime(photo, ns=(10**18, 10**18 + 10**9))  # 2001: long before the build
    out = tmp_path / "out"
    build(mini_site, out)
    read: list[Path] = []
    real = images.inspect
    monkeypatch.setattr(images, "inspect", lambda p: read.append(p) or real(p))
    story = mini_site / HAFTAR
    story.write_text(story.read_text(encoding="utf-8") + "\nیک بند تازه.\n", encoding="utf-8")
    assert not build(mini_site, out).skipped
    assert read == []
    Image.new("RGB", (1000, 500), (200, 40, 40)).save(photo)
    build(mini_site, out)
    assert read == [photo]
    img = page(out, "/fa/articles/haftar-turkey/").cssselect("figure img")[0]
    assert (img.get("width"), img.get("height")) == ("800", "400")
