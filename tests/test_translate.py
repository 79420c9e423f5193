"""`khabar translate`: what it translates, what it never overwrites, memory and atomicity.

These tests drive the command with a counting stand-in engine, so they can assert exact
model calls; test_translate_argos.py runs the same command with the real argostranslate.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import yaml
from conftest import Run, snapshot, write
from PIL import Image

from khabar.build import build
from khabar.content import split_front_matter
from khabar.translate import command
from khabar.translate.command import MEMORY_FILE, translate_site
from khabar.translate.memory import TranslationMemory
from khabar.yamlsrc import load as load_yaml


class CountingEngine:
    """Translates by tagging each sentence; records every sentence sent to it."""

    engine_name = "counting 1.0"
    model_name = "counting-fa_en 1"
    identity = "counting-fa_en 1 #test"

    def __init__(self) -> None:
        self.calls = 0
        self.seen: list[str] = []

    def translate(self, sentences: Sequence[str]) -> list[str]:
        self.calls += len(sentences)
        self.seen.extend(sentences)
        return [f"EN<{len(s)}>" for s in sentences]


def run(site: Path, engine: CountingEngine | None = None, **kw: object) -> tuple[int, str]:
    out = io.StringIO()
    code = translate_site(site, engine=engine or CountingEngine(), out=out, err=io.StringIO(),
                          **kw)  # type: ignore[arg-type]
    return code, out.getvalue()


def front(path: Path) -> dict[str, object]:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    assert parts is not None
    data = load_yaml(parts[0])
    assert isinstance(data, dict)
    return data


@pytest.fixture
def site(mini_site: Path) -> Path:
    write(mini_site / "content/news/long-report.fa.md", """
        ---
        title: گزارش بلند درباره لیبی
        date: 2024-11-23T10:00
        summary: خلاصه‌ای کوتاه.
        countries: [libya]
        ---
        ## پیشینه

        جمله اول درباره لیبی است. جمله دوم با [پیوند](https://example.org/x) است!

        - مورد اول فهرست
        - مورد دوم با `code` است

        | ستون | مقدار |
        |---|---|
        | نفت | زیاد |
        """)
    return mini_site


def test_translates_missing_and_stale_machine_files(site: Path) -> None:
    engine = CountingEngine()
    code, out = run(site, engine)
    assert code == 0
    news = site / "content/news"
    # missing: written; stale machine (oslo-talks had an old source hash): retranslated
    made = front(news / "long-report.en.md")
    tr = made["translation"]
    assert isinstance(tr, dict)
    assert tr["status"] == "machine" and tr["engine"] == "counting 1.0"
    assert tr["model"] == "counting-fa_en 1" and tr["from"] == "fa"
    source_bytes = (news / "long-report.fa.md").read_bytes()
    import hashlib
    assert tr["source_sha256"] == hashlib.sha256(source_bytes).hexdigest()
    assert made["date"] == "2024-11-23T10:00" and made["countries"] == ["libya"]
    assert str(made["title"]).startswith("EN<")
    oslo = front(news / "oslo-talks.en.md")["translation"]
    assert isinstance(oslo, dict) and oslo["engine"] == "counting 1.0"
    # the reviewed translation is left alone
    assert "engine: human" in (news / "haftar-turkey.en.md").read_text()
    assert re.search(r"translated 4 article\(s\)", out), out  # drafts too: published later
    assert "skipped as reviewed 1" in out


def test_structure_and_links_survive(site: Path) -> None:
    run(site)
    body = (site / "content/news/long-report.en.md").read_text().split("---\n", 2)[2]
    lines = body.splitlines()
    assert lines[0].startswith("## ") and body.count("## ") == 1
    assert "](https://example.org/x)" in body
    items = [line for line in lines if line.startswith("- ")]
    assert len(items) == 2 and items[1].endswith(" `code`"), body
    rows = [line for line in lines if line.startswith("|")]
    assert len(rows) == 3 and [row.count("|") for row in rows] == [3, 3, 3], body
    assert rows[1] == "|---|---|"
    # nothing but text reached the model: no URL, no code, no Markdown syntax
    engine = CountingEngine()
    (site / "content/news/long-report.en.md").unlink()
    (site / MEMORY_FILE).unlink()
    run(site, engine)
    joined = "\n".join(engine.seen)
    assert "https://" not in joined and "code" not in joined and "##" not in joined


def test_second_run_makes_no_model_calls(site: Path) -> None:
    run(site)
    before = snapshot(site / "content")
    engine = CountingEngine()
    code, out = run(site, engine)
    assert code == 0 and engine.calls == 0
    assert snapshot(site / "content") == before
    assert "translated 0 article(s)" in out


def test_one_changed_sentence_makes_one_model_call(site: Path) -> None:
    run(site)
    src = site / "content/news/long-report.fa.md"
    src.write_text(src.read_text().replace("جمله اول درباره لیبی است.",
                                           "جمله نخست درباره لیبی است."))
    engine = CountingEngine()
    run(site, engine)
    assert engine.calls == 1
    # a declared country's name reaches the model as a placeholder (test_glossary.py)
    assert engine.seen == ["جمله نخست درباره [1] است."]


def test_forced_run_reuses_memory(site: Path) -> None:
    run(site)
    engine = CountingEngine()
    code, out = run(site, engine, force=True)
    assert code == 0 and engine.calls == 0
    assert "by the model" in out and "0 by the model" in out


def test_memory_is_keyed_by_model(site: Path) -> None:
    run(site)
    other = CountingEngine()
    other.identity = "another model"
    run(site, other, force=True)
    assert other.calls > 0
    with TranslationMemory.open(site / MEMORY_FILE) as memory:
        models = {model for model, _count in memory.stats().per_model}
        # each model's sentences apart; the reviewed haftar-turkey.en.md's under its own key
        assert models == {"counting-fa_en 1 #test", "another model", "human fa→en"}


def test_reviewed_is_never_overwritten_and_reported_stale(site: Path) -> None:
    target = site / "content/news/haftar-turkey.en.md"
    before = target.read_bytes()
    src = site / "content/news/haftar-turkey.fa.md"
    src.write_text(src.read_text() + "\nجمله تازه.\n")
    code, out = run(site, force=True)
    assert code == 0
    assert target.read_bytes() == before
    assert "stale reviewed 1" in out
    assert f"stale: {target}: its source changed" in out, out


def test_hand_edited_machine_file_is_kept(site: Path) -> None:
    run(site)
    target = site / "content/news/long-report.en.md"
    target.write_text(target.read_text().replace("## ", "## Background, edited: ", 1))
    edited = target.read_bytes()
    engine = CountingEngine()
    code, out = run(site, engine, force=True)
    assert code == 0 and target.read_bytes() == edited
    assert "kept hand edits 1" in out
    src = site / "content/news/long-report.fa.md"
    src.write_text(src.read_text() + "\nجمله تازه.\n")
    _code, out = run(site, engine)
    assert target.read_bytes() == edited
    assert "stale reviewed 1" in out


def test_dry_run_writes_nothing(site: Path) -> None:
    before = snapshot(site)
    engine = CountingEngine()
    code, out = run(site, engine, dry_run=True)
    assert code == 0 and engine.calls == 0
    assert snapshot(site) == before
    assert "would translate" in out and "long-report.en.md (missing)" in out


def test_failure_mid_write_leaves_whole_files(site: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(site / "content")
    real = command._write_atomic
    written: list[Path] = []

    def crash_on_second(path: Path, data: str) -> None:
        if written:
            raise KeyboardInterrupt  # Ctrl-C between two files
        written.append(path)
        real(path, data)

    monkeypatch.setattr(command, "_write_atomic", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        run(site)
    after = snapshot(site / "content")
    changed = {k for k in after if after[k] != before.get(k)}
    assert len(changed) == 1  # one file fully written, the others untouched
    assert not [k for k in after if k.endswith(".tmp")]
    # the memory is consistent: every sentence the model translated is there, so the
    # rerun finishes without asking the model again
    monkeypatch.undo()
    engine = CountingEngine()
    run(site, engine)
    assert engine.calls == 0


def test_atomic_write_never_leaves_half_a_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.en.md"
    target.write_text("old")

    def boom(*_a: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(command.os, "fsync", boom)
    with pytest.raises(OSError):
        command._write_atomic(target, "new content")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_english_pages_show_machine_notice_after_translate(site: Path, tmp_path: Path) -> None:
    run(site)
    out = tmp_path / "out"
    build(site, out)
    page = (out / "en/articles/long-report/index.html").read_text()
    assert 'class="notice notice-machine"' in page
    assert "counting 1.0" in page and "counting-fa_en 1" in page
    assert 'href="/briefing/fa/articles/long-report/"' in page
    assert "notice-pending" not in page


def test_tmx_export(site: Path, tmp_path: Path, cli: Callable[..., Run]) -> None:
    missing = cli("translate", "--site", site, "--export-tmx", tmp_path / "none.tmx")
    assert missing.code == 1 and "no translation memory yet" in missing.err
    run(site)
    result = cli("translate", "--site", site, "--export-tmx", tmp_path / "m.tmx")
    assert result.code == 0, result.err
    from lxml import etree
    doc = etree.parse(str(tmp_path / "m.tmx"))
    units = doc.findall(".//tu")
    count = int(re.search(r"wrote (\d+) translation units", result.out).group(1))  # type: ignore[union-attr]
    assert count > 5 and len(units) == count
    assert {t.get("{http://www.w3.org/XML/1998/namespace}lang") for t in doc.findall(".//tuv")} \
        == {"fa", "en"}


def test_a_hand_edit_of_a_pictures_words_is_kept(site: Path) -> None:
    (site / "images").mkdir()
    Image.new("RGB", (300, 200), (30, 90, 160)).save(site / "images" / "map.png")
    src = site / "content/news/long-report.fa.md"
    src.write_text(src.read_text().replace(
        "\n---\n", "\nimage: {src: images/map.png, alt: نقشه لیبی}\n---\n", 1))
    run(site)
    target = site / "content/news/long-report.en.md"
    untouched = target.read_bytes()
    code, out = run(site, force=True)  # as Khabar wrote it, picture words and all
    assert code == 0 and "kept hand edits 0" in out, out
    written = target.read_text()
    alt = yaml.safe_load(written.split("---\n")[1])["image"]["alt"]
    assert alt and alt != "نقشه لیبی"
    target.write_text(written.replace(f"alt: {alt}", "alt: A map of Libya drawn by hand", 1))
    edited = target.read_bytes()
    assert edited != untouched
    code, out = run(site, force=True)
    assert code == 0 and target.read_bytes() == edited  # the person's alt stays
    assert "kept hand edits 1" in out
