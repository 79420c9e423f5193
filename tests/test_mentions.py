"""Mentions of declared terms in article text, `tags suggest` and its `--apply`, measured
on a small hand-labelled set (tests/data/mentions.yaml) for precision and recall."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, Run, write

from khabar import config as config_stage
from khabar import content
from khabar.mentions import Finder, in_article
from khabar.tags import add_tags, apply, suggest, unused_terms

LABELLED = ROOT / "tests" / "data" / "mentions.yaml"


def test_precision_and_recall_on_the_labelled_set(capsys: pytest.CaptureFixture[str]
                                                  ) -> None:
    cfg = config_stage.load(ROOT)
    finders = {lang: Finder(cfg, lang) for lang in cfg.codes}
    true_pos = false_pos = false_neg = 0
    for case in yaml.safe_load(LABELLED.read_text(encoding="utf-8")):
        found = {m.term for m in finders[case["lang"]].find(case["text"])}
        expected = set(case["expect"])
        true_pos += len(found & expected)
        false_pos += len(found - expected)
        false_neg += len(expected - found)
    precision = true_pos / (true_pos + false_pos)
    recall = true_pos / (true_pos + false_neg)
    with capsys.disabled():
        print(f"\nmentions: precision {precision:.2f}, recall {recall:.2f} "
              f"({true_pos} found, {false_pos} wrong, {false_neg} missed)")
    assert precision >= 0.95 and recall >= 0.9


@pytest.mark.parametrize(("text", "terms"), [
    ("ایران", ["iran"]), ("ايران", ["iran"]), ("ایرانی", ["iran"]), ("ایرانی‌ها", ["iran"]),
    ("ایران‌ها", ["iran"]), ("ایرانشهر", []), ("ضدایران", []), ("روسیه‌ستیزی", []),
    ("خلیفه‌حفتر", ["khalifa-haftar"]), ("خلیفهحفتر", ["khalifa-haftar"]),
    ("خَلیفه حفتر", ["khalifa-haftar"]), ("عربستان سعودی", ["saudi-arabia"]),
])
def test_a_name_is_found_only_as_a_whole_word(text: str, terms: list[str]) -> None:
    finder = Finder(config_stage.load(ROOT), "fa")
    assert [m.term for m in finder.find(text)] == terms


def test_lines_are_file_lines_and_links_are_not_text() -> None:
    finder = Finder(config_stage.load(ROOT), "fa")
    raw = ("---\ntitle: دیدار با حفتر\ndate: 2024-11-23\ncountries: [libya]\n"
           "source: {name: ایران}\n---\nبند اول.\n\n[پیوند](https://iran.example/ایران) "
           "درباره ترکیه.\n")
    found = [(m.term, m.line) for m in in_article(finder, raw)]
    assert found == [("khalifa-haftar", 2), ("turkey", 9)]  # not the source's ایران


def write_article(site: Path, slug: str, front: str, body: str) -> Path:
    return write(site / "content" / "news" / f"{slug}.fa.md",
                 f"---\ntitle: خبر\ndate: 2024-11-20\n{front}---\n{body}\n")


def test_suggest_lists_untagged_mentions_of_originals(mini_site: Path) -> None:
    write_article(mini_site, "talks", "countries: [libya]\n",
                  "نمایندگان لیبی و ترکیه و نروژ دیدار کردند. ترکیه میزبان بود.")
    cfg = config_stage.load(mini_site)
    articles = content.load(cfg)
    found = [(s.path.rsplit("/", 1)[-1], s.mention.taxonomy, s.mention.term, s.mention.line)
             for s in suggest(cfg, articles, [mini_site / "content" / "news" / "talks.fa.md"])]
    assert found == [("talks.fa.md", "countries", "turkey", 6),
                     ("talks.fa.md", "countries", "norway", 6)]
    assert all(s.file.name.endswith(".fa.md") or "translation" not in s.file.read_text()
               for s in suggest(cfg, articles))  # translations take their original's tags


def test_apply_adds_the_tags_and_keeps_every_other_line(mini_site: Path) -> None:
    path = write_article(mini_site, "talks", "countries: [libya]  # checked\nactors:\n"
                         "  - khalifa-haftar\n# reviewed by the desk\n",
                         "لیبی و ترکیه و نروژ؛ ژنرال حفتر.")
    before = path.read_text(encoding="utf-8")
    cfg = config_stage.load(mini_site)
    changed = apply(suggest(cfg, content.load(cfg), [path]))
    assert changed == [path]
    after = path.read_text(encoding="utf-8")
    assert "countries: [libya, turkey, norway]  # checked" in after
    assert "# reviewed by the desk" in after
    assert after.replace("countries: [libya, turkey, norway]", "countries: [libya]") == before
    cfg = config_stage.load(mini_site)
    assert suggest(cfg, content.load(cfg), [path]) == []  # nothing left to suggest


def test_add_tags_handles_block_lists_and_missing_keys() -> None:
    raw = "---\ntitle: x\nactors:\n  - a\n  - b\n---\nbody\n"
    assert add_tags(raw, {"actors": ["c"], "countries": ["d"]}) == \
        "---\ntitle: x\nactors:\n  - a\n  - b\n  - c\ncountries: [d]\n---\nbody\n"
    with pytest.raises(ValueError, match="neither"):
        add_tags("---\ntitle: x\ncountries: libya\n---\n", {"countries": ["turkey"]})


def test_unused_terms_are_the_declared_ones_no_article_tags(mini_site: Path) -> None:
    site_yaml = mini_site / "site.yaml"
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace(
        "      libya: {iso: LY}\n", "      libya: {iso: LY}\n      iran: {iso: IR}\n"),
        encoding="utf-8")
    cfg = config_stage.load(mini_site)
    unused = unused_terms(cfg, content.load(cfg))
    tagged = {(k, s) for a in content.load(cfg) for k, ss in a.terms.items() for s in ss}
    declared = {(t.key, s) for t in cfg.taxonomies for s in t.terms}
    assert set(unused) == declared - tagged and ("countries", "iran") in unused


def test_the_tags_command_and_checks_warnings(mini_site: Path,
                                              cli: Callable[..., Run]) -> None:
    path = write_article(mini_site, "talks", "countries: [libya]\n", "لیبی و ترکیه.")
    run = cli("tags", "suggest", "--site", mini_site)
    assert run.code == 0 and run.out.strip().endswith(
        'content/news/talks.fa.md:6: countries: turkey ("ترکیه")'), run.out
    check = cli("check", "--site", mini_site)
    assert check.code == 0
    assert any(line.endswith("content/news/talks.fa.md:6: warning: names countries: turkey "
                             '("ترکیه") but does not tag it (hint: add turkey to countries: '
                             "in its front matter, or run `khabar tags suggest --apply`)")
               for line in check.err.splitlines()), check.err
    applied = cli("tags", "suggest", "--apply", "--site", mini_site, str(path))
    assert applied.code == 0 and "tagged 1 term in 1 article" in applied.out
    assert "countries: [libya, turkey]" in path.read_text(encoding="utf-8")
    assert "no untagged mentions" in cli("tags", "suggest", "--site", mini_site).out
