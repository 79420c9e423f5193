"""A site in four languages (tests/sites/polyglot): Persian and Arabic right-to-left,
English and French left-to-right, French translated from English. Each side carries its
own words, dates, digits and plural forms, and every page, feed and sitemap knows all four
languages (issue 10: multilingual, not bilingual)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import feedparser
import pytest
import yaml
from conftest import ROOT, SITES
from lxml import etree
from lxml import html as lxml_html

from khabar.build import build

SITE = SITES / "polyglot"
LANGS = ("fa", "en", "ar", "fr")
DIRS = {"fa": "rtl", "en": "ltr", "ar": "rtl", "fr": "ltr"}
BASE = "https://news.example.net/four/"
LATIN = re.compile("[A-Za-z]")
# What a page says in its interface, not in the stories it shows: the navigation, page
# headings, labels, notices, counts, pager and footer. Story titles, summaries, bodies and
# names in other languages (in <bdi> or with their own lang) are left out.
INTERFACE = (".skip, .site-nav, h1.page-title, main h2, .meta, .notice, .count, .page-of, "
             ".pager, .twins, .subscribe, .site-footer, .breadcrumb")


def catalogue(lang: str) -> dict[str, object]:
    data = yaml.safe_load((ROOT / "templates" / "i18n" / f"{lang}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def page(out: Path, route: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((out / route.strip("/") / "index.html").read_bytes())


def interface_text(doc: lxml_html.HtmlElement) -> str:
    """The interface's own words on a page (see INTERFACE)."""
    parts: list[str] = []
    for el in doc.cssselect(INTERFACE):
        el = lxml_html.fromstring(lxml_html.tostring(el))  # a copy to strip
        for other in el.xpath(".//bdi | .//*[@lang] | .//time[@datetime] | .//h3"):
            other.drop_tree()
        parts.append(el.text_content())
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("polyglot")
    shutil.copytree(SITE, root / "site")
    result = build(root / "site", root / "out")
    assert result.warnings == ()
    return root / "out"


@pytest.mark.parametrize("lang", LANGS)
def test_every_language_has_its_pages_with_lang_and_dir(out: Path, lang: str) -> None:
    for route in (f"/{lang}/", f"/{lang}/articles/haftar-turkey/", f"/{lang}/countries/",
                  f"/{lang}/countries/turkey/", f"/{lang}/briefings/"):
        doc = page(out, route)
        assert (doc.get("lang"), doc.get("dir")) == (lang, DIRS[lang]), route


def test_arabic_pages_carry_no_latin_interface_word(out: Path) -> None:
    """No "Latest briefing:", "Source" or "Feed" on an Arabic page: every interface word
    is Arabic, and the theme's Arabic words are the ones shown."""
    ar = catalogue("ar")
    for route in ("/ar/", "/ar/articles/haftar-turkey/", "/ar/articles/oslo-talks/",
                  "/ar/articles/libya-vote/", "/ar/countries/", "/ar/countries/libya/",
                  "/ar/countries/libya/page/2/", "/ar/briefings/", "/ar/briefings/2024-11-24/",
                  "/ar/actors/khalifa-haftar/"):
        text = interface_text(page(out, route))
        assert text and not LATIN.search(text), (route, text)
    home = page(out, "/ar/")
    assert [a.text for a in home.cssselect(".site-nav a")] == [
        ar["home"], "الدول", "شخصيات", ar["briefings"], ar["search"]]
    assert home.cssselect(".day-title")[0].text.startswith(f"{ar['latest_briefing']}: ")
    assert home.cssselect(".skip")[0].text == ar["skip"]
    assert home.findtext(".//h1") == ar["latest_news"]
    assert page(out, "/ar/briefings/").cssselect("h2.month")[0].text == "نوفمبر ٢٠٢٤"
    day = page(out, "/ar/briefings/2024-11-24/")
    assert [h.text for h in day.cssselect("main h2")] == [ar["briefs"]]
    footer = home.cssselect(".site-footer .feed-link")[0]
    assert footer.text == ar["feed"]
    article = page(out, "/ar/articles/haftar-turkey/")
    meta = article.cssselect(".meta")[0].text_content()
    assert f"{ar['updated']} " in meta and f"{ar['source']}: " in meta
    notice = article.cssselect(".notice-reviewed")[0].text_content()
    assert notice.startswith(ar["reviewed"]) and f"{ar['original']}: فارسی" in notice
    pending = page(out, "/ar/articles/libya-vote/").cssselect(".notice-pending")[0]
    assert pending.text_content().startswith(ar["pending"])


def test_french_pages_carry_french_words(out: Path) -> None:
    en, fr = catalogue("en"), catalogue("fr")
    english = {v for k, v in en.items() if isinstance(v, str) and v != fr[k] and len(v) > 3}
    for route in ("/fr/", "/fr/articles/haftar-turkey/", "/fr/articles/oslo-talks/",
                  "/fr/countries/", "/fr/countries/turkey/", "/fr/briefings/"):
        text = interface_text(page(out, route))
        assert text, route
        for word in english:
            assert not re.search(rf"\b{re.escape(word)}\b", text), (route, word, text)
    home = page(out, "/fr/")
    assert [a.text for a in home.cssselect(".site-nav a")] == [
        fr["home"], "Pays", "Personnalités", fr["briefings"], fr["search"]]
    # French typography: a no-break space before the colon
    assert home.cssselect(".day-title")[0].text.startswith(f"{fr['latest_briefing']}\u00a0: ")
    # the site's own word (tests/sites/polyglot/i18n/fr.yaml) over the theme's
    day = page(out, "/fr/briefings/2024-11-24/")
    assert [h.text for h in day.cssselect("main h2")] == ["Brèves"]
    assert fr["briefs"] != "Brèves"
    article = page(out, "/fr/articles/haftar-turkey/")
    assert "Mis à jour le 26 novembre 2024" in article.cssselect(".meta")[0].text_content()


def test_dates_in_each_languages_form(out: Path) -> None:
    """2024-11-25, a Monday: Solar Hijri in Persian digits, CLDR's long and full forms
    elsewhere, the Arabic comma and Arabic-Indic digits in Arabic."""
    expected = {"fa": "دوشنبه ۵ آذر ۱۴۰۳", "en": "Monday, November 25, 2024",
                "ar": "الاثنين، ٢٥ نوفمبر ٢٠٢٤", "fr": "lundi 25 novembre 2024"}
    short = {"fa": "۵ آذر ۱۴۰۳", "en": "November 25, 2024", "ar": "٢٥ نوفمبر ٢٠٢٤",
             "fr": "25 novembre 2024"}
    for lang in LANGS:
        home = page(out, f"/{lang}/")
        assert home.cssselect(".day-title time")[0].text == expected[lang], lang
        article = page(out, f"/{lang}/articles/haftar-turkey/")
        assert article.findtext(".//p[@class='meta']/time").startswith(short[lang]), lang


def test_arabic_counts_take_their_plural_forms(out: Path) -> None:
    """Libya has 3 stories on the Arabic side (two of them pending translation), Turkey 2,
    Egypt 1; the day lists 2 and 1."""
    index = page(out, "/ar/countries/")
    counts = {a.text: a.getnext().text for a in index.cssselect(".term-index a")}
    assert counts == {"ليبيا": "(٣ أخبار)", "تركيا": "(خبران)", "مصر": "(خبر واحد)",
                      "النرويج": "(خبر واحد)"}
    libya = page(out, "/ar/countries/libya/")
    assert libya.cssselect("h1 .count")[0].text == "(٣ أخبار)"
    assert libya.cssselect(".page-of")[0].text == "الصفحة ١ من ٢"
    days = page(out, "/ar/briefings/")
    assert [s.text for s in days.cssselect(".days .count")] == [
        "(خبر واحد)", "(خبران)", "(خبر واحد)"]
    en = page(out, "/en/countries/")
    assert {a.text: a.getnext().text for a in en.cssselect(".term-index a")}["Egypt"] == \
        "(1 story)"


def test_arabic_counts_of_eleven_and_a_hundred(tmp_path: Path) -> None:
    """CLDR's Arabic `many` (11-99) and `other` (100...) on built pages."""
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    for i in range(100):
        country = "egypt" if i < 11 else "norway"
        (site / "content" / f"brief-{i}.fa.md").write_text(
            f"---\ntitle: خبر {i}\ndate: 2024-10-01T{i % 24:02}:00\nkind: brief\n"
            f"countries: [{country}]\n---\nمتن.\n", encoding="utf-8")
    build(site, tmp_path / "out")
    index = page(tmp_path / "out", "/ar/countries/")
    counts = {a.text: a.getnext().text for a in index.cssselect(".term-index a")}
    assert counts["مصر"] == "(١٢ خبرًا)"  # 11 briefs and the Cairo meeting
    assert counts["النرويج"] == "(٩٠ خبرًا)"  # 89 briefs and the Oslo talks
    assert page(tmp_path / "out", "/ar/countries/norway/").cssselect(".page-of")[0].text \
        == "الصفحة ١ من ٤٥"
    fr = page(tmp_path / "out", "/fr/countries/")  # French sees only what English has
    assert {a.text: a.getnext().text for a in fr.cssselect(".term-index a")}["Égypte"] == \
        "(1 article)"


def test_hreflang_alternates_list_all_four_languages(out: Path) -> None:
    for lang in LANGS:
        doc = page(out, f"/{lang}/articles/haftar-turkey/")
        alternates = {link.get("hreflang"): link.get("href")
                      for link in doc.xpath("//link[@rel='alternate'][@hreflang]")}
        assert alternates == {
            **{code: f"{BASE}{code}/articles/haftar-turkey/" for code in LANGS},
            "x-default": f"{BASE}fa/articles/haftar-turkey/"}
        switch = doc.cssselect(".lang-switch a")
        assert [(a.get("hreflang"), a.get("dir")) for a in switch] == [
            (code, DIRS[code]) for code in LANGS if code != lang]
        label = doc.cssselect(".lang-switch")[0].get("aria-label")
        assert label == catalogue(lang)["other_languages"]["other"]  # type: ignore[index]


def test_term_pages_link_every_other_language(out: Path) -> None:
    twins = page(out, "/ar/countries/turkey/").cssselect(".twins")[0]
    assert twins.text == "بلغات أخرى: "
    assert [(a.get("hreflang"), a.text_content()) for a in twins.cssselect("a")] == [
        ("fa", "ترکیه"), ("en", "Turkey"), ("fr", "Turquie")]
    assert [b.text for b in twins.cssselect(".count bdi")] == ["فارسی", "English", "Français"]


def test_arabic_keeps_its_letters(out: Path) -> None:
    """Persian folds Arabic yeh and kaf into its own letters; Arabic must keep them."""
    doc = page(out, "/ar/articles/haftar-turkey/")
    assert doc.findtext(".//h1") == "قوات خليفة حفتر تعزز تعاونها العسكري مع تركيا"
    # each chip: its kind for screen readers (hidden), then the name
    assert [a.cssselect(".visually-hidden")[0].tail for a in doc.cssselect("footer .terms a")] \
        == ["ليبيا", "تركيا", "خليفة حفتر"]
    assert "شخصيات" in [a.text for a in doc.cssselect(".site-nav a")]
    persian = page(out, "/fa/articles/haftar-turkey/")
    assert "ي" not in persian.findtext(".//h1") and "ی" in persian.findtext(".//h1")


def test_a_translation_of_a_translation_has_the_storys_dates_and_source(out: Path) -> None:
    """French is made from English, English from Persian: the French page shows the
    story's update and source, and names English as what it was translated from."""
    doc = page(out, "/fr/articles/haftar-turkey/")
    meta = doc.cssselect(".meta")[0]
    assert [t.get("datetime") for t in meta.cssselect("time")] == [
        "2024-11-25T10:00:00+03:30", "2024-11-26T08:15:00+03:30"]
    assert meta.cssselect("bdi")[0].text == "نگاه نو"
    original = doc.cssselect(".notice a")[0]
    assert original.get("hreflang") == "en" and not doc.cssselect(".notice-stale")


def test_sitemaps_feeds_and_opml_cover_four_languages(out: Path) -> None:
    sitemap = etree.parse(str(out / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
          "x": "http://www.w3.org/1999/xhtml"}
    url = sitemap.xpath(f"//s:url[s:loc='{BASE}ar/articles/haftar-turkey/']", namespaces=ns)[0]
    assert sorted(link.get("hreflang") for link in url.xpath("x:link", namespaces=ns)) == [
        "ar", "en", "fa", "fr", "x-default"]
    robots = (out / "robots.txt").read_text("utf-8")
    for lang in LANGS:
        assert f"{BASE}{lang}/sitemap-news.xml" in robots
        assert (out / lang / "sitemap-news.xml").is_file()
        rss = feedparser.parse((out / lang / "feed.xml").read_bytes())
        assert rss.bozo == 0 and rss.feed.language == lang and rss.entries
    opml = etree.parse(str(out / "feeds.opml"))
    assert [o.get("language") for o in opml.xpath("/opml/body/outline")] == list(LANGS)
    ar = json.loads((out / "ar" / "feed.json").read_text("utf-8"))
    first = ar["items"][0]
    assert first["content_html"].startswith("<p><em>ترجمة مُراجَعة</em>")
    assert [v["language"] for v in first["_khabar"]["versions"]] == ["fa", "en", "fr"]
    fr = feedparser.parse((out / "fr" / "atom.xml").read_bytes())
    assert fr.entries[0].title.startswith("Les forces de Khalifa Haftar")
    assert "Traduction relue" in fr.entries[0].content[0].value
    turkey = feedparser.parse((out / "ar" / "countries" / "turkey" / "feed.xml").read_bytes())
    assert turkey.feed.subtitle == "الدول: تركيا"
