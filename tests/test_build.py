"""The whole pipeline: example site, fixture site, determinism, atomic output, CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Run, snapshot, write
from lxml import html as lxml_html

from khabar import write as write_stage
from khabar.build import build
from khabar.errors import KhabarError


def page(out: Path, route: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((out / route.lstrip("/") / "index.html").read_bytes())


def test_example_site_builds(tmp_path: Path, cli: Callable[..., Run]) -> None:
    out = tmp_path / "site"
    run = cli("build", "--site", ROOT, "--out", out)
    assert run.code == 0, run.err
    fa, en = page(out, "/fa/"), page(out, "/en/")
    assert (fa.get("lang"), fa.get("dir")) == ("fa", "rtl")
    assert (en.get("lang"), en.get("dir")) == ("en", "ltr")
    seed = page(out, "/fa/articles/haftar-turkey/")
    assert "افزایش همکاری نظامی نیروهای خلیفه حفتر با ترکیه" in seed.findtext(".//h1")
    assert "۳ آذر ۱۴۰۳" in seed.text_content()  # 2024-11-23, Solar Hijri, Persian digits
    english = page(out, "/en/articles/haftar-turkey/")
    assert "November 23, 2024" in english.text_content()
    assert english.cssselect(".notice-reviewed")
    briefs = list((ROOT / "content").rglob("*.fa.md"))
    assert len(briefs) == 14
    for lang in ("fa", "en"):
        assert len(list((out / lang / "articles").iterdir())) == 14


def test_check_writes_nothing(tmp_path: Path, mini_site: Path, cli: Callable[..., Run]) -> None:
    before = snapshot(mini_site)
    run = cli("check", "--site", mini_site)
    assert run.code == 0, run.err
    assert snapshot(mini_site) == before


def test_no_command_means_build(mini_site: Path, cli: Callable[..., Run]) -> None:
    run = cli("--site", mini_site)
    assert run.code == 0, run.err
    assert (mini_site / "_site" / "fa" / "index.html").is_file()


def test_rebuild_is_byte_identical(mini_site: Path, tmp_path: Path) -> None:
    build(mini_site, tmp_path / "a")
    build(mini_site, tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_every_page_names_language_direction_and_alternates(mini_site: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    pages = [p for p in out.rglob("*.html")]
    assert len(pages) > 20
    for path in pages:
        doc = lxml_html.fromstring(path.read_bytes())
        assert doc.get("lang") in ("fa", "en") and doc.get("dir") in ("rtl", "ltr"), path
        assert doc.cssselect('link[rel="canonical"]') or path.name == "404.html"
        alternates = {e.get("hreflang"): e.get("href")
                      for e in doc.cssselect('link[rel="alternate"][hreflang]')}
        for code, href in alternates.items():
            if code == "x-default":
                continue
            target = out / href.removeprefix("https://news.example.net/briefing/") / "index.html"
            assert target.is_file(), (path, href)
            back = lxml_html.fromstring(target.read_bytes())
            mine = doc.cssselect('link[rel="canonical"]')[0].get("href")
            assert mine in [e.get("href") for e in back.cssselect('link[hreflang]')], (path, href)


def test_pages_of_the_fixture_site(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    # Solar Hijri front matter date, shown in Persian digits, ISO in <time>
    fa = page(out, "/fa/articles/haftar-turkey/")
    time = fa.cssselect("time")[0]
    assert time.get("datetime") == "2024-11-25T00:00:00+03:30"
    assert time.text == "۵ آذر ۱۴۰۳"
    # a Persian story with no English version is "translation pending" on the English side
    pending = page(out, "/en/articles/turkey-brief/")
    assert pending.cssselect(".notice-pending")
    assert pending.cssselect('meta[name="robots"][content="noindex"]')
    assert pending.cssselect('.notice-pending a[href="/briefing/fa/articles/turkey-brief/"]')
    # a machine translation whose source changed is marked stale and names its engine
    stale = page(out, "/en/articles/oslo-talks/")
    assert stale.cssselect(".notice-machine") and stale.cssselect(".notice-stale")
    assert "argostranslate 1.11.0" in stale.cssselect(".notice-machine")[0].text_content()
    # the language switcher leads to the same story
    switch = fa.cssselect(".lang-switch a")[0]
    assert switch.get("href") == "/briefing/en/articles/haftar-turkey/"
    # drafts are left out unless asked for
    assert not (out / "fa/articles/draft-story").exists()
    build(mini_site, tmp_path / "drafts", drafts=True)
    assert (tmp_path / "drafts/fa/articles/draft-story/index.html").is_file()


def test_term_pages_paginate_newest_first_and_link_twins(mini_site: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    first = page(out, "/fa/countries/libya/")
    second = page(out, "/fa/countries/libya/page/2/")
    titles = [a.text_content() for a in first.cssselect(".story-title a")]
    assert len(titles) == 2 and len(second.cssselect(".story-title a")) == 1
    times = [t.get("datetime") for t in first.cssselect(".story time")
             + second.cssselect(".story time")]
    assert times == sorted(times, reverse=True)
    twin = first.cssselect(".twins a")[0]
    assert twin.get("href") == "/briefing/en/countries/libya/"
    index = page(out, "/en/countries/")
    counts = [(a.text, a.getnext().text) for a in index.cssselect(".term-index a")]
    assert counts[0] == ("Libya", "(3 stories)")
    assert ("Norway", "(1 story)") in counts  # iso: NO is Norway, not false


def test_daily_briefings(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    home = page(out, "/fa/")
    assert home.findtext(".//h1") == "تازه‌ترین خبرها"
    assert "دوشنبه ۵ آذر ۱۴۰۳" in home.cssselect(".day-title time")[0].text
    day = page(out, "/fa/briefings/2024-11-24/")
    assert len(day.cssselect(".story")) == 2
    assert day.cssselect('a[rel="prev"]')[0].get("href") == "/briefing/fa/briefings/2024-11-25/"


def test_hostile_content_is_escaped_or_removed(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    raw = (out / "fa/articles/turkey-brief/index.html").read_text()
    assert "<script>" not in raw and "onerror" not in raw and "javascript:" not in raw
    assert "&lt;script&gt;" in raw  # the title's markup is shown, not run
    code = (out / "fa/articles/haftar-turkey/index.html").read_text()
    assert "{{ 7*7 }}" in code  # article text is never evaluated as a template


def test_site_templates_override_the_theme(mini_site: Path, tmp_path: Path) -> None:
    write(mini_site / "templates/404.html", "{% extends 'base.html' %}{% block main %}"
          "<p id='mine'>{{ t.not_found }}</p>{% endblock %}")
    out = tmp_path / "out"
    build(mini_site, out)
    assert "id='mine'" in (out / "fa" / "404.html").read_text()  # each language's
    assert (out / "humans.txt").read_text().startswith("User-agent")  # static/ copied


def test_failed_publish_leaves_previous_output(mini_site: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    before = snapshot(out)
    (mini_site / "content/news/oslo-talks.fa.md").unlink()
    (mini_site / "content/news/oslo-talks.en.md").unlink()
    real = write_stage.write_file
    calls = 0

    def flaky(path: Path, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        real(path, data)

    monkeypatch.setattr(write_stage, "write_file", flaky)
    with pytest.raises(KhabarError, match="disk full"):  # incremental (the cache is there)
        build(mini_site, out)
    assert snapshot(out) == before
    assert not [p for p in out.rglob("*.tmp")]
    calls = 0
    with pytest.raises(KhabarError, match="disk full"):  # a clean one
        build(mini_site, out, clean=True)
    monkeypatch.undo()
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []
    build(mini_site, out)
    assert not (out / "fa/articles/oslo-talks").exists()


def test_build_py_runs_from_anywhere(mini_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--site",
                           str(mini_site), "--out", str(out)], cwd=tmp_path,
                          capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"built \d+ pages", proc.stdout)
    assert (out / "fa/index.html").is_file()


def test_installed_package_ships_the_theme(tmp_path: Path) -> None:
    """A wheel carries the default theme, so `khabar build` works far from the repository."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("khabar-*.whl"))
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    assert "khabar/_theme/base.html" in names and "khabar/_theme/style.css" in names


def test_publish_refuses_nothing_when_empty(tmp_path: Path) -> None:
    output = write_stage.Output()
    output.add("a/index.html", b"x", "test")
    output.add("/a/index.html", b"y", "other")
    with pytest.raises(KhabarError) as caught:
        output.check()
    assert str(caught.value) == "other: error: would be published as 'a/index.html', " \
        "which is also test (hint: rename or move one of them)"


def test_parallel_rendering_matches_one_process(mini_site: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                cli: Callable[..., Run]) -> None:
    from khabar import make as make_stage
    monkeypatch.setattr(make_stage, "PARALLEL_MIN", 1)  # the fixture site is small
    build(mini_site, tmp_path / "one", parallel=False)
    build(mini_site, tmp_path / "many", parallel=True, clean=True)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "many")
    # a template error inside a worker process still names the template
    write(mini_site / "templates/article.html", "{% extends 'base.html' %}{% block main %}"
          "{{ story.no_such_field }}{% endblock %}")
    before = snapshot(tmp_path / "many")
    run = cli("build", "--site", mini_site, "--out", tmp_path / "many")
    assert run.code == 1
    assert any("article.html" in line and "no_such_field" in line
               for line in run.error_lines), run.err
    assert snapshot(tmp_path / "many") == before


def test_parsing_in_workers_matches_one_process(mini_site: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                cli: Callable[..., Run]) -> None:
    """Articles parsed (and their Markdown rendered) in worker processes: the same site,
    and the same errors, in the same order, as parsing them here."""
    from khabar import load as load_stage
    from khabar import make as make_stage
    from khabar import parallel
    monkeypatch.setattr(load_stage, "PARSE_PARALLEL_MIN", 1)  # the fixture site is small
    monkeypatch.setattr(make_stage, "PARALLEL_MIN", 1)
    build(mini_site, tmp_path / "one", parallel=False)
    build(mini_site, tmp_path / "many", parallel=True)
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "many")

    write(mini_site / "content/news/broken.fa.md", "---\ntitle: [unclosed\n---\nbody\n")
    write(mini_site / "content/news/undated.fa.md", "---\ntitle: بی‌تاریخ\n---\nbody\n")
    outputs = []
    for flag in ("--clean", "--clean"):
        monkeypatch.setattr(parallel, "workers", lambda: 2 if not outputs else 1)
        run = cli("build", "--site", mini_site, "--out", tmp_path / "many", flag)
        assert run.code == 1
        outputs.append(run.error_lines)
    assert outputs[0] == outputs[1]
    assert any("broken.fa.md:3" in line and "YAML" in line for line in outputs[0]), outputs[0]
    assert any("undated.fa.md" in line and "date" in line for line in outputs[0]), outputs[0]


def test_the_theme_ships_its_fonts_with_their_licences(mini_site: Path, tmp_path: Path) -> None:
    """Fonts and their OFL texts are published under assets/fonts/; a site's own
    templates/assets/ file of the same name takes the theme's place."""
    build(mini_site, tmp_path / "out")
    fonts = tmp_path / "out" / "assets" / "fonts"
    names = {p.name for p in fonts.iterdir()}
    assert {"vazirmatn-33.0.3-arabic-wght.woff2", "OFL-Vazirmatn.txt", "OFL-SourceSerif4.txt",
            "source-serif-4-5.3.1-latin-wght-normal.woff2"} <= names
    assert (fonts / "vazirmatn-33.0.3-arabic-wght.woff2").read_bytes()[:4] == b"wOF2"
    assert "SIL Open Font License" in (fonts / "OFL-Vazirmatn.txt").read_text("utf-8")
    own = mini_site / "templates" / "assets" / "fonts" / "vazirmatn-33.0.3-arabic-wght.woff2"
    own.parent.mkdir(parents=True)
    own.write_bytes(b"wOF2 the site's own")
    build(mini_site, tmp_path / "out")
    assert (fonts / "vazirmatn-33.0.3-arabic-wght.woff2").read_bytes() == b"wOF2 the site's own"


def test_the_stale_marker_in_lists_is_said_in_words(mini_site: Path, tmp_path: Path) -> None:
    """Not a bare "!" explained only by a tooltip: touch and screen-reader users read it."""
    build(mini_site, tmp_path / "out")
    page = lxml_html.fromstring(
        (tmp_path / "out" / "en" / "countries" / "libya" / "index.html").read_bytes())
    badges = page.cssselect(".badge-stale")
    assert badges and all(b.text_content() == "original changed" for b in badges)
    fa = lxml_html.fromstring((tmp_path / "out" / "fa" / "index.html").read_bytes())
    assert not fa.cssselect(".badge-stale")  # an original is never stale


def test_a_not_found_page_per_language_and_one_for_all(mini_site: Path, tmp_path: Path) -> None:
    build(mini_site, tmp_path / "out")
    out = tmp_path / "out"
    for lang, heading in (("fa", "صفحه پیدا نشد"), ("en", "Page not found")):
        page = lxml_html.fromstring((out / lang / "404.html").read_bytes())
        assert page.get("lang") == lang and page.findtext(".//h1") == heading
        assert page.cssselect('meta[name="robots"]')[0].get("content") == "noindex"
    root = lxml_html.fromstring((out / "404.html").read_bytes())
    sections = root.cssselect("section.not-found")
    assert [s.get("lang") for s in sections] == ["fa", "en"]
    assert [s.get("dir") for s in sections] == ["rtl", "ltr"]
    assert [s.cssselect("a")[0].get("href") for s in sections] == \
        ["/briefing/fa/", "/briefing/en/"]
    assert "404.html" not in (out / "sitemap.xml").read_text("utf-8")
