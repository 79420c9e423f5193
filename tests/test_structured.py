"""Open Graph, Twitter card and NewsArticle JSON-LD: present, correct, and unbreakable by
hostile titles."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from lxml import html as lxml_html

from khabar.structured import script_json

BASE = "https://news.example.net/sub/"


@pytest.fixture(scope="session")
def site(built_sites: dict[str, Path]) -> Path:
    return built_sites["fixture"]


def json_ld(page: Path) -> list[dict[str, object]]:
    doc = lxml_html.parse(str(page))
    return [json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]')]


def meta(page: Path) -> dict[str, list[str]]:
    doc = lxml_html.parse(str(page))
    out: dict[str, list[str]] = {}
    for m in doc.xpath("//head/meta[@property or @name]"):
        out.setdefault(m.get("property") or m.get("name"), []).append(m.get("content"))
    return out


def test_english_translation_names_its_original(site: Path) -> None:
    [data] = json_ld(site / "en" / "articles" / "tehran-talks" / "index.html")
    assert data["@type"] == "NewsArticle"
    assert data["inLanguage"] == "en"
    assert data["url"] == BASE + "en/articles/tehran-talks/"
    assert data["headline"] == "Tehran and Ankara talks"
    for key in ("datePublished", "dateModified"):
        assert datetime.fromisoformat(str(data[key])).tzinfo is not None
    assert data["datePublished"] == "2024-12-09T18:00:00+03:30"
    original = data["translationOfWork"]
    assert isinstance(original, dict)
    assert original["@id"] == BASE + "fa/articles/tehran-talks/"
    assert original["inLanguage"] == "fa"
    assert "workTranslation" not in data


def test_persian_original_names_its_translations(site: Path) -> None:
    [data] = json_ld(site / "fa" / "articles" / "hostile" / "index.html")
    assert data["inLanguage"] == "fa"
    assert data["dateModified"] == "2024-12-10T12:30:00+03:30"
    assert data["workTranslation"] == [{
        "@type": "NewsArticle", "@id": BASE + "en/articles/hostile/",
        "url": BASE + "en/articles/hostile/", "inLanguage": "en",
        "headline": "Title &<>\"' ]]> </script> news"}]
    assert "translationOfWork" not in data
    [pending_side] = json_ld(site / "fa" / "articles" / "iran-budget" / "index.html")
    assert "workTranslation" not in pending_side  # the English page is only a placeholder


def test_pending_pages_have_no_news_article(site: Path) -> None:
    assert json_ld(site / "en" / "articles" / "iran-budget" / "index.html") == []


def test_hostile_title_cannot_end_the_script(site: Path) -> None:
    page = (site / "fa" / "articles" / "hostile" / "index.html").read_text("utf-8")
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(scripts) == 1
    assert "<" not in scripts[0] and ">" not in scripts[0] and "&" not in scripts[0]
    data = json.loads(scripts[0])
    assert data["headline"] == "عنوان &<>\"' ]]> </script> خبر"
    assert "\u202e" not in page and "\x01" not in page
    assert json.loads(script_json({"x": "</script><b>&"})) == {"x": "</script><b>&"}


def test_open_graph_and_twitter_on_every_page(site: Path) -> None:
    for page in site.rglob("index.html"):
        tags = meta(page)
        for key in ("og:title", "og:type", "og:url", "og:site_name", "og:locale",
                    "twitter:card", "twitter:title"):
            assert tags.get(key), (page, key)
    article = meta(site / "en" / "articles" / "hostile" / "index.html")
    assert article["og:type"] == ["article"]
    assert article["og:locale"] == ["en_US"] and article["og:locale:alternate"] == ["fa_IR"]
    assert article["og:url"] == [BASE + "en/articles/hostile/"]
    assert article["og:title"] == ["Title &<>\"' ]]> </script> news"]
    assert "Recep Tayyip Erdoğan" in article["article:tag"]
    assert article["article:published_time"] == ["2024-12-10T09:00:00+03:30"]
    home = meta(site / "fa" / "index.html")
    assert home["og:type"] == ["website"] and home["og:locale"] == ["fa_IR"]


def test_the_source_is_what_the_story_is_based_on_never_its_author(site: Path) -> None:
    hostile = json_ld(site / "fa" / "articles" / "hostile" / "index.html")[0]
    assert hostile["isBasedOn"] == {
        "@type": "CreativeWork", "url": "https://source.example/a?x=1&y=2",
        "publisher": {"@type": "Organization", "name": "منبع & <شرکا>"}}
    for page in site.glob("*/articles/*/index.html"):
        for data in json_ld(page):
            author = data["author"]
            assert isinstance(author, dict)
            assert author["@type"] in ("Person", "Organization"), page
            assert "source.example" not in json.dumps(author), page
            assert author == data["publisher"], page  # no author of its own: the newsroom
    tags = meta(site / "fa" / "articles" / "hostile" / "index.html")
    assert tags["article:author"] == ["خبرنامه آزمایشی & <دوستان>"]  # the site: no `author`
    assert tags["article:section"] == ["ترکیه"]
