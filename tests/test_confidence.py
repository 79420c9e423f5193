"""How sure the model was (issue "Machine translation that knows the news"): each machine
sentence's mean log probability per word piece, kept in the translation memory, the weakest
listed in the file's translation block and in `translate --report`."""

from __future__ import annotations

import csv
import io
import math
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import argos_fixture
import pytest
from argos_fixture import ArgosEnv
from conftest import Run, write

from khabar import blocks
from khabar.content import split_front_matter
from khabar.markup import MarkdownRenderer
from khabar.translate.command import MEMORY_FILE, translate_site
from khabar.translate.confidence import first_words, flagged_blocks
from khabar.translate.engine import ArgosEngine, Scored, mean_log_prob
from khabar.translate.memory import APPLICATION_ID, TranslationMemory
from khabar.translate.routes import load_engine
from khabar.yamlsrc import load as load_yaml

argos_pairs = argos_fixture.argos_pairs
NEWS = "content/news"


def translation_block(path: Path) -> dict[str, Any]:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    assert parts is not None
    data = load_yaml(parts[0])
    assert isinstance(data, dict) and isinstance(data["translation"], dict)
    return data["translation"]


# -- the score ---------------------------------------------------------------------------------

def test_the_score_is_the_mean_log_probability_per_word_piece(argos_env: ArgosEnv) -> None:
    """CTranslate2 divides the summed log probability by length ** 0.2 (Argos's length
    penalty); the engine's confidence is the mean, as CTranslate2's own scoring of the same
    output gives it."""
    engine = ArgosEngine.load("fa", "en", compute_type="auto", inter_threads=1)
    sentences = ["قیمت نفت امروز افزایش یافت و وزیر گفت.", "خبر روز دولت مجلس ایران تهران.",
                 "دانشگاه دانشجو کتاب فرهنگ هنر سینما فیلم جشنواره"]
    scored = engine.translate_scored(sentences)
    translator = engine._translator
    tokenizer = engine._tokenizer
    differs = 0
    for sentence, got in zip(sentences, scored, strict=True):
        source = tokenizer.encode(sentence)
        result = translator.translate_batch(
            [source], beam_size=engine.defaults.beam_size, length_penalty=0.2,
            replace_unknowns=True, return_scores=True)[0]
        hypothesis = list(result.hypotheses[0])
        log_probs = translator.score_batch([source], [hypothesis])[0].log_probs
        assert len(log_probs) == len(hypothesis) + 1  # the end of the sentence counts
        mean = sum(log_probs) / len(log_probs)
        assert got.score is not None and got.score == pytest.approx(mean, abs=0.02)
        assert mean_log_prob(result.scores[0], len(hypothesis), 0.2) == got.score
        differs += abs(result.scores[0] - mean) > 0.2
    assert differs  # the raw score is not the mean: the conversion matters
    assert engine.translate(sentences) == [s.text for s in scored]
    assert engine.translate_scored(["", "  "]) == [Scored("", None), Scored("", None)]


def test_mean_log_prob_undoes_the_length_penalty() -> None:
    # 4 pieces and the end: summed -10, scored -10 / 5 ** 0.2
    assert mean_log_prob(-10 / 5 ** 0.2, 4, 0.2) == pytest.approx(-2.0)
    assert mean_log_prob(-10.0, 4, 0.0) == pytest.approx(-2.0)
    assert mean_log_prob(-10 / 5, 4, 1.0) == pytest.approx(-2.0)


def test_a_pivot_translation_has_the_confidence_of_its_weakest_step(
        argos_pairs: Callable[..., list[Path]]) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    pivot = load_engine("fa", "fr", compute_type="auto", inter_threads=1)
    first, second = pivot.legs  # type: ignore[union-attr]
    sentence = "قیمت نفت امروز افزایش یافت و وزیر گفت."
    got = pivot.translate_scored([sentence])[0]
    english = first.translate_scored([sentence])[0]
    parts = second.translate_scored([p for p in pivot._split(english.text) if p.strip()])
    expected = min([english.score, *(p.score for p in parts)])  # type: ignore[type-var]
    assert got.score == pytest.approx(expected)
    assert got.text == " ".join(p.text for p in parts)


# -- the memory ----------------------------------------------------------------------------------

OLD_TM = """CREATE TABLE tm (
    model   TEXT    NOT NULL,
    source  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    created TEXT    NOT NULL,
    hits    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (model, source)
) WITHOUT ROWID"""


def test_a_memory_written_before_scores_gains_the_column_and_an_older_khabar_still_works(
        tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(OLD_TM)
    conn.execute("INSERT INTO tm (model, source, target, created) VALUES "
                 "('m', 'سلام', 'Hello', '2024-01-01T00:00:00Z')")
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with TranslationMemory.open(path) as memory:
        assert memory.lookup_scored("m", ["سلام"]) == {"سلام": ("Hello", None)}
        memory.store_many("m", [("خبر", "News", -0.75), ("روز", "Day")])
        assert memory.lookup_scored("m", ["خبر", "روز"]) == {"خبر": ("News", -0.75),
                                                            "روز": ("Day", None)}
        memory.store_many("m", [("خبر", "Report", -0.5)])  # a new translation, a new score
        assert memory.lookup_scored("m", ["خبر"]) == {"خبر": ("Report", -0.5)}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # older Khabars open it
    assert "score" in [row[1] for row in conn.execute("PRAGMA table_info(tm)")]
    # what an older Khabar runs still works on the new table
    conn.execute("INSERT INTO tm (model, source, target, created) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (model, source) DO UPDATE SET target = excluded.target",
                 ("m", "شب", "Night", "2024-01-02T00:00:00Z"))
    assert conn.execute("SELECT source, target FROM tm WHERE model = 'm' AND source IN "
                        "('شب', 'خبر') ORDER BY source").fetchall() == [("خبر", "Report"),
                                                                       ("شب", "Night")]
    conn.commit()
    conn.close()
    with TranslationMemory.open(path) as memory:  # opened again: nothing to add
        assert memory.lookup_scored("m", ["شب"]) == {"شب": ("Night", None)}


# -- the translation block -----------------------------------------------------------------------

class Scoring:
    """`EN(sentence)`, placeholders and all, unsure of every sentence about the market."""

    engine_name = "scoring 1.0"
    model_name = "scoring-fa_en 1"
    identity = "scoring #1"

    def __init__(self) -> None:
        self.calls = 0

    def translate(self, sentences: Sequence[str]) -> list[str]:
        return [s.text for s in self.translate_scored(sentences)]

    def translate_scored(self, sentences: Sequence[str]) -> list[Scored]:
        self.calls += len(sentences)
        return [Scored(f"EN({s})", -3.25 if "بازار" in s else -0.5) for s in sentences]


MARKET = """
---
title: خبر بازار امروز
date: 2024-11-23T10:00
summary: هوا سرد است.
---
بازار ارز آشفته بود و همه مردم نگران شدند. دولت سخن گفت.

- قیمت [نفت](https://example.org/oil) در بازار بالا رفت
- مورد دوم

هوا سرد است.
"""


def run(site: Path, engine: Scoring, **kw: Any) -> str:
    out = io.StringIO()
    assert translate_site(site, engine=engine, out=out, err=io.StringIO(), **kw) == 0
    return out.getvalue()


def test_the_weakest_sentences_are_listed_in_the_translation_block(
        mini_site: Path, cli: Callable[..., Run]) -> None:
    write(mini_site / NEWS / "market.fa.md", MARKET)
    out = run(mini_site, Scoring())
    made = mini_site / NEWS / "market.en.md"
    listed = translation_block(made)["low_confidence"]
    assert listed == [
        {"where": "title", "score": -3.25, "text": "EN(خبر بازار امروز)"},
        {"where": "body", "score": -3.25, "text": "EN(بازار ارز آشفته بود و همه مردم نگران…"},
        {"where": "body", "score": -3.25, "text": "EN(قیمت نفت در بازار بالا رفت)"},
    ]
    raw = made.read_text(encoding="utf-8")
    assert "  - {where: title, score: -3.25, text: EN(خبر بازار امروز)}\n" in raw  # one a line
    assert "low confidence: 3 sentence(s) in 1 file(s)" in out, out
    # a person finds each in the file; the bilingual view finds its block
    body = raw.split("\n---\n", 1)[1]
    html = MarkdownRenderer().render(body, "ltr").html
    rows = blocks.split(html)
    assert [r.split(">")[0].split()[0] for r in rows] == ["<p", "<ul", "<p"]
    assert flagged_blocks(rows, listed) == {0, 1}
    # the file validates: translation.low_confidence is a known field
    assert cli("check", "--site", mini_site).code == 0


def test_the_threshold_comes_from_site_yaml_and_scores_from_the_memory(
        mini_site: Path) -> None:
    write(mini_site / NEWS / "market.fa.md", MARKET)
    run(mini_site, Scoring())
    made = mini_site / NEWS / "market.en.md"
    first = translation_block(made)["low_confidence"]
    with (mini_site / "site.yaml").open("a", encoding="utf-8") as fh:
        fh.write("translate: {low_confidence: -4}\n")
    again = Scoring()
    run(mini_site, again, force=True)
    assert again.calls == 0 and "low_confidence" not in translation_block(made)
    text = (mini_site / "site.yaml").read_text(encoding="utf-8")
    (mini_site / "site.yaml").write_text(text.replace("-4}", "-0.4}"), encoding="utf-8")
    made.unlink()
    third = Scoring()
    run(mini_site, third)
    assert third.calls == 0  # every sentence, and its score, from the memory
    every = translation_block(made)["low_confidence"]
    assert len(every) == 7 and [e for e in every if e["score"] < -3] == first
    with TranslationMemory.open(mini_site / MEMORY_FILE) as memory:
        assert memory.lookup_scored("scoring #1", ["دولت سخن گفت."]) == {
            "دولت سخن گفت.": ("EN(دولت سخن گفت.)", -0.5)}


def test_an_engine_without_scores_flags_nothing(mini_site: Path) -> None:
    class Plain:
        engine_name, model_name, identity = "plain 1", "plain-fa_en 1", "plain #1"
        calls = 0

        def translate(self, sentences: Sequence[str]) -> list[str]:
            return [f"EN({s})" for s in sentences]

    write(mini_site / NEWS / "market.fa.md", MARKET)
    out = io.StringIO()
    assert translate_site(mini_site, engine=Plain(), out=out, err=io.StringIO()) == 0  # type: ignore[arg-type]
    assert "low_confidence" not in translation_block(mini_site / NEWS / "market.en.md")
    assert "low confidence" not in out.getvalue()


def test_first_words_and_blocks() -> None:
    assert first_words("one two three", 2) == "one two…"
    assert first_words("one two", 2) == "one two"
    found = flagged_blocks(["<h2>Title</h2>", "<p>The <em>forces</em> of\nKhalifa Haftar met "
                            "&amp; talked.</p>", "<p>Other</p>"],
                           [{"where": "body", "score": -2.0,
                             "text": "The forces of Khalifa Haftar met &…"},
                            {"where": "title", "score": -2.0, "text": "Other"},
                            {"where": "body", "score": -2.0, "text": "nowhere to be found"}])
    assert found == {1}


# -- the report ---------------------------------------------------------------------------------

def test_translate_report_lists_every_sentence_weakest_first(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run], tmp_path: Path,
        no_network: list[Any]) -> None:
    write(mini_site / NEWS / "market.fa.md", MARKET)
    with (mini_site / "site.yaml").open("a", encoding="utf-8") as fh:
        fh.write("translate: {low_confidence: -3.1}\n")
    report = tmp_path / "report.tsv"
    run_ = cli("translate", "--site", mini_site, "--report", report)
    assert run_.code == 0, run_.err
    with report.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert rows and list(rows[0]) == ["score", "low", "file", "where", "sentence", "source"]
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores) and all(-20 < s < 0 for s in scores)
    assert {r["low"] for r in rows} <= {"yes", "no"}
    assert all((r["low"] == "yes") == (float(r["score"]) < -3.1) for r in rows)
    assert any(r["low"] == "yes" for r in rows) and any(r["low"] == "no" for r in rows), \
        scores  # the tiny model's scores straddle -3.1
    assert f"wrote {len(rows)} scored sentence(s) to {report}" in run_.out
    market = [r for r in rows if r["file"].endswith("market.en.md")]
    assert {r["source"] for r in market} >= {"خبر بازار امروز", "دولت سخن گفت.",
                                             "قیمت نفت در بازار بالا رفت"}
    listed = translation_block(mini_site / NEWS / "market.en.md").get("low_confidence", [])
    low = [r for r in market if r["low"] == "yes"]
    assert len(listed) == len(low)
    assert sorted(e["score"] for e in listed) == pytest.approx(sorted(
        float(r["score"]) for r in low), abs=0.006)
    assert all(not math.isnan(s) for s in scores)
    assert no_network == []
