"""What readers get on the home page, the briefings archive and a story's page: the newest
days of stories, months in the language's calendar, time of day, the story's day, its
neighbours and related stories, and a brief that never opens on an empty page."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from conftest import write
from lxml import html as lxml_html

from khabar.build import build
from khabar.errors import KhabarError
from khabar.render import home_days
from khabar.taxonomy import Day


def page(out: Path, route: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((out / route.strip("/") / "index.html").read_bytes())


def add_days(site: Path, first: int, count: int, per_day: int = 1) -> None:
    """`count` days of Persian briefs, 2024-10-`first` onwards, tagged Libya."""
    for d in range(first, first + count):
        for k in range(per_day):
            write(site / "content" / "days" / f"day-{d}-{k}.fa.md", f"""
                ---
                title: خبر کوتاه روز {d} شماره {k}
                date: 2024-10-{d:02d}T{10 + k}:15
                kind: brief
                countries: [libya]
                source: {{name: ایسنا, url: https://example.org/{d}/{k}}}
                ---
                متن کوتاه خبر روز {d}.
                """)


def test_home_days_counts_whole_days_and_always_the_newest() -> None:
    def days(*sizes: int) -> list[Day]:
        # only the number of stories counts here
        return [Day(date(2024, 1, i + 1), cast(Any, (None,) * n)) for i, n in enumerate(sizes)]
    assert home_days(days(3, 3, 3, 3), 7, 30) == 4
    assert home_days(days(3, 3, 3, 3), 2, 30) == 2
    assert home_days(days(3, 3, 3, 3), 7, 7) == 2  # a third day would make 9
    assert home_days(days(50, 1), 7, 30) == 1  # the newest day, however long
    assert home_days([], 7, 30) == 0


def test_home_shows_the_newest_days_then_older_ones_by_month(mini_site: Path,
                                                             tmp_path: Path) -> None:
    add_days(mini_site, 10, 20)  # 10-29 October
    site_yaml = mini_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8")
                         + "home: {days: 5, items: 30}\n", encoding="utf-8")
    out = tmp_path / "out"
    build(mini_site, out)
    home = page(out, "/fa/")
    sections = home.cssselect("section.day")
    assert len(sections) == 5
    titles = [s.cssselect(".day-title time")[0].get("datetime") for s in sections]
    assert titles == sorted(titles, reverse=True) and titles[0] == "2024-11-25"
    # the newest day is the latest briefing, and says so
    assert home.cssselect(".day-title")[0].text.startswith("تازه‌ترین خلاصه خبرها")
    # reports before briefs within a day
    day_24 = next(s for s in sections
                  if s.cssselect(".day-title time")[0].get("datetime") == "2024-11-24")
    kinds = [a.get("class").split()[1] for a in day_24.cssselect("article.story")]
    assert kinds == sorted(kinds, key=lambda k: k != "story-article")
    # older days by Solar Hijri month, Persian digits, then a link to all briefings
    months = [h.text for h in home.cssselect(".archive h3.month")]
    assert months == ["آبان ۱۴۰۳", "مهر ۱۴۰۳"]
    assert home.cssselect(".archive .more a")[0].get("href").endswith("/fa/briefings/")
    # a brief is shown in full where it is listed, with its source
    brief = next(b for b in home.cssselect("article.story-brief")
                 if b.cssselect('a[href$="/day-29-0/"]'))
    assert brief.cssselect(".badge-brief") and brief.cssselect(".summary .source a")


def test_briefings_archive_groups_days_by_the_languages_month(mini_site: Path,
                                                              tmp_path: Path) -> None:
    add_days(mini_site, 20, 3)  # 20-22 October: 29 Mehr to 1 Aban 1403
    out = tmp_path / "out"
    build(mini_site, out)
    fa = page(out, "/fa/briefings/")
    assert [h.text for h in fa.cssselect("h2.month")] == ["آذر ۱۴۰۳", "آبان ۱۴۰۳", "مهر ۱۴۰۳"]
    assert len(fa.cssselect(".month-days")[-1].cssselect("li")) == 2  # 20, 21 October
    en = page(out, "/en/briefings/")
    assert [h.text for h in en.cssselect("h2.month")] == ["November 2024", "October 2024"]


def test_story_page_gives_its_time_day_neighbours_and_related(mini_site: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    brief = page(out, "/fa/articles/turkey-brief/")
    when = brief.cssselect(".story-page .meta time")[0].text
    assert when == "۴ آذر ۱۴۰۳، ساعت ۹:۰۰"  # the site's timezone, CLDR's join, Persian digits
    assert brief.cssselect(".story-page .badge-brief")
    day = brief.cssselect(".story-day a")[0]
    assert day.get("href").endswith("/fa/briefings/2024-11-24/")
    older, newer = brief.cssselect('a[rel="prev"]'), brief.cssselect('a[rel="next"]')
    assert not older  # the oldest story
    assert newer[0].get("href").endswith("/fa/articles/oslo-talks/")
    related = [a.get("href").rsplit("/", 2)[-2] for a in brief.cssselect(".related a")]
    assert related == ["haftar-turkey", "oslo-talks"]  # both share Libya; newest first
    same_day = [a.get("href").rsplit("/", 2)[-2] for a in brief.cssselect(".same-day a")]
    assert same_day == ["oslo-talks"]
    en = page(out, "/en/articles/oslo-talks/")
    # CLDR's English time has a narrow no-break space before PM
    assert en.cssselect(".story-page .meta time")[0].text == "November 24, 2024, 6:30\u202fPM"
    # a date without a time of day shows the day alone
    assert page(out, "/en/articles/haftar-turkey/").cssselect(
        ".story-page .meta time")[0].text == "November 25, 2024"


def test_a_story_without_a_body_has_no_empty_body(mini_site: Path, tmp_path: Path) -> None:
    write(mini_site / "content" / "news" / "headline-only.fa.md", """
        ---
        title: فقط یک تیتر
        date: 2024-11-25T08:00
        kind: brief
        countries: [libya]
        ---
        """)
    out = tmp_path / "out"
    build(mini_site, out)
    story = page(out, "/fa/articles/headline-only/")
    assert not story.cssselect(".body")
    assert story.cssselect(".same-day a") and story.cssselect(".related a")


def test_persian_dates_may_show_the_gregorian_one_too(mini_site: Path, tmp_path: Path) -> None:
    site_yaml = mini_site / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    assert "fa: {name: فارسی, dir: rtl}" in text
    site_yaml.write_text(text.replace("fa: {name: فارسی, dir: rtl}",
                                      "fa: {name: فارسی, dir: rtl, also_gregorian: true}"),
                         encoding="utf-8")
    out = tmp_path / "out"
    build(mini_site, out)
    story = page(out, "/fa/articles/turkey-brief/")
    assert story.cssselect(".story-page .meta time")[0].text == \
        "۴ آذر ۱۴۰۳ (۲۴ نوامبر ۲۰۲۴)، ساعت ۹:۰۰"
    assert page(out, "/en/articles/turkey-brief/").cssselect(".story-page .meta time")[
        0].text.startswith("November 24, 2024")  # English has one calendar


def test_also_gregorian_must_be_true_or_false(mini_site: Path, tmp_path: Path) -> None:
    site_yaml = mini_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace(
        "fa: {name: فارسی, dir: rtl}", "fa: {name: فارسی, dir: rtl, also_gregorian: yes-ish}"),
        encoding="utf-8")
    with pytest.raises(KhabarError) as caught:
        build(mini_site, tmp_path / "out")
    assert "also_gregorian: must be true or false" in str(caught.value)


def test_a_body_link_from_the_sites_root_keeps_the_sites_path(mini_site: Path,
                                                               tmp_path: Path) -> None:
    """The mini site lives under /briefing/: `/fa/articles/…` in a body means the site's
    page, there, on the page and in the feeds."""
    write(mini_site / "content" / "news" / "links.fa.md", """
        ---
        title: پیوندها
        date: 2024-11-25T08:00
        countries: [libya]
        ---
        نگاه کنید به [گفتگوها](/fa/articles/oslo-talks/) و [پیوند دیگر](//cdn.example/x).
        """)
    out = tmp_path / "out"
    build(mini_site, out)
    hrefs = page(out, "/fa/articles/links/").xpath("//div[@class='body']//a/@href")
    assert hrefs == ["/briefing/fa/articles/oslo-talks/", "//cdn.example/x"]
    feed = (out / "fa" / "feed.xml").read_text(encoding="utf-8")
    assert "https://news.example.net/briefing/fa/articles/oslo-talks/" in feed


def test_footnote_markers_are_in_the_digits_of_the_storys_language(
        mini_site: Path, tmp_path: Path) -> None:
    english = mini_site / "content" / "news" / "haftar-turkey.en.md"
    english.write_text(english.read_text(encoding="utf-8")
                       + "[^1]\n\n[^1]: Source: a site.\n", encoding="utf-8")
    out = tmp_path / "out"
    build(mini_site, out)
    marker = "//sup/a[@class='footnote-ref']/text()"
    assert page(out, "/fa/articles/haftar-turkey/").xpath(marker) == ["۱"]
    assert page(out, "/en/articles/haftar-turkey/").xpath(marker) == ["1"]
    assert ">۱</a></sup>" in (out / "fa" / "feed.xml").read_text(encoding="utf-8").replace(
        "&gt;", ">").replace("&lt;", "<")
    site_yaml = mini_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace(
        "fa: {name: فارسی, dir: rtl}", "fa: {name: فارسی, dir: rtl, digits: latin}"),
        encoding="utf-8")
    build(mini_site, out)
    assert page(out, "/fa/articles/haftar-turkey/").xpath(marker) == ["1"]
