"""Translations and their originals: what a translation records of its original survives
CRLF and byte-order marks, and a translation takes date, kind and tags from its original
(issue 8)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
from conftest import write

from khabar import config as config_stage
from khabar import content
from khabar.build import build
from khabar.build import load as load_site
from khabar.errors import Diagnostic, KhabarError
from khabar.translate.command import translate_site
from khabar.translate.plan import CURRENT, EDITED, REVIEWED, STALE_REVIEWED, TRANSLATE, decide
from khabar.yamlsrc import load as load_yaml

NEWS = "content/news"


class StandIn:
    """A translator that tags each sentence: enough to drive `translate` without a model."""

    engine_name = "stand-in 1.0"
    model_name = "stand-in-fa_en 1"
    identity = "stand-in-fa_en 1 #test"

    def __init__(self) -> None:
        self.calls = 0

    def translate(self, sentences: Sequence[str]) -> list[str]:
        self.calls += len(sentences)
        return [f"EN<{len(s)}>" for s in sentences]


def translate(site: Path) -> str:
    out = io.StringIO()
    assert translate_site(site, engine=StandIn(), out=out,  # type: ignore[arg-type]
                          err=io.StringIO()) == 0
    return out.getvalue()


def articles(site: Path) -> dict[tuple[str, str], content.Article]:
    return {(a.lang, a.slug): a for a in content.load(config_stage.load(site))}


def actions(site: Path) -> dict[str, str]:
    config = config_stage.load(site)
    return {j.source.slug: j.action for j in decide(config, content.load(config))}


def stale(site: Path, slug: str) -> bool:
    story = next(s for s in load_site(site).stories["en"] if s.slug == slug)
    assert story.state in ("machine", "reviewed")
    return story.stale


def crlf(path: Path, bom: bool = False) -> None:
    data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def recorded(path: Path) -> dict[str, object]:
    parts = content.split_front_matter(path.read_text(encoding="utf-8"))
    assert parts is not None
    data = load_yaml(parts[0])
    assert isinstance(data, dict) and isinstance(data["translation"], dict)
    return data["translation"]


# -- source_sha256 and output_sha256 over canonical text -------------------------------

@pytest.mark.parametrize("bom", [False, True], ids=["crlf", "crlf-and-bom"])
def test_resaving_the_original_keeps_a_reviewed_translation_current(mini_site: Path,
                                                                    bom: bool) -> None:
    assert not stale(mini_site, "haftar-turkey")
    crlf(mini_site / NEWS / "haftar-turkey.fa.md", bom=bom)
    assert not stale(mini_site, "haftar-turkey")
    assert actions(mini_site)["haftar-turkey"] == REVIEWED


def test_a_bom_alone_changes_nothing(mini_site: Path) -> None:
    source = mini_site / NEWS / "haftar-turkey.fa.md"
    source.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    assert not stale(mini_site, "haftar-turkey")


def test_a_hash_of_the_raw_bytes_is_still_accepted(mini_site: Path) -> None:
    source = mini_site / NEWS / "haftar-turkey.fa.md"
    crlf(source)
    raw = hashlib.sha256(source.read_bytes()).hexdigest()  # what Khabar recorded before
    canonical = hashlib.sha256(source.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
    target = mini_site / NEWS / "haftar-turkey.en.md"
    old = str(recorded(target)["source_sha256"])
    target.write_text(target.read_text(encoding="utf-8").replace(old, raw), encoding="utf-8")
    assert raw != canonical
    assert articles(mini_site)[("fa", "haftar-turkey")].sha256 == canonical
    assert not stale(mini_site, "haftar-turkey")
    assert actions(mini_site)["haftar-turkey"] == REVIEWED


def test_a_real_edit_still_makes_it_stale(mini_site: Path) -> None:
    source = mini_site / NEWS / "haftar-turkey.fa.md"
    crlf(source)
    source.write_bytes(source.read_bytes() + "جمله تازه.\r\n".encode())
    assert stale(mini_site, "haftar-turkey")
    assert actions(mini_site)["haftar-turkey"] == STALE_REVIEWED


def test_translate_records_the_canonical_hash(mini_site: Path) -> None:
    source = mini_site / NEWS / "oslo-talks.fa.md"
    crlf(source)
    translate(mini_site)
    lf_text = source.read_bytes().replace(b"\r\n", b"\n")
    assert recorded(mini_site / NEWS / "oslo-talks.en.md")["source_sha256"] == \
        hashlib.sha256(lf_text).hexdigest()
    source.write_bytes(lf_text)  # saved back with LF: still the same source
    assert actions(mini_site)["oslo-talks"] == CURRENT


def test_a_machine_file_resaved_with_crlf_is_no_hand_edit(mini_site: Path) -> None:
    translate(mini_site)
    target = mini_site / NEWS / "oslo-talks.en.md"
    assert actions(mini_site)["oslo-talks"] == CURRENT
    crlf(target)
    assert actions(mini_site)["oslo-talks"] == CURRENT  # was EDITED: frozen for good
    source = mini_site / NEWS / "oslo-talks.fa.md"
    source.write_text(source.read_text(encoding="utf-8").replace("برگزار شد.\n",
                      "برگزار شد. جمله تازه.\n"), encoding="utf-8")  # a brief: one paragraph
    assert actions(mini_site)["oslo-talks"] == TRANSLATE
    out = translate(mini_site)
    assert "kept hand edits 0" in out and "stale reviewed 0" in out, out
    assert b"\r\n" not in target.read_bytes()  # written anew
    # a real edit is still kept
    target.write_text(target.read_text(encoding="utf-8").rstrip("\n") + " A person's words.\n",
                      encoding="utf-8")
    assert actions(mini_site)["oslo-talks"] == EDITED


def test_an_output_digest_recorded_over_crlf_text_is_accepted(mini_site: Path) -> None:
    """A machine file whose source had CRLF was written (and hashed) with CR in its body
    by earlier versions: that digest still counts as Khabar's own."""
    from khabar.translate.plan import _digest
    target = mini_site / NEWS / "oslo-talks.en.md"
    body = "Representatives met in Oslo.\r\n"
    digest = _digest("Talks in Oslo on Libya", None, body)
    text = target.read_text(encoding="utf-8").replace(
        "status: machine}", f"status: machine, output_sha256: {digest}}}")
    target.write_bytes(text.split("---\n", 2)[0].encode() + b"---\n" +
                       text.split("---\n", 2)[1].encode() + b"---\n" + body.encode())
    tr = articles(mini_site)[("en", "oslo-talks")].translation
    assert tr is not None and tr.output_sha256 == digest
    assert actions(mini_site)["oslo-talks"] == TRANSLATE  # its source changed: not EDITED


# -- date, kind and tags from the original ---------------------------------------------

ORIGINAL = """
    ---
    title: دیدار در طرابلس
    date: 2024-11-20T10:00
    kind: brief
    countries: [libya, turkey]
    actors: [حفتر]
    ---
    دیدار برگزار شد.
    """


def load_all(site: Path) -> tuple[content.Article, ...]:
    return content.load(config_stage.load(site))


def errors_of(site: Path) -> list[Diagnostic]:
    with pytest.raises(KhabarError) as caught:
        load_all(site)
    return list(caught.value.diagnostics)


# a translation stating nothing of the story: date, kind and tags come from the original
BARE_TRANSLATION = """
    ---
    title: Meeting in Tripoli
    translation: {from: fa, source_sha256: '', engine: human, model: none, status: reviewed}
    ---
    The meeting took place.
    """


def test_a_translation_need_not_repeat_date_kind_or_tags(mini_site: Path,
                                                         tmp_path: Path) -> None:
    write(mini_site / NEWS / "tripoli.fa.md", ORIGINAL)
    write(mini_site / NEWS / "tripoli.en.md", BARE_TRANSLATION)
    got = {(a.lang, a.slug): a for a in load_all(mini_site)}
    fa, en = got[("fa", "tripoli")], got[("en", "tripoli")]
    assert en.date == fa.date and isinstance(en.date, datetime)
    assert en.kind == "brief"
    assert en.terms == {"countries": ("libya", "turkey"), "actors": ("khalifa-haftar",)}
    assert en.warnings == ()
    out = tmp_path / "out"
    build(mini_site, out)
    page = (out / "en/articles/tripoli/index.html").read_text(encoding="utf-8")
    assert "2024-11-20T10:00:00+03:30" in page
    assert "/en/articles/tripoli/" in \
        (out / "en/countries/libya/feed.json").read_text(encoding="utf-8")


def test_a_hand_written_file_without_a_block_takes_the_originals_tags(mini_site: Path) -> None:
    write(mini_site / NEWS / "tripoli.fa.md", ORIGINAL)
    write(mini_site / NEWS / "tripoli.en.md", """
        ---
        title: Meeting in Tripoli
        ---
        The meeting took place.
        """)
    got = {(a.lang, a.slug): a for a in load_all(mini_site)}
    en = got[("en", "tripoli")]
    assert en.translation is None
    assert en.date == got[("fa", "tripoli")].date and en.kind == "brief"
    assert en.terms["countries"] == ("libya", "turkey")
    assert en.terms["actors"] == ("khalifa-haftar",)
    story = next(s for s in load_site(mini_site).stories["en"] if s.slug == "tripoli")
    assert story.state == "original" and story.terms["countries"] == ("libya", "turkey")


def test_a_translation_that_states_other_values_is_warned(mini_site: Path) -> None:
    write(mini_site / NEWS / "tripoli.fa.md", ORIGINAL)
    write(mini_site / NEWS / "tripoli.en.md", """
        ---
        title: Meeting in Tripoli
        date: 2024-11-25
        kind: article
        countries: [turkey]
        actors: [khalifa-haftar]
        translation: {from: fa, source_sha256: '', engine: human, model: none, status: reviewed}
        ---
        The meeting took place.
        """)
    got = {(a.lang, a.slug): a for a in load_all(mini_site)}
    fa, en = got[("fa", "tripoli")], got[("en", "tripoli")]
    assert (en.date, en.kind, en.terms) == (fa.date, fa.kind, fa.terms)
    lines = [(w.severity, w.line, w.message.split(" ")[0]) for w in en.warnings]
    assert lines == [("warning", 3, "date"), ("warning", 4, "kind"),
                     ("warning", 5, "countries")]
    first = en.warnings[0].format()
    assert first.startswith(f"{en.path}:3: warning: date 2024-11-25T00:00:00+03:30 differs "
                            "from the original's 2024-11-20T10:00:00+03:30 (")
    assert "(hint: remove the line: a translation takes date, kind and tags from its " \
        "original)" in first
    assert "[turkey] differs from the original's [libya, turkey]" in en.warnings[2].message


def test_equal_values_written_differently_are_no_difference(mini_site: Path) -> None:
    write(mini_site / NEWS / "tripoli.fa.md", ORIGINAL)
    write(mini_site / NEWS / "tripoli.en.md", """
        ---
        title: Meeting in Tripoli
        date: 1403-08-30T10:00
        kind: brief
        countries: [turkey, libya]
        actors: [Khalifa Haftar]
        ---
        The meeting took place.
        """)
    en = next(a for a in load_all(mini_site) if a.lang == "en" and a.slug == "tripoli")
    assert en.warnings == ()


def test_without_an_original_the_date_is_required(mini_site: Path) -> None:
    write(mini_site / NEWS / "lonely.en.md", """
        ---
        title: A story only in English
        ---
        Text.
        """)
    write(mini_site / NEWS / "orphan.en.md", """
        ---
        title: A translation of nothing
        translation: {from: fa, source_sha256: '', engine: human, model: none, status: reviewed}
        ---
        Text.
        """)
    found = sorted((Path(d.path).name, d.line, d.message, bool(d.hint))
                   for d in errors_of(mini_site))
    assert found == [
        ("lonely.en.md", 2, "missing required field 'date'", True),
        ("orphan.en.md", 1, "translation of 'orphan' but no orphan.fa.md exists", True),
        ("orphan.en.md", 2, "missing required field 'date'", True),
    ]


def test_an_original_in_the_source_language_still_needs_its_date(mini_site: Path) -> None:
    write(mini_site / NEWS / "undated.fa.md", """
        ---
        title: بدون تاریخ
        ---
        متن.
        """)
    [error] = errors_of(mini_site)
    assert (error.line, error.message) == (2, "missing required field 'date'")


def test_a_translation_whose_original_has_errors_reports_only_those(mini_site: Path) -> None:
    write(mini_site / NEWS / "tripoli.fa.md", ORIGINAL.replace("[libya, turkey]", "[mars]"))
    write(mini_site / NEWS / "tripoli.en.md", BARE_TRANSLATION)
    assert [d.message for d in errors_of(mini_site)] == ["unknown term 'mars' in 'countries'"]
