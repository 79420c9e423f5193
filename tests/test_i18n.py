"""Interface words in message catalogues (the theme's templates/i18n/<lang>.yaml, a site's
i18n/<lang>.yaml over them), CLDR plurals, digits and calendars per language (issue 10)."""

from __future__ import annotations

import ast
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SITES, Run, write
from lxml import html as lxml_html
from test_cli import _calls_without_hint

from khabar import config, dates, i18n, locales, serve
from khabar.build import build
from khabar.config import Language
from khabar.errors import KhabarError, display_path
from khabar.render import theme_dir

THEME = ROOT / "templates"
FOUR = (Language("fa", "فارسی", "rtl", calendar="persian"), Language("en", "English", "ltr"),
        Language("ar", "العربية", "rtl"), Language("fr", "Français", "ltr"))


def words(site: Path, *languages: Language) -> dict[str, i18n.Words]:
    return i18n.load(site, THEME, languages or FOUR)


def problems(site: Path, *languages: Language) -> list[str]:
    with pytest.raises(KhabarError) as info:
        words(site, *languages)
    return [d.format() for d in info.value.diagnostics]


def reference_keys() -> set[str]:
    data = yaml.safe_load((THEME / "i18n" / "en.yaml").read_text("utf-8"))
    return set(data)


def test_the_theme_ships_complete_catalogues_for_four_languages(tmp_path: Path) -> None:
    loaded = words(tmp_path)
    for lang in ("fa", "en", "ar", "fr"):
        assert (theme_dir() / "i18n" / f"{lang}.yaml").is_file()
        w = loaded[lang]
        assert set(w.plain) | set(w.counted) == reference_keys(), lang
    assert loaded["fa"].plain["latest_briefing"] == "تازه‌ترین خلاصه خبرها"  # as before
    assert loaded["en"].plain["latest_briefing"] == "Latest briefing"
    assert loaded["ar"].plain["latest_briefing"] == "أحدث موجز"
    assert loaded["fr"].plain["latest_briefing"] == "Dernier résumé"
    assert loaded["fr"].plain["colon"] == "\u00a0: "


def test_every_word_the_theme_uses_is_in_the_reference_and_no_other() -> None:
    """Templates and Python use exactly the reference's words: none missing (a page
    would fail to render), none left unused (every language would have to translate it)."""
    used: set[str] = set()
    for path in [*THEME.glob("*.html"), *THEME.glob("feeds/*")]:
        text = path.read_text("utf-8")
        used |= set(re.findall(r"\bt\.(\w+)", text))
        used |= set(re.findall(r"plural\('(\w+)'", text))
    for module in ("render.py", "feeds.py"):
        text = (ROOT / "khabar" / module).read_text("utf-8")
        used |= set(re.findall(r"""\bt\[['"](\w+)['"]\]""", text))
        used |= set(re.findall(r"""plain\[['"](\w+)['"]\]""", text))
        used |= set(re.findall(r"""\.format\(['"](\w+)['"]""", text))
    used |= {"machine", "reviewed", "pending"}  # a story's state, looked up by its value
    used -= {"format"}  # str.format on a word
    assert used == reference_keys()


def test_no_interface_word_is_left_in_python() -> None:
    """The words were in i18n.STRINGS, the feed's provenance line and page titles: no
    string in the modules that make pages is Persian or Arabic now (docstrings aside)."""
    assert not hasattr(i18n, "STRINGS")
    for module in ("render.py", "feeds.py", "structured.py", "i18n.py", "sitemap.py"):
        tree = ast.parse((ROOT / "khabar" / module).read_text("utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in docstrings:
                assert not re.search("[\u0600-\u06ff]", node.value), (module, node.value)


@pytest.mark.parametrize(("n", "expected"), [
    (0, "لا أخبار"), (1, "خبر واحد"), (2, "خبران"), (3, "٣ أخبار"), (10, "١٠ أخبار"),
    (11, "١١ خبرًا"), (99, "٩٩ خبرًا"), (100, "١٠٠ خبر"), (103, "١٠٣ أخبار"),
    (111, "١١١ خبرًا"), (1000, "١٬٠٠٠ خبر"),
])
def test_arabic_counts_by_cldr(tmp_path: Path, n: int, expected: str) -> None:
    assert words(tmp_path)["ar"].plural("stories", n) == expected


def test_other_languages_counts(tmp_path: Path) -> None:
    w = words(tmp_path)
    assert [w["en"].plural("stories", n) for n in (0, 1, 2)] == [
        "0 stories", "1 story", "2 stories"]
    assert [w["fr"].plural("stories", n) for n in (0, 1, 2, 1_000_000)] == [
        "0 article", "1 article", "2 articles", "1\u202f000\u202f000 articles"]
    assert [w["fa"].plural("stories", n) for n in (1, 12)] == ["۱ خبر", "۱۲ خبر"]
    # a count word that only changes its words: "in another language" / "in other languages"
    assert w["en"].plural("other_languages", 1) == "This page in another language"
    assert w["en"].plural("other_languages", 3) == "This page in other languages"
    assert w["ar"].plural("also_in", 2) == "بلغتين أخريين"
    assert w["fa"].format("page_of", page=w["fa"].number(2), pages=w["fa"].number(13)) == \
        "صفحه ۲ از ۱۳"


def test_numbers_in_each_languages_digits() -> None:
    assert locales.number(1234, "fa") == "۱٬۲۳۴"
    assert locales.number(1234, "ar") == "١٬٢٣٤"
    assert locales.number(1234, "ar", "latin") == "1,234"
    assert locales.number(1234, "fr") == "1\u202f234"
    assert locales.number(1234, "en") == "1,234"
    assert locales.number(7, "fa-AF") == "۷" and locales.number(7, "prs") == "۷"


def test_a_language_without_words_is_one_error_naming_file_and_words(tmp_path: Path) -> None:
    lines = problems(tmp_path, Language("fa", "فارسی", "rtl"), Language("de", "Deutsch", "ltr"))
    assert len(lines) == 1, lines
    target = f"{tmp_path}/i18n/de.yaml"
    assert lines[0].startswith(f"{target}: error: de (German) has no interface words for "
                               "home, skip, other_languages, also_in, briefing, ")
    assert f"(hint: write them in {target}" in lines[0]
    for key in reference_keys():
        assert key in lines[0]


def test_a_site_gives_a_new_language_and_changes_a_word(tmp_path: Path) -> None:
    german = {key: f"de-{key}" for key in reference_keys()}
    german["stories"] = {"one": "{n} Meldung", "other": "{n} Meldungen"}  # type: ignore[assignment]
    german["page_of"] = "Seite {page} von {pages}"
    german["page_n"] = "Seite {n}"
    del german["colon"]
    write(tmp_path / "i18n" / "de.yaml", yaml.safe_dump(german, allow_unicode=True))
    lines = problems(tmp_path, Language("de", "Deutsch", "ltr"))
    assert lines == [f"{tmp_path}/i18n/de.yaml: error: de (German) has no interface words "
                     f"for colon (hint: write them in {tmp_path}/i18n/de.yaml, one `word: "
                     f"text` a line; {display_path(THEME / 'i18n' / 'en.yaml')} has them "
                     "all in English)"]
    with (tmp_path / "i18n" / "de.yaml").open("a", encoding="utf-8") as f:
        f.write('colon: ": "\n')
    write(tmp_path / "i18n" / "en.yaml", "latest_briefing: Today's briefing\n")
    loaded = words(tmp_path, Language("de", "Deutsch", "ltr"), Language("en", "E", "ltr"))
    assert loaded["de"].plural("stories", 2) == "2 Meldungen"
    assert loaded["en"].plain["latest_briefing"] == "Today's briefing"
    assert loaded["en"].plain["home"] == "Home"  # the theme's, where the site says nothing


def test_a_regional_language_takes_its_base_languages_words(tmp_path: Path) -> None:
    write(tmp_path / "i18n" / "fa-AF.yaml", "home: صفحهٔ نخست\n")
    loaded = words(tmp_path, Language("fa-AF", "دری", "rtl"))
    assert loaded["fa-AF"].plain["home"] == "صفحهٔ نخست"
    assert loaded["fa-AF"].plain["briefings"] == "همه خلاصه‌ها"


def test_unknown_words_are_errors_with_the_closest_word(tmp_path: Path) -> None:
    write(tmp_path / "i18n" / "en.yaml", "home: Start\nlates_briefing: x\n")
    lines = problems(tmp_path)
    assert lines == [f"{tmp_path}/i18n/en.yaml:2: error: unknown word 'lates_briefing' "
                     "(hint: did you mean 'latest_briefing'?)"]


def test_a_sites_own_word_needs_every_language(tmp_path: Path) -> None:
    """A word the theme lacks is one of the site's own templates: given in every
    language it is used, given in some it is an error naming the files that lack it."""
    for lang in ("fa", "en", "ar"):
        write(tmp_path / "i18n" / f"{lang}.yaml", f"about_us: about-{lang}\n")
    lines = problems(tmp_path)
    assert lines == [f"{tmp_path}/i18n/{lang}.yaml:1: error: unknown word 'about_us' (hint: "
                     "the theme has no such word; a word of the site's own templates needs "
                     f"a text in every language: add it to {tmp_path}/i18n/fr.yaml)"
                     for lang in ("ar", "en", "fa")]
    write(tmp_path / "i18n" / "fr.yaml", "about_us: à propos\n")
    assert words(tmp_path)["fr"].plain["about_us"] == "à propos"


def test_a_sites_own_count_word(tmp_path: Path) -> None:
    write(tmp_path / "i18n" / "fa.yaml", 'photos: "{n} عکس"\n')
    write(tmp_path / "i18n" / "en.yaml", 'photos: {one: "{n} photo", other: "{n} photos"}\n')
    write(tmp_path / "i18n" / "ar.yaml", "photos: {zero: لا صور, one: صورة واحدة, "
          'two: صورتان, few: "{n} صور", many: "{n} صورة", other: "{n} صورة"}\n')
    write(tmp_path / "i18n" / "fr.yaml", 'photos: {one: "{n} photo", many: "{n} photos", '
          'other: "{n} photos"}\n')
    loaded = words(tmp_path)
    assert [loaded[lang].plural("photos", 2) for lang in ("fa", "en", "ar", "fr")] == [
        "۲ عکس", "2 photos", "صورتان", "2 photos"]


def test_plural_forms_follow_the_languages_rules(tmp_path: Path) -> None:
    write(tmp_path / "i18n" / "ar.yaml", 'stories: {one: "خبر", other: "{n} خبر"}\n')
    write(tmp_path / "i18n" / "en.yaml", 'stories: {one: "{n} story", few: "{n} stories", '
          'other: "{n} stories"}\n')
    lines = problems(tmp_path)
    assert lines == [
        f"{tmp_path}/i18n/ar.yaml:1: error: 'stories' lacks the plural forms zero, two, few, "
        "many that ar (Arabic) uses (hint: give every one of zero, one, two, few, many, "
        "other, e.g. `zero: \"...{n}...\"`)",
        f"{tmp_path}/i18n/en.yaml:1: error: 'stories' en (English) has no 'few' form by "
        "CLDR's plural rules (hint: give the forms one, other)"]


@pytest.mark.parametrize(("line", "message"), [
    ("page_of: Page {pag} of {pages}", "has the placeholder {pag}, which this word does not "
     "take (hint: it may hold {page}, {pages})"),
    ("home: Home {", "has a { or } that is not a placeholder (hint: a placeholder is a name "
     "in braces, like {n}; write {{ or }} for a brace itself)"),
    ('page_of: "{page:{pages}}"', "has a { or } that is not a placeholder"),
    ('page_of: "{page!r} {pages}"', "has a { or } that is not a placeholder"),
    ('page_of: "{page.real} {pages}"', "has the placeholder {page.real}, which this word"),
    ("home: {one: a, other: b}", "is not a count word, so it has one text, not plural forms"),
    ("home:", "has no text (hint: write `home: ...` with the word after the colon)"),
    ("home: [a, b]", "must be a text"),
])
def test_misshapen_words_are_errors_with_their_line(tmp_path: Path, line: str,
                                                    message: str) -> None:
    write(tmp_path / "i18n" / "fr.yaml", f"skip: Passer\n{line}\n")
    lines = problems(tmp_path)
    assert len(lines) == 1 and lines[0].startswith(f"{tmp_path}/i18n/fr.yaml:2: error: '"), lines
    assert message in lines[0]


def test_a_broken_catalogue_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    write(tmp_path / "i18n" / "ar.yaml", "home: الرئيسية\nskip: [unclosed\n")
    write(tmp_path / "i18n" / "fr.yaml", "- a list\n")
    lines = problems(tmp_path)
    assert lines[0].startswith(f"{tmp_path}/i18n/ar.yaml:") and "invalid YAML" in lines[0]
    assert lines[1] == (f"{tmp_path}/i18n/fr.yaml:1: error: a catalogue must be a mapping of "
                        "words (hint: write one `word: text` a line, e.g. `home: Home`)")


def test_every_catalogue_error_has_a_hint() -> None:
    assert _calls_without_hint(ROOT / "khabar" / "i18n.py") == []


def test_build_and_check_stop_on_missing_words(tmp_path: Path,
                                               cli: Callable[..., Run]) -> None:
    site = tmp_path / "site"
    write(site / "site.yaml", "title: x\nbase_url: https://e.example/\nlanguages:\n"
          "  fa: {dir: rtl}\n  de: {translate_from: fa}\n")
    write(site / "content" / "a.fa.md", "---\ntitle: الف\ndate: 2024-11-23\n---\nمتن.\n")
    for command in ("build", "check"):
        run = cli(command, "--site", site, *(["--out", tmp_path / "o"]
                                             if command == "build" else []))
        assert run.code == 1, run.err
        assert len(run.error_lines) == 1, run.err
        assert run.error_lines[0].startswith(f"{site}/i18n/de.yaml: error: de (German) has "
                                             "no interface words for home, ")
        assert "(hint: write them in " in run.error_lines[0]
        assert "Traceback" not in run.err
    assert not (tmp_path / "o").exists()


def test_a_sites_word_reaches_its_pages_and_a_change_rebuilds(mini_site: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(mini_site, out)
    write(mini_site / "i18n" / "en.yaml", "latest_briefing: Today's briefing\n")
    build(mini_site, out)
    home = lxml_html.fromstring((out / "en" / "index.html").read_bytes())
    assert home.cssselect(".day-title")[0].text.startswith("Today's briefing: ")
    fa = lxml_html.fromstring((out / "fa" / "index.html").read_bytes())
    assert fa.cssselect(".day-title")[0].text.startswith("تازه‌ترین خلاصه خبرها: ")


def test_serve_watches_the_sites_catalogues() -> None:
    assert "i18n" in serve.WATCHED


# --- site.yaml: calendar, digits, language codes ---

BASE = """
title: x
base_url: https://example.org/
languages:
"""


def load(tmp_path: Path, languages: str) -> config.SiteConfig:
    write(tmp_path / "site.yaml", BASE + languages)
    return config.load(tmp_path)


def config_errors(tmp_path: Path, languages: str) -> list[str]:
    with pytest.raises(KhabarError) as info:
        load(tmp_path, languages)
    return [d.format() for d in info.value.diagnostics]


def test_calendar_and_digits_defaults_and_choices(tmp_path: Path) -> None:
    cfg = load(tmp_path, "  fa: {dir: rtl}\n  ar: {dir: rtl, digits: latin}\n  en: {}\n"
               "  prs: {dir: rtl}\n  fr: {calendar: persian}\n")
    assert [(lang.code, lang.calendar, lang.digits) for lang in cfg.languages] == [
        ("fa", "persian", "native"), ("ar", "gregorian", "latin"),
        ("en", "gregorian", "native"), ("prs", "persian", "native"),
        ("fr", "persian", "native")]


def test_calendar_digits_and_codes_are_checked(tmp_path: Path) -> None:
    lines = config_errors(tmp_path, "  fa: {calendar: hijri}\n  en: {digits: roman}\n"
                          "  xx: {}\n")
    assert lines == [
        f"{tmp_path}/site.yaml:4: error: languages.fa.calendar: 'hijri' is not a calendar "
        "Khabar knows (hint: persian (Solar Hijri, the default for fa) or gregorian (the "
        "default for every other language))",
        f"{tmp_path}/site.yaml:5: error: languages.en.digits: 'roman' is neither native nor "
        "latin (hint: native: the language's own digits (Persian ۱۲۳ for fa, Arabic-Indic "
        "١٢٣ for ar); latin: 123)",
        f"{tmp_path}/site.yaml:6: error: languages: CLDR, where Khabar takes dates, digits "
        "and plural rules from, has no language 'xx' (hint: use an ISO 639 code with an "
        "optional region, e.g. ar, fr, fa-AF (prs, Dari, works too))"]


def test_the_readme_documents_the_language_keys() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    reference = readme.split("\n## site.yaml\n", 1)[1].split("\n## ", 1)[0]
    for key in sorted(config.LANGUAGE_KEYS):
        assert f"| `languages.CODE.{key}` |" in reference, key
    section = readme.split("\n## Languages and interface words\n", 1)[1].split("\n## ", 1)[0]
    assert "not yet been reviewed by a native\nspeaker" in section
    for topic in ("i18n/<lang>.yaml", "plural", "digits", "calendar", "has no interface words"):
        assert topic in section, topic


# --- dates ---

SATURDAY = date(2024, 11, 23)


@pytest.mark.parametrize(("lang", "calendar", "long", "full"), [
    ("fa", None, "۳ آذر ۱۴۰۳", "شنبه ۳ آذر ۱۴۰۳"),
    ("ar", None, "٢٣ نوفمبر ٢٠٢٤", "السبت، ٢٣ نوفمبر ٢٠٢٤"),
    ("fr", None, "23 novembre 2024", "samedi 23 novembre 2024"),
    ("en", None, "November 23, 2024", "Saturday, November 23, 2024"),
    ("en", "persian", "Azar 3, 1403", "Saturday, Azar 3, 1403"),
    ("fa", "gregorian", "۲۳ نوامبر ۲۰۲۴", "شنبه ۲۳ نوامبر ۲۰۲۴"),
    ("prs", None, "۳ قوس ۱۴۰۳", "شنبه ۳ قوس ۱۴۰۳"),
    ("ar", "persian", "٣ آذر ١٤٠٣", "السبت، ٣ آذر ١٤٠٣"),
])
def test_days_by_babel_in_the_languages_calendar(lang: str, calendar: str | None, long: str,
                                                 full: str) -> None:
    assert dates.format_day(SATURDAY, lang, calendar=calendar) == long
    assert dates.format_day(SATURDAY, lang, weekday=True, calendar=calendar) == full


def test_persian_dates_are_as_before_across_a_year() -> None:
    """Babel's weekday names and pattern give exactly the Persian dates Khabar wrote with
    its own tables (weekday, Solar Hijri day, month and year, Persian digits)."""
    import jdatetime

    weekdays = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")
    day = date(2024, 3, 1)
    for offset in range(0, 400, 3):
        d = date.fromordinal(day.toordinal() + offset)
        j = jdatetime.date.fromgregorian(date=d)
        old = f"{j.day} {dates.JALALI_MONTHS[j.month - 1]} {j.year}"
        digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
        assert dates.format_day(d, "fa") == old.translate(digits)
        assert dates.format_day(d, "fa", weekday=True) == \
            f"{weekdays[d.weekday()]} {old}".translate(digits)


def test_arabic_digits_can_be_latin() -> None:
    assert dates.format_day(SATURDAY, "ar", weekday=True, digits="latin") == \
        "السبت، 23 نوفمبر 2024"


def test_a_four_language_fixture_site_declares_its_languages() -> None:
    cfg = config.load(SITES / "polyglot")
    assert cfg.codes == ("fa", "en", "ar", "fr")
    assert [lang.dir for lang in cfg.languages] == ["rtl", "ltr", "rtl", "ltr"]
    assert cfg.language("fr").translate_from == "en"


def test_a_copy_of_the_site_builds_from_any_folder(tmp_path: Path) -> None:
    """The theme's catalogues are found from the package, not the working folder."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "polyglot", site)
    result = build(site, tmp_path / "out")
    assert result.stories == 4 and (tmp_path / "out" / "ar" / "index.html").is_file()


def test_a_template_asking_for_an_unknown_count_word_is_a_template_error(
        mini_site: Path, tmp_path: Path, cli: Callable[..., Run]) -> None:
    write(mini_site / "templates" / "404.html", "{% extends 'base.html' %}{% block main %}"
          "{{ plural('photos', 2) }}{% endblock %}\n")
    run = cli("build", "--site", mini_site, "--out", tmp_path / "out")
    assert run.code == 1 and "Traceback" not in run.err
    assert len(run.error_lines) == 1, run.err
    assert run.error_lines[0].startswith(f"{mini_site}/templates/404.html")
    assert "'photos' is not a count word of the fa catalogue" in run.error_lines[0]


@pytest.mark.parametrize(("word", "told"), [
    ("of", "the interface word 'of' is now part of 'page_of'"),
    ("read_more", "the interface word 'read_more' is now gone: write it in your site's"),
])
def test_a_template_asking_for_an_old_word_is_told_the_new_one(
        mini_site: Path, tmp_path: Path, cli: Callable[..., Run], word: str,
        told: str) -> None:
    write(mini_site / "templates" / "404.html", "{% extends 'base.html' %}\n"
          "{% block main %}\n<p>{{ t." + word + " }}</p>{% endblock %}\n")
    run = cli("build", "--site", mini_site, "--out", tmp_path / "out")
    assert run.code == 1 and "Traceback" not in run.err
    [line] = run.error_lines
    assert line.startswith(f"{mini_site}/templates/404.html:3: error: template: "), line
    assert f"(hint: {told}" in line, line
