"""Search (khabar/search.py, templates/search.html, templates/assets/search/): a Pagefind
index per language made by every build, byte-stable, staged before the publish; and the
search page in a real browser, where a Persian word typed with Arabic letters, without
its ZWNJ, with other digits or with diacritics finds its story, English finds English, and
a filter narrows the results."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ROOT, Run, need_tool, snapshot, write
from playwright.sync_api import Browser, Dialog, Page, Route
from test_browser import only_local, serving
from test_pages_in_browser import AXE_RUN, AXE_SOURCE

from khabar import cache, search
from khabar.build import build
from khabar.errors import CommandError, KhabarError
from khabar.stories import PENDING, search_part, search_parts

NEWS = Path("content/news")
# A story of its own, with words to find in each way a reader may type them.
PROBE_FA = """
---
title: بازگشایی کتابخانه‌های عمومی تهران
date: 2024-11-22T10:00
countries: [turkey]
---
شهرداری تهران اعلام کرد که کتابخانه‌های عمومی شهر از فردا بازگشایی می‌شوند. بودجه این
طرح ۲۵۰ میلیارد ریال است و مُطالعه در آن‌ها رایگان خواهد بود.
"""
PROBE_EN = """
---
title: Tehran's public libraries reopen
translation: {from: fa, engine: human, model: none, status: reviewed}
---
Tehran's municipality said the city's public libraries reopen tomorrow, on a budget of
250 billion rials; reading there will be free.
"""
PROBE = "/briefing/fa/articles/library-reopening/"
PROBE_EN_URL = "/briefing/en/articles/library-reopening/"
OSLO = "/briefing/fa/articles/oslo-talks/"

# search_key's cases, checked in Python and in the page's script alike: (typed, key)
KEYS = [
    ("بازگشايي", "بازگشایی"),  # Arabic yeh
    ("كتابخانه", "کتابخانه"),  # Arabic kaf
    ("می‌شوند", "می شوند"),  # ZWNJ: a space
    ("میشوند", "میشوند"),
    ("می  شوند", "می شوند"),
    ("۲۵۰", "250"),  # Persian digits
    ("٢٥٠", "250"),  # Arabic-Indic digits
    ("مُطالعه", "مطالعه"),  # a damma
    ("کتـــاب", "کتاب"),  # tatweel
    ("Tehran's LIBRARIES", "tehran's libraries"),
    ("Straße", "strasse"),
    ("\u202bمتن\u202c", "متن"),  # a bidi embedding
    ("  ۱۴۰۳\u00a0آذر  ", "1403 آذر"),
    ("\u0131\u1e9e\u13a0\uab70", "\u0131ss\u13a0\u13a0"),  # casefold's own cases
]


@pytest.fixture(autouse=True)
def own_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user cache directory (signing key, compiled templates) of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache._key.cache_clear()


def add_probe(site: Path) -> None:
    write(site / NEWS / "library-reopening.fa.md", PROBE_FA)
    write(site / NEWS / "library-reopening.en.md", PROBE_EN)


def entries(out: Path) -> dict[str, dict[str, Any]]:
    """Each bundle's entry file, by its folder under pagefind/ (`fa/2024`)."""
    return {path.parent.relative_to(out / "pagefind").as_posix(): json.loads(path.read_bytes())
            for path in sorted((out / "pagefind").glob("*/*/pagefind-entry.json"))}


def fragments(out: Path) -> dict[str, dict[str, Any]]:
    """Every indexed page's record by its URL."""
    found = {}
    for path in (out / "pagefind").glob("*/*/fragment/*.pf_fragment"):
        record = json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])
        found[record["url"]] = record
    return found


def search_tree(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(out).items() if k.startswith("pagefind/")}


# -- the index ----------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "key"), KEYS)
def test_search_key_folds_as_match_key(typed: str, key: str) -> None:
    assert search.search_key(typed) == key


def test_variants_are_the_keys_that_differ_from_the_words() -> None:
    assert search.variants("می‌شوند Tehran ۲۵۰ بازگشايي مُطالعه کتاب") == [
        "می شوند", "میشوند", "250", "بازگشایی", "مطالعه"]
    assert search.variants("Tehran's public libraries") == []


def test_every_language_has_its_index_of_its_stories(mini_site: Path, tmp_path: Path) -> None:
    add_probe(mini_site)
    out = tmp_path / "out"
    build(mini_site, out)
    # a bundle per language (a small site's index is one part): fa, three stories and the
    # probe, less the draft; en: two translations and the probe (turkey-brief's English
    # page is a pending translation: not indexed)
    found = {name: {k: v["page_count"] for k, v in e["languages"].items()}
             for name, e in entries(out).items()}
    assert found == {"en/1-of-1": {"en": 3}, "fa/1-of-1": {"fa": 4}}
    for name, e in entries(out).items():
        for info in e["languages"].values():
            assert (out / f"pagefind/{name}/pagefind.{info['hash']}.pf_meta").is_file(), name
        for file in ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json",
                     "wasm.en.pagefind" if name.startswith("en") else "wasm.unknown.pagefind",
                     search.DIGEST_NAME):
            assert (out / "pagefind" / name / file).is_file(), (name, file)
        assert not (out / "pagefind" / name / "pagefind-ui.js").exists()  # once, below
    for name in ("pagefind-ui.js", "pagefind-ui.css"):
        assert (out / "pagefind" / name).is_file(), name
    records = fragments(out)  # at their addresses, under the base URL's path
    assert sorted(records) == sorted([
        "/briefing/fa/articles/haftar-turkey/", "/briefing/fa/articles/turkey-brief/", OSLO,
        PROBE, "/briefing/en/articles/haftar-turkey/", "/briefing/en/articles/oslo-talks/",
        PROBE_EN_URL])
    probe = records[PROBE]
    assert probe["meta"]["title"] == "بازگشایی کتابخانه‌های عمومی تهران"
    assert probe["meta"]["date"] == "۲ آذر ۱۴۰۳، ساعت ۱۰:۰۰"
    assert probe["meta"]["کشورها"] == "ترکیه"
    assert probe["filters"] == {"کشورها": ["ترکیه"]}
    text, keys = probe["content"].split(search.SEPARATOR)
    assert "کتابخانه‌های عمومی شهر از فردا بازگشایی می‌شوند" in text  # as written
    for key in ("کتابخانه های", "کتابخانههای", "250", "مطالعه"):
        assert key in keys, key  # after the separator: found, never shown
    assert records["/briefing/en/articles/oslo-talks/"]["filters"] == {
        "Countries": ["Norway", "Libya"]}
    # the search page loads Pagefind from under the base URL's path
    page = (out / "fa/search/index.html").read_text("utf-8")
    assert '<script src="/briefing/pagefind/pagefind-ui.js" defer></script>' in page
    assert 'data-bundle="/briefing/pagefind/fa/1-of-1/"' in page and 'data-merge=""' in page
    assert 'data-images="no"' in page  # no story has a picture: no column for them
    assert "<noscript>" in page


def test_the_index_is_the_same_bytes_in_every_build(mini_site: Path, tmp_path: Path) -> None:
    """Pagefind lists filter values and languages in hash-map order; search.canonical
    sorts them, so two clean builds, and a rebuild after an edit and a clean build of the
    edited site, make the same index."""
    add_probe(mini_site)
    build(mini_site, tmp_path / "a", clean=True)
    build(mini_site, tmp_path / "b", clean=True)
    assert search_tree(tmp_path / "a") == search_tree(tmp_path / "b")
    story = mini_site / NEWS / "oslo-talks.fa.md"
    story.write_text(story.read_text("utf-8").replace("برگزار شد.", "برگزار شد و ادامه دارد."),
                     "utf-8")
    assert build(mini_site, tmp_path / "a").partial  # only the story's pages re-rendered
    build(mini_site, tmp_path / "c", clean=True)
    assert search_tree(tmp_path / "a") == search_tree(tmp_path / "c")
    assert "ادامه" in fragments(tmp_path / "a")[OSLO]["content"]  # the index is current
    assert search_tree(tmp_path / "a") != search_tree(tmp_path / "b")
    assert not [p for p in (mini_site / ".khabar-cache").rglob("*") if "search-" in p.name]


def test_a_build_that_changes_no_story_keeps_the_index(mini_site: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    before = search_tree(out)
    assert before[f"pagefind/fa/1-of-1/{search.DIGEST_NAME}"].strip().isalnum()

    def never(source: Path, target: Path, timeout: float) -> int:
        raise AssertionError("Pagefind ran for a build that changed no story")

    monkeypatch.setattr(search, "run_pagefind", never)
    write(mini_site / "templates/search.html", (ROOT / "templates/search.html").read_text(
        "utf-8").replace('class="search"', 'class="search mine"'))
    result = build(mini_site, out)
    assert result.rendered and not result.partial
    assert search_tree(out) == before
    assert 'class="search mine"' in (out / "fa/search/index.html").read_text("utf-8")
    monkeypatch.undo()
    add_probe(mini_site)  # a new story: a new index
    build(mini_site, out)
    assert search_tree(out) != before
    assert PROBE in fragments(out)


def test_canonical_makes_pagefinds_shuffled_output_one(tmp_path: Path) -> None:
    """Two runs of Pagefind over the same pages differ (filter values and languages in
    hash-map order: the run is repeated until they do); canonical output does not."""
    site = tmp_path / "site"
    for n in range(12):
        for lang in ("fa", "en"):
            write(site / lang / f"s{n}/index.html", f"""
                <html lang="{lang}"><body><main data-pagefind-body><h1>Story {n}</h1>
                <p>Words {n}</p><span data-pagefind-filter="tag">v{n}</span>
                <span data-pagefind-filter="tag">w{n % 3}</span>
                <span data-pagefind-filter="other">x{n % 5}</span></main></body></html>""")
    runs: list[dict[str, bytes]] = []
    for n in range(6):
        out = tmp_path / f"out{n}"
        assert search.run_pagefind(site, out, 60) == 24
        runs.append({f"pagefind/{p.relative_to(out).as_posix()}": p.read_bytes()
                     for p in sorted(out.rglob("*")) if p.is_file()})
        if runs[-1] != runs[0]:
            break
    assert runs[-1] != runs[0], "Pagefind's output was stable six times: is #638 fixed?"
    assert search.canonical(runs[0]) == search.canonical(runs[-1])
    assert len(search.canonical(runs[0])) == len(runs[0])


def test_output_it_does_not_understand_is_kept_as_it_is() -> None:
    files = {"pagefind/pagefind-entry.json": b'{"languages": {"fa": {"hash": "fa_0"}}}',
             "pagefind/pagefind.fa_0.pf_meta": gzip.compress(b"pagefind_dcd\xff")}
    assert search.canonical(files) == files


def fake_pagefind(tmp_path: Path, script: str) -> str:
    """A stand-in for the Pagefind binary (the `pagefind` package takes the one that
    PAGEFIND_BINARY_PATH names)."""
    path = write(tmp_path / "bin/pagefind", "#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize(("script", "message"), [
    ("echo 'Running Pagefind v1.5.2'\necho 'Error: the index\nbroke' >&2\nexit 1\n",
     "khabar: error: Pagefind could not make the search index: the index "
     "(hint: fix what it names and build again; the previous output is unchanged)"),
    ("exit 0\n", "khabar: error: Pagefind could not make the search index: exit status 0"),
    (None, "khabar: error: the search index needs the Pagefind binary, which is not "
           "installed (hint: pip install 'pagefind[bin]>=1.5,<1.6'"),
])
def test_a_failed_index_leaves_the_previous_output(mini_site: Path, tmp_path: Path,
                                                   cli: Callable[..., Run],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   script: str | None, message: str) -> None:
    out = tmp_path / "out"
    assert cli("build", "--site", mini_site, "--out", out).code == 0
    before = snapshot(out)
    add_probe(mini_site)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", fake_pagefind(tmp_path, script) if script
                       else str(tmp_path / "nowhere/pagefind"))
    run = cli("build", "--site", mini_site, "--out", out)
    assert run.code == 1
    assert run.err.splitlines() == [run.err.strip()]  # one line, no traceback
    assert run.err.startswith(message), run.err
    assert snapshot(out) == before
    work = mini_site / ".khabar-cache"
    assert not [p for p in work.rglob("*") if p.name.startswith("new-")]  # nothing left
    monkeypatch.undo()
    assert cli("build", "--site", mini_site, "--out", out).code == 0
    assert PROBE in fragments(out)


def test_a_stalled_pagefind_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", fake_pagefind(tmp_path, "sleep 30\n"))
    (tmp_path / "site").mkdir()
    started = time.perf_counter()
    with pytest.raises(CommandError, match=r"did not finish the search index in 1 s"):
        search.run_pagefind(tmp_path / "site", tmp_path / "out", 1.0)
    assert time.perf_counter() - started < 10


def test_a_bigger_site_is_indexed_in_parts_that_split_its_stories_evenly() -> None:
    assert [search_parts([_story(str(i)) for i in range(n)]) for n in
            (0, 1, 100, 143, 144, 1000, 10_000)] == [0, 1, 1, 1, 2, 4, 12]
    assert search_parts([_story("a", PENDING)] * 500) == 0  # pending: not searched
    sizes = Counter(search_part(f"story-{i}", 4) for i in range(1000))
    assert sorted(sizes) == [1, 2, 3, 4] and all(200 <= n <= 300 for n in sizes.values())
    assert search_part("story-7", 4) == search_part("story-7", 4)  # the same in every build


def _story(slug: str, state: str = "original") -> Any:
    return SimpleNamespace(slug=slug, state=state)


def marker(i: int) -> str:
    """A word found in filler story i alone."""
    return "نشان" + "".join("ابپتثجچحخد"[int(c)] for c in f"{i:03}")


def many_stories(site: Path, n: int) -> None:
    for i in range(n):
        write(site / NEWS / f"filler-{i:03}.fa.md", f"""
            ---
            title: گزارش شماره {i}
            date: 2024-10-{1 + i % 28:02}T08:00
            ---
            متن گزارش شماره {i} درباره {marker(i)} است.
            """)


def test_a_change_indexes_again_only_the_part_of_its_story(
        mini_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many_stories(mini_site, 150)
    out = tmp_path / "out"
    build(mini_site, out)
    found = {name: e["languages"]["fa"]["page_count"] for name, e in entries(out).items()
             if name.startswith("fa/")}
    assert set(found) == {"fa/1-of-2", "fa/2-of-2"} and sum(found.values()) == 153
    assert min(found.values()) > 50
    page = (out / "fa/search/index.html").read_text("utf-8")
    assert 'data-bundle="/briefing/pagefind/fa/1-of-2/"' in page
    assert 'data-merge="/briefing/pagefind/fa/2-of-2/"' in page
    before = search_tree(out)
    ran: list[int] = []
    real = search.run_pagefind

    def counted(source: Path, target: Path, timeout: float) -> int:
        ran.append(len(list(source.rglob("*.html"))))
        return real(source, target, timeout)

    made: list[str] = []
    real_document = search.document

    def document(view: Any, *args: Any) -> str:
        made.append(view.slug)
        return real_document(view, *args)

    monkeypatch.setattr(search, "run_pagefind", counted)
    monkeypatch.setattr(search, "document", document)
    story = mini_site / NEWS / "filler-007.fa.md"
    story.write_text(story.read_text("utf-8") + "\nیک بند تازه.\n", "utf-8")
    assert build(mini_site, out).partial
    part = f"fa/{search_part('filler-007', 2)}-of-2"
    assert ran == [found[part]]  # one part, its stories only
    assert len(made) == found[part]  # and only its stories' documents were made
    after = search_tree(out)
    other = {k for k in before if k.startswith("pagefind/fa/") and part not in k}
    assert other and all(after.get(k) == before[k] for k in other)
    assert {k: v for k, v in after.items() if part not in k} == \
        {k: v for k, v in before.items() if part not in k}
    assert "تازه" in fragments(out)["/briefing/fa/articles/filler-007/"]["content"]


def test_a_site_without_stories_has_no_index(mini_site: Path, tmp_path: Path) -> None:
    """Pagefind refuses to index nothing; the build goes on without an index."""
    for story in (mini_site / NEWS).glob("*.md"):
        story.unlink()
    build(mini_site, tmp_path / "out")
    assert not (tmp_path / "out/pagefind").exists()
    page = (tmp_path / "out/fa/search/index.html").read_text("utf-8")
    assert "هنوز خبری برای جستجو نیست." in page  # says so, and loads no missing script
    assert "pagefind" not in page and 'id="search"' not in page


def test_a_language_whose_stories_all_wait_for_translation_says_so(
        mini_site: Path, tmp_path: Path) -> None:
    for story in (mini_site / NEWS).glob("*.en.md"):
        story.unlink()
    build(mini_site, tmp_path / "out")
    english = (tmp_path / "out/en/search/index.html").read_text("utf-8")
    assert "No stories to search yet." in english and "pagefind-ui.js" not in english
    assert 'data-bundle="/briefing/pagefind/fa/1-of-1/"' in (
        tmp_path / "out/fa/search/index.html").read_text("utf-8")


def test_a_static_file_in_the_index_folder_is_an_error(mini_site: Path, tmp_path: Path) -> None:
    write(mini_site / "static/pagefind/pagefind-ui.js", "// mine")
    with pytest.raises(KhabarError, match=r"'pagefind/pagefind-ui.js', which is also "
                                          r"static/pagefind/pagefind-ui.js"):
        build(mini_site, tmp_path / "out")


# -- the search page in a browser -----------------------------------------------------------

RESULTS = """() => [...document.querySelectorAll('.pagefind-ui__result')].map(r => ({
  href: r.querySelector('.pagefind-ui__result-link')?.getAttribute('href') || '',
  title: r.querySelector('.pagefind-ui__result-link')?.textContent || '',
  excerpt: r.querySelector('.pagefind-ui__result-excerpt')?.innerHTML || '',
  date: r.querySelector('.search-date')?.textContent || '',
  tags: [...r.querySelectorAll('.pagefind-ui__result-tag')].map(t => t.textContent.trim()),
}))"""


@dataclass
class Served:
    url: str
    browser: Browser
    root: Path  # the folder served
    external: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def page(self, path: str, *, scheme: str = "light", script: bool = True) -> Page:
        ctx = self.browser.new_context(base_url=self.url, java_script_enabled=script,
                                       color_scheme=scheme,  # type: ignore[arg-type]
                                       viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(8000)
        ctx.route("**/*", self._only_local)
        page = ctx.new_page()
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("dialog", self._dialog)
        page.goto(path, wait_until="load")
        return page

    def _dialog(self, dialog: Dialog) -> None:
        """A dialog (an `alert` a result's text ran) is a problem, dismissed."""
        self.problems.append(f"dialog {dialog.message}")
        dialog.dismiss()

    def _only_local(self, route: Route) -> None:
        only_local(route, self.url, self.external)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The mini site with the probe story, built and served under its base URL's path
    (/briefing/), and one browser."""
    need_tool("chromium")  # before the build: fail fast
    root = tmp_path_factory.mktemp("search")
    site = root / "mini"
    shutil.copytree(ROOT / "tests/sites/mini", site, ignore=shutil.ignore_patterns(".*"))
    add_probe(site)
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(root / "user-cache")
    cache._key.cache_clear()
    try:
        build(site, root / "www" / "briefing")
    finally:
        if old is None:
            os.environ.pop("XDG_CACHE_HOME")
        else:
            os.environ["XDG_CACHE_HOME"] = old
        cache._key.cache_clear()
    with serving(root / "www") as (url, browser):
        yield Served(url, browser, root / "www")


def ask(served: Served, lang: str, query: str, *, scheme: str = "light",
        under: str = "/briefing") -> tuple[Page, list[Any]]:
    """Type `query` into a language's search page (of the site served `under` that path);
    the results once every one is shown."""
    page = served.page(f"{under}/{lang}/search/", scheme=scheme)
    page.fill(".pagefind-ui__search-input", query)
    page.wait_for_selector(".pagefind-ui__message")
    page.wait_for_function("""() => {
      const all = document.querySelectorAll('.pagefind-ui__result');
      return all.length > 0 && [...all].every(r => r.querySelector('.pagefind-ui__result-link'));
    }""")
    results: list[Any] = page.evaluate(RESULTS)
    return page, results


@pytest.mark.parametrize(("query", "why"), [
    ("بازگشايي", "Arabic yeh"),
    ("كتابخانه", "Arabic kaf"),
    ("کتابخانههای", "no ZWNJ"),
    ("کتابخانه های", "a space for the ZWNJ"),
    ("كتابخانههاي عمومي", "no ZWNJ, Arabic letters"),
    ("250 میلیارد", "ASCII digits"),
    ("٢٥٠", "Arabic-Indic digits"),
    ("مطالعه", "diacritics in the story"),
    ("بازگُشایی", "diacritics in the query"),
])
def test_a_persian_word_however_typed_finds_its_story(served: Served, query: str,
                                                      why: str) -> None:
    page, results = ask(served, "fa", query)
    assert results[0]["href"] == PROBE, (why, results)
    first = results[0]
    assert first["title"] == "بازگشایی کتابخانه‌های عمومی تهران"
    assert first["date"] == "۲ آذر ۱۴۰۳، ساعت ۱۰:۰۰"
    assert first["tags"] == ["کشورها: ترکیه"]
    assert "<mark>" in first["excerpt"], why
    # the story's own words, never the index's keys
    assert search.SEPARATOR not in first["excerpt"] and "250" not in first["excerpt"]
    assert "کتابخانه‌های" in first["excerpt"]
    page.context.close()


def test_pagefind_alone_would_not_find_them(served: Served) -> None:
    """The control: without the page's folding, Pagefind does not find the story by a word
    with Arabic letters (it falls back on shorter and shorter beginnings of the word, and
    finds `با` in another story)."""
    page = served.page("/briefing/fa/search/")
    found = page.evaluate("""async () => {
      const pf = await import('/briefing/pagefind/fa/1-of-1/pagefind.js');
      await pf.init();
      const urls = async q => Promise.all((await pf.search(q)).results.map(
        async r => (await r.data()).raw_url));
      return [await urls('بازگشايي'), await urls(khabarSearch.searchKey('بازگشايي'))];
    }""")
    assert PROBE not in found[0]
    assert found[1] == [PROBE]
    page.context.close()


def test_an_english_word_on_the_english_page(served: Served) -> None:
    page, results = ask(served, "en", "Libraries")
    assert [r["href"] for r in results] == [PROBE_EN_URL]  # the English index only
    assert results[0]["date"] == "November 22, 2024, 10:00\u202fAM"  # CLDR's space
    assert "<mark>libraries</mark>" in results[0]["excerpt"]
    assert page.get_attribute(".pagefind-ui__search-input", "placeholder") == "Search"
    page.context.close()


def test_a_filter_narrows_the_results(served: Served) -> None:
    page, results = ask(served, "fa", "لیبی")
    assert {r["href"] for r in results} >= {OSLO, "/briefing/fa/articles/haftar-turkey/"}
    page.click(".pagefind-ui__filter-name:has-text('کشورها')")  # the group opens
    page.check("input[type=checkbox][value='نروژ']")
    page.wait_for_function("document.querySelectorAll('.pagefind-ui__result').length === 1")
    page.wait_for_selector(".pagefind-ui__result-link")
    assert [r["href"] for r in page.evaluate(RESULTS)] == [OSLO]
    page.context.close()


def test_the_page_speaks_the_language_and_leaves_nothing_to_chance(served: Served) -> None:
    page, _ = ask(served, "fa", "ترکیه")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute(".pagefind-ui__search-input", "placeholder") == "جستجو"
    assert page.get_attribute(".pagefind-ui__search-input", "aria-labelledby") == "search-title"
    assert page.query_selector(".pagefind-ui__result-thumb") is None  # no story has a picture
    # a title with markup in it is text in a result, and the excerpt runs no script
    assert not served.external, served.external
    assert not served.problems, served.problems
    page.context.close()


def test_the_search_page_finds_stories_in_every_part(served: Served, tmp_path: Path) -> None:
    """A site searched in parts: the page merges them, so a word of a story in any part
    finds it, and only it."""
    site = tmp_path / "mini"
    shutil.copytree(ROOT / "tests/sites/mini", site, ignore=shutil.ignore_patterns(".*"))
    many_stories(site, 150)
    build(site, served.root / "parts", base_url="https://example.org/parts/")
    wanted = {part: next(i for i in range(150) if search_part(f"filler-{i:03}", 2) == part)
              for part in (1, 2)}
    for i in wanted.values():
        page, results = ask(served, "fa", marker(i), under="/parts")
        assert [r["href"] for r in results] == [f"/parts/fa/articles/filler-{i:03}/"]
        page.context.close()
    assert not served.external and not served.problems, served.problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_results(served: Served, scheme: str) -> None:
    page, _ = ask(served, "fa", "ترکیه", scheme=scheme)
    page.click(".pagefind-ui__filter-name:has-text('کشورها')")
    page.add_script_tag(content=AXE_SOURCE)
    violations = page.evaluate(AXE_RUN)
    assert not violations, violations
    page.context.close()


def test_without_javascript_the_page_says_so(served: Served) -> None:
    page = served.page("/briefing/fa/search/", script=False)
    assert "جاوااسکریپت" in page.inner_text("main")
    page.context.close()


def test_the_pages_search_key_is_search_key(served: Served) -> None:
    """The page's script folds every character as search_key does (every assigned one of
    the Unicode Python knows, one at a time), and the cases above."""
    page = served.page("/briefing/fa/search/")
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000
             and unicodedata.category(chr(c)) != "Cn"]
    theirs = page.evaluate("cs => cs.map(c => khabarSearch.searchKey(c))", chars)
    differ = [(f"U+{ord(c):04X}", search.search_key(c), js)
              for c, js in zip(chars, theirs, strict=True) if search.search_key(c) != js]
    assert not differ, differ[:20]
    typed = [t for t, _ in KEYS]
    assert page.evaluate("ts => ts.map(t => khabarSearch.searchKey(t))", typed) == \
        [k for _, k in KEYS]
    page.context.close()


def test_search_false_leaves_out_the_index_the_page_and_the_link(mini_site: Path,
                                                                 tmp_path: Path) -> None:
    site_yaml = mini_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8") + "search: false\n",
                         encoding="utf-8")
    out = tmp_path / "out"
    build(mini_site, out)
    assert not (out / "pagefind").exists() and not (out / "fa" / "search").exists()
    home = (out / "fa" / "index.html").read_text(encoding="utf-8")
    assert "/fa/search/" not in home
