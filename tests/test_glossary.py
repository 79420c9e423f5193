"""Names that are never mistranslated (issue "Machine translation that knows the news"): the
declared terms' names and the site's `glossary:` reach the model as placeholders and come
back as the target language's names, whatever the model makes of the rest; the translation
memory keeps the model's output with the placeholders, so a glossary change asks the model
only about the sentences it touches."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from argos_fixture import ArgosEnv
from conftest import ROOT, Run, write

from khabar import config as config_stage
from khabar.errors import KhabarError
from khabar.mentions import Finder, in_article
from khabar.translate.command import MEMORY_FILE, translate_site
from khabar.translate.glossary import Glossary, Protected, Slot, restore
from khabar.translate.memory import TranslationMemory

SITE = """
title: {fa: آزمایش, en: Test, fr: Essai}
base_url: https://example.org/
languages:
  fa: {name: فارسی, dir: rtl}
  en: {name: English, dir: ltr, translate_from: fa}
  fr: {name: Français, dir: ltr, translate_from: en}
taxonomies:
  countries:
    title: {fa: کشورها, en: Countries, fr: Pays}
    terms:
      iran: {iso: IR}
      turkey: {iso: TR, en: Turkey, aliases: {fa: [ترکيه]}}
  actors:
    title: {fa: چهره‌ها, en: People, fr: Personnes}
    terms:
      khalifa-haftar:
        {fa: خلیفه حفتر, en: Khalifa Haftar, fr: Khalifa Haftar, aliases: {fa: [حفتر]}}
"""


def site_config(tmp_path: Path, extra: str = "") -> config_stage.SiteConfig:
    write(tmp_path / "site.yaml", SITE + extra)
    return config_stage.load(tmp_path)


def config_errors(tmp_path: Path, extra: str) -> list[str]:
    with pytest.raises(KhabarError) as info:
        site_config(tmp_path, extra)
    return [d.format() for d in info.value.diagnostics]


# -- protecting and restoring one sentence ----------------------------------------------------

def test_names_aliases_and_glossary_phrases_become_placeholders(tmp_path: Path) -> None:
    cfg = site_config(tmp_path, "glossary:\n  fa-en: {شورای امنیت: Security Council}\n")
    g = Glossary(cfg, "fa", "en")
    # Arabic letters (ي, ك), an alias, a name of two words, a glossary phrase with a ZWNJ
    p = g.protect("نیروهای خليفه حفتر و حفتر با ترکيه در شورای‌امنیت دیدار کردند.")
    assert p.text == "نیروهای [1] و [2] با [3] در [4] دیدار کردند."
    assert [(s.number, s.target) for s in p.slots] == [
        (1, "Khalifa Haftar"), (2, "Khalifa Haftar"), (3, "Turkey"), (4, "Security Council")]
    assert p.slots[0].source == "خليفه حفتر"  # as written, for TMX
    # the model's words around the placeholders are kept; the names are the English ones
    out = g.restore("Forces of [1] and [2] met [3] at the [4].", p)
    assert out == "Forces of Khalifa Haftar and Khalifa Haftar met Turkey at the Security Council."


def test_placeholders_are_numbered_after_the_sentences_own_markup(tmp_path: Path) -> None:
    g = Glossary(site_config(tmp_path), "fa", "en")
    p = g.protect("به گفته [1]منابع[2] حفتر [3] گفت")
    assert p.text == "به گفته [1]منابع[2] [4] [3] گفت"
    # markup placeholders are left for the segmenter to restore
    assert g.restore("According to [1]sources[2] [4] said [3]", p) == \
        "According to [1]sources[2] Khalifa Haftar said [3]"


def test_a_dropped_name_is_added_and_a_repeated_one_removed() -> None:
    slots = (Slot(1, "حفتر", "Khalifa Haftar"), Slot(2, "ترکیه", "Turkey"))
    assert restore("The talks ended.", slots) == "The talks ended. Khalifa Haftar Turkey"
    assert restore("[2] and [2] met [1]", slots) == "Turkey and met Khalifa Haftar"
    assert restore("", slots) == "Khalifa Haftar Turkey"
    # the model may write the number in Persian digits or other brackets
    assert restore("⟦۲⟧ met 【1】", slots) == "Turkey met Khalifa Haftar"


def test_suffixes_stay_outside_and_words_that_merely_start_alike_are_left(
        tmp_path: Path) -> None:
    g = Glossary(site_config(tmp_path), "fa", "en")
    p = g.protect("ایرانی‌ها و ایرانی از ایرانشهر آمدند")
    # the name only; Persian's attached endings are left to the model (documented)
    assert p.text == "[1]ی‌ها و [2]ی از ایرانشهر آمدند"
    assert {s.target for s in p.slots} == {"Iran"}


def test_urls_are_not_searched_and_a_sentence_without_names_is_unchanged(
        tmp_path: Path) -> None:
    g = Glossary(site_config(tmp_path), "fa", "en")
    plain = "گزارش را در https://example.org/ترکیه/حفتر بخوانید"
    assert g.protect(plain) == Protected(plain)
    assert g.restore("[1] text", Protected(plain)) == "[1] text"


def test_a_glossary_entry_wins_over_a_terms_name_and_pairs_are_separate(
        tmp_path: Path) -> None:
    cfg = site_config(tmp_path, "glossary:\n  fa-en: {ترکیه: Türkiye}\n"
                                "  en-fr: {Security Council: Conseil de sécurité}\n")
    p = Glossary(cfg, "fa", "en").protect("سفر به ترکیه")
    assert [s.target for s in p.slots] == ["Türkiye"]
    # en→fr: English names (the term's French name from CLDR) and the en-fr glossary
    fr = Glossary(cfg, "en", "fr").protect("The Security Council met in Turkey.")
    assert fr.text == "The [1] met in [2]."
    assert [s.target for s in fr.slots] == ["Conseil de sécurité", "Turquie"]


# -- site.yaml --------------------------------------------------------------------------------

def test_the_glossary_is_read_per_pair(tmp_path: Path) -> None:
    cfg = site_config(tmp_path, "glossary:\n  fa-en:\n    شورای امنیت: Security Council\n"
                                "    آتش‌بس: ceasefire\n")
    assert dict(cfg.glossary[("fa", "en")]) == {"شورای امنیت": "Security Council",
                                                "آتش‌بس": "ceasefire"}
    assert ("en", "fr") not in cfg.glossary


def test_glossary_mistakes_are_errors_on_their_lines(tmp_path: Path) -> None:
    found = config_errors(tmp_path, """glossary:
  fa-de: {شورا: Rat}
  en-fa: {council: شورا}
  fa-en:
    شورای امنیت: Security Council
    شوراي امنيت: UN Security Council
    آتش‌بس: ''
    '۱۲۳': numbers
    مذاکره: [talks]
  en-fr: just text
translate: {low_confidence: high}
""")
    text = "\n".join(found)
    assert len(found) == 8, text
    assert ":19: error: glossary: 'fa-de' is not two languages of the site joined by '-' " \
        "(hint: write FROM-TO with the site's languages, e.g. fa-en, en-fr)" in text
    assert ":20: error: glossary: no language of the site is translated from en into fa " \
        "(hint: give fa `translate_from: en` under languages, or use one of the pairs the " \
        "site translates: fa-en, en-fr)" in text
    assert ":23: error: glossary.fa-en: 'شوراي امنيت' is 'شورای امنیت' written another way" \
        in text
    assert ":24: error: glossary.fa-en: 'آتش‌بس': the translation must be a non-empty " \
        "string" in text
    assert ":25: error: glossary.fa-en: '۱۲۳' is not a phrase to find" in text
    assert ":26: error: glossary.fa-en: 'مذاکره': the translation must be a non-empty " \
        "string (hint: write `مذاکره: its translation in en`)" in text
    assert ":27: error: glossary.en-fr: must be a mapping of source phrase: translation " \
        "(hint: write `en-fr:` and below it indented `phrase in en: its translation in fr` " \
        "lines)" in text
    assert ":28: error: translate.low_confidence: must be a number, 0 or below" in text


def test_translate_settings(tmp_path: Path) -> None:
    assert site_config(tmp_path).translate.low_confidence == -1.5
    assert site_config(tmp_path, "translate: {low_confidence: -2}\n"
                       ).translate.low_confidence == -2.0
    found = config_errors(tmp_path, "translate: {low_confidence: 0.5, lowconfidence: 1}\n")
    assert any("translate.low_confidence: must be a number, 0 or below" in e for e in found)
    assert any("translate: unknown key 'lowconfidence' (hint: did you mean "
               "'low_confidence'?)" in e for e in found)


# -- the memory keys on the protected sentence --------------------------------------------------

class Counting:
    """Returns each sentence reversed word by word: placeholders come through."""

    engine_name = "counting 1.0"
    model_name = "counting-fa_en 1"
    identity = "counting #g"

    def __init__(self) -> None:
        self.calls = 0
        self.seen: list[str] = []

    def translate(self, sentences: Sequence[str]) -> list[str]:
        self.calls += len(sentences)
        self.seen.extend(sentences)
        return [" ".join(reversed(s.split())) for s in sentences]


def run(site: Path, engine: Counting, **kw: Any) -> str:
    out = io.StringIO()
    assert translate_site(site, engine=engine, out=out, err=io.StringIO(), **kw) == 0
    return out.getvalue()


NEWS = """
---
title: آتش‌بس در لبنان
date: 2024-11-23T10:00
---
حفتر از آتش‌بس سخن گفت. ترکیه مذاکره را پذیرفت. باران بارید.

مذاکره ادامه دارد.
"""


@pytest.fixture
def news_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write(site / "site.yaml", SITE.replace(", fr: Essai", "").replace(", fr: Pays", "")
          .replace(", fr: Personnes", "").replace(", fr: Khalifa Haftar", "")
          .replace("  fr: {name: Français, dir: ltr, translate_from: en}\n", "")
          + "glossary:\n  fa-en: {آتش‌بس: ceasefire}\n")
    write(site / "content/news/lebanon.fa.md", NEWS)
    return site


def glossary_line(site: Path, line: str) -> None:
    path = site / "site.yaml"
    text = path.read_text(encoding="utf-8")
    head = text[:text.index("glossary:")]
    path.write_text(head + line, encoding="utf-8")


def english(site: Path) -> str:
    return (site / "content/news/lebanon.en.md").read_text(encoding="utf-8")


def test_a_glossary_change_asks_the_model_only_about_the_sentences_it_touches(
        news_site: Path) -> None:
    first = Counting()
    run(news_site, first)
    assert first.seen == ["[1] در لبنان", "[1] از [2] سخن گفت.", "[1] مذاکره را پذیرفت.",
                          "باران بارید.", "مذاکره ادامه دارد."]
    assert "title: لبنان در ceasefire\n" in english(news_site)  # the title, words reversed
    assert "Khalifa Haftar" in english(news_site) and "Turkey" in english(news_site)

    # a new translation for an entry: no sentence goes to the model, the file says it
    glossary_line(news_site, "glossary:\n  fa-en: {آتش‌بس: truce}\n")
    same = Counting()
    run(news_site, same, force=True)
    assert same.calls == 0
    assert "truce" in english(news_site) and "ceasefire" not in english(news_site)

    # a new entry: only the two sentences that hold it are translated again
    glossary_line(news_site, "glossary:\n  fa-en: {آتش‌بس: truce, مذاکره: negotiation}\n")
    more = Counting()
    out = run(news_site, more, force=True)
    assert sorted(more.seen) == sorted(["[1] [2] را پذیرفت.", "[1] ادامه دارد."])
    assert "negotiation ادامه دارد." not in english(news_site)
    assert "دارد. ادامه negotiation" in english(news_site)
    assert "2 by the model" in out, out

    # an entry removed: its sentences are asked again, as they now read; nothing else
    glossary_line(news_site, "glossary:\n  fa-en: {مذاکره: negotiation}\n")
    fewer = Counting()
    run(news_site, fewer, force=True)
    assert sorted(fewer.seen) == sorted(["آتش‌بس در لبنان", "[1] از آتش‌بس سخن گفت."])


def test_sentences_that_differ_only_in_a_name_are_translated_once(news_site: Path) -> None:
    write(news_site / "content/news/other.fa.md", """
        ---
        title: سفر به ترکیه
        date: 2024-11-24T10:00
        ---
        سفر به ایران
        """)
    engine = Counting()
    run(news_site, engine)
    assert engine.seen.count("سفر به [1]") == 1 and "سفر به ایران" not in engine.seen
    made = (news_site / "content/news/other.en.md").read_text(encoding="utf-8")
    assert "title: '[1] به سفر'" not in made
    assert "title: Turkey به سفر" in made and "Iran به سفر" in made
    with TranslationMemory.open(news_site / MEMORY_FILE) as memory:
        assert memory.lookup_many("counting #g", ["سفر به [1]"]) == {"سفر به [1]": "[1] به سفر"}


def test_dry_run_counts_sentences_in_the_memory_by_their_protected_form(
        news_site: Path) -> None:
    run(news_site, Counting())
    glossary_line(news_site, "glossary:\n  fa-en: {آتش‌بس: truce, مذاکره: negotiation}\n")
    out = io.StringIO()
    assert translate_site(news_site, engine=Counting(), out=out, err=io.StringIO(),
                          dry_run=True, force=True) == 0
    assert "5 sentence(s): 3 from memory, 2 to the model" in out.getvalue(), out.getvalue()


# -- the tiny genuine model on the example site --------------------------------------------------

def test_every_name_in_the_example_articles_comes_out_in_english(
        argos_env: ArgosEnv, tmp_path: Path, cli: Callable[..., Run],
        no_network: list[Any]) -> None:
    """The model's English is noise; the names are the site's English names all the same."""
    site = tmp_path / "example"
    shutil.copytree(ROOT / "content", site / "content")
    shutil.copytree(ROOT / "images", site / "images")
    shutil.copy(ROOT / "site.yaml", site / "site.yaml")
    with (site / "site.yaml").open("a", encoding="utf-8") as fh:
        fh.write("glossary:\n  fa-en: {آتش‌بس: ceasefire}\n")
    for path in (site / "content").rglob("*.en.md"):
        path.unlink()
    run_ = cli("translate", "--site", site)
    assert run_.code == 0, run_.err
    cfg = config_stage.load(site)
    finder = Finder(cfg, "fa")
    names = {(tax.key, term.slug): term.names["en"] for tax in cfg.taxonomies
             for term in tax.terms.values()}
    originals = sorted((site / "content").rglob("*.fa.md"))
    assert len(originals) == 14
    checked = 0
    for original in originals:
        made = original.with_name(original.name.replace(".fa.md", ".en.md"))
        text = made.read_text(encoding="utf-8")
        for mention in in_article(finder, original.read_text(encoding="utf-8")):
            assert names[(mention.taxonomy, mention.term)] in text, (made.name, mention)
            checked += 1
        if "آتش‌بس" in original.read_text(encoding="utf-8"):
            assert "ceasefire" in text, made.name
            checked += 1
    assert checked >= 50, checked
    assert cli("check", "--site", site).code == 0
    assert no_network == []


def test_tmx_shows_a_protected_name_as_a_placeholder(news_site: Path, cli: Callable[..., Run],
                                                     tmp_path: Path) -> None:
    from lxml import etree

    run(news_site, Counting())
    dest = tmp_path / "memory.tmx"
    assert cli("translate", "--site", news_site, "--export-tmx", dest).code == 0
    units = etree.parse(str(dest)).getroot().findall("body/tu")
    source, target = next(tu.findall("tuv/seg") for tu in units
                          if "سخن گفت" in "".join(tu.find("tuv/seg").itertext()))
    assert [(ph.get("x"), ph.get("type"), ph.text) for ph in source.findall("ph")] == [
        ("1", "x-name", "حفتر"), ("2", "x-name", "آتش‌بس")]
    assert sorted(ph.get("x") for ph in target.findall("ph")) == ["1", "2"]
    assert "[1]" not in "".join(source.itertext())
