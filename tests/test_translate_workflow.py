"""`khabar translate` as a newsroom uses it day to day (issue "Machine translation that knows
the news", gaps in today's workflow): marking a reviewed file current (`--accept`), files
written article by article, temporary files of a killed run cleaned up, what a dry run
would send to the model and a run that loads no model it does not need, TMX with inline
markup and reviewed translations in it, and French made from English that says where the
English came from.

Translation runs either with the real argostranslate and tiny genuine models
(tests/argos_fixture.py), the network refused, or with stand-in engines where a test has
to know exactly what reached the model.
"""

from __future__ import annotations

import io
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import argos_fixture
import pytest
from argos_fixture import ArgosEnv
from conftest import Run, snapshot, write
from lxml import etree

from khabar import config as config_stage
from khabar import content, frontmatter
from khabar.content import split_front_matter
from khabar.translate import command, workspace
from khabar.translate.command import MEMORY_FILE, translate_site
from khabar.translate.engine import ArgosEngine, Scored
from khabar.translate.memory import TranslationMemory, human_key
from khabar.translate.models import list_installed
from khabar.translate.routes import LazyEngine, find_route, load_engine
from khabar.translate.tmx import Placeholder, seg_xml
from khabar.yamlsrc import load as load_yaml

argos_pairs = argos_fixture.argos_pairs

NEWS = "content/news"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# -- helpers ----------------------------------------------------------------------------------

class Echo:
    """A stand-in model: `EN(sentence)`, placeholders and all; records what it was sent
    and, through `watch`, what was on disk at each call."""

    engine_name = "echo 1.0"
    model_name = "echo-fa_en 1"

    def __init__(self, identity: str = "echo #1",
                 watch: Callable[[Sequence[str]], None] | None = None) -> None:
        self.identity = identity
        self.calls = 0
        self.seen: list[str] = []
        self.watch = watch

    def translate(self, sentences: Sequence[str]) -> list[str]:
        if self.watch is not None:
            self.watch(sentences)
        self.calls += len(sentences)
        self.seen.extend(sentences)
        return [f"EN({s})" for s in sentences]


def run(site: Path, engine: Any, **kw: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = translate_site(site, engine=engine, out=out, err=err, **kw)
    return code, out.getvalue(), err.getvalue()


def front(path: Path) -> dict[str, Any]:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    assert parts is not None
    data = load_yaml(parts[0])
    assert isinstance(data, dict)
    return data


def source_hash(path: Path) -> str:
    return content.text_sha256(path.read_bytes().decode("utf-8"))


REPORT = """
---
title: گزارش درباره لیبی
date: 2024-11-23T10:00
summary: خلاصه‌ای کوتاه از گزارش.
---
نیروهای حفتر با ترکیه دیدار کردند. به گفته [منابع](https://example.org/src) همکاری **ادامه** دارد.

- مورد اول با `کد`
- مورد دوم
"""


def articles(site: Path, n: int) -> list[Path]:
    """n Persian articles, each with its own sentences."""
    return [write(site / NEWS / f"story-{i}.fa.md", f"""
        ---
        title: خبر شماره {i} درباره بازار
        date: 2024-11-2{i % 9}T10:00
        ---
        قیمت نفت در روز {i} افزایش یافت. وزیر در روز {i} سفر کرد.
        """) for i in range(n)]


# -- 1. --accept --------------------------------------------------------------------------------

def test_accept_records_the_current_original_and_changes_only_those_lines(
        mini_site: Path, cli: Callable[..., Run], capsys: pytest.CaptureFixture[str]) -> None:
    news = mini_site / NEWS
    original = news / "haftar-turkey.fa.md"
    original.write_text(original.read_text(encoding="utf-8") + "\nجمله تازه.\n",
                        encoding="utf-8")
    target = news / "haftar-turkey.en.md"
    target.chmod(0o644)
    before = target.read_bytes()
    assert "stale reviewed 1" in run(mini_site, Echo(), dry_run=True)[1]
    dry = cli("translate", "--site", mini_site, "--accept", target, "--dry-run")
    assert dry.code == 0 and "would be marked reviewed" in dry.out and \
        target.read_bytes() == before
    with pytest.raises(SystemExit) as usage:  # one or the other
        cli("translate", "--site", mini_site, "--accept", target, "--export-tmx", "x.tmx")
    assert usage.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
    result = cli("translate", "--site", mini_site, "--accept", target)
    assert result.code == 0, result.err
    after = target.read_bytes()
    old_lines, new_lines = before.split(b"\n"), after.split(b"\n")
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert [new_lines[i].strip() for i in changed] == [
        f"source_sha256: {source_hash(original)}".encode()]  # status was reviewed already
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert not [p for p in news.iterdir() if p.name.endswith(".tmp")]
    code, out, _err = run(mini_site, Echo(), dry_run=True)
    assert code == 0 and "stale reviewed 0" in out and "haftar-turkey" not in out


def test_accept_keeps_crlf_a_bom_comments_and_flow_blocks(mini_site: Path,
                                                          cli: Callable[..., Run]) -> None:
    news = mini_site / NEWS
    crlf = news / "haftar-turkey.en.md"
    text = crlf.read_text(encoding="utf-8").replace("  status: reviewed\n", "")
    text = text.replace("  engine: human\n", "  engine: human   # by Sara\n")
    crlf.write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode("utf-8"))
    flow = news / "oslo-talks.en.md"  # translation: {from: fa, ..., status: machine}
    flow_before = flow.read_text(encoding="utf-8")
    result = cli("translate", "--site", mini_site, "--accept", crlf, flow)
    assert result.code == 0, result.err
    assert result.out.count("reviewed, translates the original as it is now") == 2
    data = crlf.read_bytes()
    assert data.startswith("\ufeff---\r\n".encode()) and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.decode("utf-8").split("\r\n")
    assert "  engine: human   # by Sara" in lines
    block = lines[lines.index("translation:") + 1:]
    assert block[:6] == ["  from: fa",
                         f"  source_sha256: {source_hash(news / 'haftar-turkey.fa.md')}",
                         "  engine: human   # by Sara", "  model: none",
                         "  status: reviewed", "---"]
    expected = flow_before.replace("0" * 64, source_hash(news / "oslo-talks.fa.md")).replace(
        "status: machine}", "status: reviewed}")
    assert flow.read_text(encoding="utf-8") == expected
    loaded = {a.file.name: a for a in content.load(config_stage.load(mini_site))}
    for name in ("haftar-turkey.en.md", "oslo-talks.en.md"):
        tr = loaded[name].translation
        assert tr is not None and tr.status == "reviewed"
        assert loaded[name.replace(".en.", ".fa.")].matches_digest(tr.source_sha256)


def test_accept_refuses_what_is_not_a_translation_and_writes_nothing(
        mini_site: Path, cli: Callable[..., Run]) -> None:
    news = mini_site / NEWS
    orphan = write(news / "gone.en.md", """
        ---
        title: An orphan
        date: 2024-11-20
        translation:
          from: fa
          source_sha256: ""
          status: machine
        ---
        Text.
        """)
    good = news / "oslo-talks.en.md"
    before = snapshot(mini_site)
    result = cli("translate", "--site", mini_site, "--accept", good, news / "oslo-talks.fa.md",
                 orphan, news / "nothing.en.md")
    assert result.code == 1
    lines = result.err.splitlines()
    pattern = re.compile(r"^(\S+?)(:\d+)?: error: .+ \(hint: .+\)$")
    assert all(pattern.match(line) for line in lines[:-1]), lines
    assert lines[-1] == "khabar: 3 errors; nothing was written"
    assert any(re.match(r".*gone\.en\.md:5: error: its original gone\.fa\.md is missing", line)
               for line in lines), lines
    assert any("oslo-talks.fa.md:1: error: not a translation: no `translation:` block" in line
               for line in lines), lines
    assert any("nothing.en.md: error: no such file" in line for line in lines), lines
    assert snapshot(mini_site) == before  # the good file was not written either


# -- 2. each article written as soon as it is translated ---------------------------------------

def test_each_article_is_written_when_its_last_sentence_is_translated(
        mini_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stories = articles(mini_site, 6)
    targets = [p.with_name(p.name.replace(".fa.", ".en.")) for p in stories]
    monkeypatch.setattr(command, "CHUNK", 3)
    on_disk: list[int] = []
    engine = Echo(watch=lambda _s: on_disk.append(sum(t.exists() for t in targets)))
    code, _out, _err = run(mini_site, engine)
    assert code == 0
    assert len(on_disk) >= 5  # several model calls
    assert on_disk[0] == 0 and on_disk[-1] >= 4, on_disk  # files appear as the run goes on
    assert on_disk == sorted(on_disk)


def test_a_killed_run_keeps_the_articles_it_finished(
        argos_env: ArgosEnv, mini_site: Path, monkeypatch: pytest.MonkeyPatch,
        no_network: list[Any]) -> None:
    """Real model, small chunks, killed at its third call: the articles whose sentences
    were all translated are on disk, whole; the rerun sends the model only the rest."""
    stories = articles(mini_site, 5)
    targets = [p.with_name(p.name.replace(".fa.", ".en.")) for p in stories]
    monkeypatch.setattr(command, "CHUNK", 3)
    real = ArgosEngine.translate_scored
    before: list[str] = []

    def dies_on_fourth_call(self: ArgosEngine, sentences: Sequence[str], **kw: Any
                            ) -> list[Scored]:
        if len(before) == 9:
            raise KeyboardInterrupt
        before.extend(sentences)
        return real(self, sentences, **kw)

    monkeypatch.setattr(ArgosEngine, "translate_scored", dies_on_fourth_call)
    with pytest.raises(KeyboardInterrupt):
        translate_site(mini_site, out=io.StringIO(), err=io.StringIO())
    made = [t for t in targets if t.exists()]
    assert 1 <= len(made) < len(targets), made
    for path in made:
        tr = front(path)["translation"]
        assert tr["status"] == "machine" and tr["model"] == "translate-fa_en 1.0"
        assert path.read_text(encoding="utf-8").endswith("\n") and "EN" not in path.name
    after: list[str] = []

    def records(self: ArgosEngine, sentences: Sequence[str], **kw: Any) -> list[Scored]:
        after.extend(sentences)
        return real(self, sentences, **kw)

    monkeypatch.setattr(ArgosEngine, "translate_scored", records)
    assert translate_site(mini_site, out=io.StringIO(), err=io.StringIO()) == 0
    assert all(t.exists() for t in targets)
    assert after and not set(after) & set(before)  # the memory kept the killed run's work
    assert no_network == []


# -- 3. temporary files of a killed run ---------------------------------------------------------

def test_a_run_removes_temporary_files_a_killed_run_left(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run],
        no_network: list[Any]) -> None:
    news = mini_site / NEWS
    left = [news / ".oslo-talks.en.md.k3j_9x2a.tmp", news / "deep" / ".a-b.fa.md.abcdefgh.tmp"]
    left[1].parent.mkdir()
    kept = [news / ".notes.tmp", news / "keep.en.md.abcdefgh.tmp",
            news / ".oslo-talks.en.md.toolongname.tmp", mini_site / ".x.en.md.abcdefgh.tmp",
            news / ".hidden" / ".x.en.md.abcdefgh.tmp"]
    kept[-1].parent.mkdir()
    for path in [*left, *kept]:
        path.write_text("half a file", encoding="utf-8")
    link = news / ".y.en.md.abcdefgh.tmp"
    link.symlink_to(mini_site / "site.yaml")
    dry = cli("translate", "--site", mini_site, "--dry-run")
    assert dry.code == 0 and all(p.exists() for p in left)  # a dry run removes nothing
    result = cli("translate", "--site", mini_site, "--to", "en")
    assert result.code == 0, result.err
    assert not any(p.exists() for p in left)
    assert all(p.exists() for p in kept) and link.is_symlink()
    assert "removed 2 temporary file(s) left by an interrupted run" in result.err


def test_a_second_run_at_the_same_time_is_one_error_line(mini_site: Path,
                                                          cli: Callable[..., Run]) -> None:
    with workspace.lock(mini_site / "content"):
        result = cli("translate", "--site", mini_site, "--accept",
                     mini_site / NEWS / "oslo-talks.en.md")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"khabar: error: another `khabar translate` is writing into {mini_site / 'content'} "
        "(hint: wait for it to finish, then run this one again)"]


# -- 4. dry run counts; no model loaded that is not needed --------------------------------------

def test_dry_run_says_how_many_sentences_would_reach_the_model(mini_site: Path) -> None:
    write(mini_site / NEWS / "libya-report.fa.md", REPORT)
    code, out, _err = run(mini_site, Echo(), dry_run=True)
    assert code == 0
    line = re.search(r"en from fa: (\d+) sentence\(s\): (\d+) from memory, (\d+) to the model",
                     out)
    assert line is not None, out
    total = int(line.group(1))
    assert total > 5 and line.group(2) == "0" and int(line.group(3)) == total
    assert f"would translate 4 article(s): {total} sentences, 0 from memory, {total} to " \
           "the model" in out
    engine = Echo()
    run(mini_site, engine)
    assert engine.calls == total  # what the dry run said
    memory = mini_site / MEMORY_FILE
    src = mini_site / NEWS / "libya-report.fa.md"
    src.write_text(src.read_text(encoding="utf-8").replace("مورد دوم", "مورد سوم"),
                   encoding="utf-8")
    before = snapshot(mini_site)
    code, out, _err = run(mini_site, Echo(), dry_run=True)
    assert "en from fa: 6 sentence(s): 5 from memory, 1 to the model" in out, out
    assert snapshot(mini_site) == before  # the memory too: no hit counted, no -wal file
    assert memory.read_bytes() == before[MEMORY_FILE]


def test_memory_identity_needs_no_model_and_force_loads_none(
        argos_pairs: Callable[..., list[Path]], mini_site: Path, cli: Callable[..., Run],
        monkeypatch: pytest.MonkeyPatch, no_network: list[Any]) -> None:
    argos_pairs(("fa", "en"), ("en", "fr"))
    for pair in (("fa", "en"), ("fa", "fr")):
        route = find_route(*pair, list_installed())
        assert route is not None
        lazy = LazyEngine(route)
        assert lazy.identity == load_engine(*pair).identity and not lazy.loaded
    write(mini_site / NEWS / "libya-report.fa.md", REPORT)
    assert cli("translate", "--site", mini_site).code == 0
    loads: list[Path] = []
    real = ArgosEngine.from_path.__func__  # type: ignore[attr-defined]

    def counted(cls: type[ArgosEngine], path: Path, **kw: Any) -> ArgosEngine:
        loads.append(path)
        return real(cls, path, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(ArgosEngine, "from_path", classmethod(counted))
    dry = cli("translate", "--site", mini_site, "--dry-run", "--force")
    counts = re.search(r"en from fa: (\d+) sentence\(s\): (\d+) from memory, 0 to the model",
                       dry.out)
    assert counts is not None and counts.group(1) == counts.group(2), dry.out
    forced = cli("translate", "--site", mini_site, "--force")
    assert forced.code == 0, forced.err
    assert "translated 4 article(s)" in forced.out and " 0 by the model" in forced.out
    assert loads == []  # everything was in the memory: no model loaded
    src = mini_site / NEWS / "libya-report.fa.md"
    src.write_text(src.read_text(encoding="utf-8").replace("مورد دوم", "مورد سوم"),
                   encoding="utf-8")
    assert "1 by the model" in cli("translate", "--site", mini_site).out
    assert len(loads) == 1
    assert no_network == []


# -- 5. TMX: inline markup, reviewed translations, each unit's own languages --------------------

# The structure TMX 1.4b requires (the LISA OSCAR specification's content model, transcribed):
# elements, their order and their required attributes.
TMX_DTD = """
<!ENTITY % segtypes "block|paragraph|sentence|phrase">
<!ELEMENT tmx (header, body)>
<!ATTLIST tmx version CDATA #FIXED "1.4">
<!ELEMENT header (note|prop|ude)*>
<!ATTLIST header creationtool CDATA #REQUIRED creationtoolversion CDATA #REQUIRED
  segtype (%segtypes;) #REQUIRED o-tmf CDATA #REQUIRED adminlang CDATA #REQUIRED
  srclang CDATA #REQUIRED datatype CDATA #REQUIRED o-encoding CDATA #IMPLIED
  creationdate CDATA #IMPLIED creationid CDATA #IMPLIED changedate CDATA #IMPLIED
  changeid CDATA #IMPLIED>
<!ELEMENT body (tu*)>
<!ELEMENT note (#PCDATA)>
<!ATTLIST note o-encoding CDATA #IMPLIED xml:lang CDATA #IMPLIED>
<!ELEMENT ude (map+)>
<!ATTLIST ude name CDATA #REQUIRED base CDATA #IMPLIED>
<!ELEMENT map EMPTY>
<!ATTLIST map unicode CDATA #REQUIRED code CDATA #IMPLIED ent CDATA #IMPLIED
  subst CDATA #IMPLIED>
<!ELEMENT prop (#PCDATA)>
<!ATTLIST prop type CDATA #REQUIRED xml:lang CDATA #IMPLIED o-encoding CDATA #IMPLIED>
<!ELEMENT tu ((note|prop)*, tuv+)>
<!ATTLIST tu tuid CDATA #IMPLIED o-encoding CDATA #IMPLIED datatype CDATA #IMPLIED
  usagecount CDATA #IMPLIED lastusagedate CDATA #IMPLIED creationtool CDATA #IMPLIED
  creationtoolversion CDATA #IMPLIED creationdate CDATA #IMPLIED creationid CDATA #IMPLIED
  changedate CDATA #IMPLIED segtype (%segtypes;) #IMPLIED changeid CDATA #IMPLIED
  o-tmf CDATA #IMPLIED srclang CDATA #IMPLIED>
<!ELEMENT tuv ((note|prop)*, seg)>
<!ATTLIST tuv xml:lang CDATA #REQUIRED o-encoding CDATA #IMPLIED datatype CDATA #IMPLIED
  usagecount CDATA #IMPLIED lastusagedate CDATA #IMPLIED creationtool CDATA #IMPLIED
  creationtoolversion CDATA #IMPLIED creationdate CDATA #IMPLIED creationid CDATA #IMPLIED
  changedate CDATA #IMPLIED o-tmf CDATA #IMPLIED changeid CDATA #IMPLIED>
<!ELEMENT seg (#PCDATA|bpt|ept|ph|it|hi|ut)*>
<!ELEMENT bpt (#PCDATA|sub)*>
<!ATTLIST bpt i CDATA #REQUIRED x CDATA #IMPLIED type CDATA #IMPLIED>
<!ELEMENT ept (#PCDATA|sub)*>
<!ATTLIST ept i CDATA #REQUIRED>
<!ELEMENT sub (#PCDATA|bpt|ept|it|ph|hi|ut)*>
<!ATTLIST sub datatype CDATA #IMPLIED type CDATA #IMPLIED>
<!ELEMENT it (#PCDATA|sub)*>
<!ATTLIST it pos (begin|end) #REQUIRED x CDATA #IMPLIED type CDATA #IMPLIED>
<!ELEMENT ph (#PCDATA|sub)*>
<!ATTLIST ph x CDATA #IMPLIED assoc CDATA #IMPLIED type CDATA #IMPLIED>
<!ELEMENT hi (#PCDATA|bpt|ept|it|ph|hi|ut)*>
<!ATTLIST hi x CDATA #IMPLIED type CDATA #IMPLIED>
<!ELEMENT ut (#PCDATA|sub)*>
<!ATTLIST ut x CDATA #IMPLIED>
"""


def valid_tmx(path: Path) -> Any:
    """Parse with lxml, validate against the TMX 1.4b DTD, and check what a DTD cannot:
    each `bpt` has one `ept` with its `i` after it in the same segment, and back."""
    tree = etree.parse(str(path))
    dtd = etree.DTD(io.StringIO(TMX_DTD))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()
    for seg in tree.iter("seg"):
        opened: list[str] = []
        for el in seg:
            if el.tag == "bpt":
                assert el.get("i") not in opened
                opened.append(el.get("i"))
            elif el.tag == "ept":
                assert el.get("i") in opened, etree.tostring(seg, encoding="unicode")
                opened.remove(el.get("i"))
        assert opened == [], etree.tostring(seg, encoding="unicode")
    for tu in tree.iter("tu"):
        assert re.fullmatch(r"\d{8}T\d{6}Z", tu.get("creationdate"))
    return tree


def seg_of(tree: Any, containing: str) -> tuple[Any, Any]:
    for tu in tree.iter("tu"):
        segs = tu.findall("tuv/seg")
        if containing in "".join(segs[0].itertext()):
            return segs[0], segs[1]
    raise AssertionError(f"no unit with {containing!r}")


def test_seg_xml_writes_pairs_isolated_halves_and_items() -> None:
    tokens = (Placeholder(1, "open", 2, "link", "["), Placeholder(2, "close", 1, "link",
                                                                  "](https://e.org/?a=1&b=2)"),
              Placeholder(3, "opaque", 0, "code", "`x<y>`"),
              Placeholder(4, "open", 5, "em", "*"), Placeholder(5, "close", 4, "em", "*"))
    assert seg_xml("به [1]منابع[2] با [3] و [4]این", tokens) == (
        'به <bpt i="1" x="1" type="link">[</bpt>منابع<ept i="1">](https://e.org/?a=1&amp;b=2)'
        '</ept> با <ph x="3" type="x-code">`x&lt;y&gt;`</ph> و '
        '<it pos="begin" x="4" type="italic">*</it>این')
    # the model's output: halves swapped, a pair doubled, Persian digits, a number it made up
    assert seg_xml("[2]a[1] [۳] [4]b[5][5] [9]", tokens) == (
        '<it pos="end" x="2" type="link">](https://e.org/?a=1&amp;b=2)</it>a'
        '<it pos="begin" x="1" type="link">[</it> <ph x="3" type="x-code">`x&lt;y&gt;`</ph> '
        '<it pos="begin" x="4" type="italic">*</it>b<it pos="end" x="5" type="italic">*</it>'
        '<it pos="end" x="5" type="italic">*</it> [9]')
    assert seg_xml("no markup [1] & <b>", ()) == "no markup [1] &amp; &lt;b&gt;"


def test_tmx_has_inline_elements_and_passes_the_dtd(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run], tmp_path: Path,
        no_network: list[Any]) -> None:
    write(mini_site / NEWS / "libya-report.fa.md", REPORT)
    assert cli("translate", "--site", mini_site).code == 0  # the real model
    dest = tmp_path / "m.tmx"
    assert cli("translate", "--site", mini_site, "--export-tmx", dest).code == 0
    tree = valid_tmx(dest)
    source, _target = seg_of(tree, "ادامه")
    assert not re.search(r"\[\d\]", "".join(source.itertext())), \
        etree.tostring(source, encoding="unicode")
    kinds = [(el.tag, el.get("type"), el.text) for el in source]
    assert ("bpt", "link", "[") in kinds and ("ept", None, "](https://example.org/src)") in kinds
    assert ("bpt", "bold", "**") in kinds and ("ept", None, "**") in kinds
    code, _ = seg_of(tree, "مورد اول")
    assert [(el.tag, el.text) for el in code] == [("ph", "`کد`")]
    assert no_network == []


BODY = ("Haftar's forces met Turkey. According to [sources](https://example.org/src) "
        "the cooperation **goes on**.\n\n- The first item with `کد`\n- The second one\n")


def reviewed_site(site: Path, cli: Callable[..., Run], body: str = BODY) -> Path:
    """libya-report.en.md: translated, rewritten by a person (block for block unless
    `body` says otherwise), accepted."""
    write(site / NEWS / "libya-report.fa.md", REPORT)
    assert run(site, Echo())[0] == 0
    target = site / NEWS / "libya-report.en.md"
    text = target.read_text(encoding="utf-8")
    head = text.split("\n---\n", 1)[0]
    head = re.sub(r"(?m)^title: .*$", "title: A report on Libya", head)
    head = re.sub(r"(?m)^summary: .*$", "summary: A short summary. Of a report.", head)
    target.write_text(f"{head}\n---\n{body}", encoding="utf-8")
    assert cli("translate", "--site", site, "--accept", target).code == 0
    return target


def test_reviewed_sentences_go_into_the_memory_the_tmx_and_new_translations(
        mini_site: Path, cli: Callable[..., Run], tmp_path: Path) -> None:
    reviewed_site(mini_site, cli)
    engine = Echo()
    code, _out, _err = run(mini_site, engine)
    assert code == 0 and engine.calls == 0
    with TranslationMemory.open(mini_site / MEMORY_FILE) as memory:
        human = memory.lookup_many(human_key("fa", "en"), [
            "گزارش درباره لیبی", "نیروهای حفتر با ترکیه دیدار کردند.",
            "به گفته [1]منابع[2] همکاری [3]ادامه[4] دارد.", "مورد اول با [1]",
            "خلاصه‌ای کوتاه از گزارش."])
    assert human == {
        "گزارش درباره لیبی": "A report on Libya",
        "نیروهای حفتر با ترکیه دیدار کردند.": "Haftar's forces met Turkey.",
        "به گفته [1]منابع[2] همکاری [3]ادامه[4] دارد.":
            "According to [1]sources[2] the cooperation [3]goes on[4].",
        "مورد اول با [1]": "The first item with [1]"}  # the summary: 1 sentence against 2
    # a new article with a sentence a person translated: the person's words, not the model's
    write(mini_site / NEWS / "second.fa.md", """
        ---
        title: خبر دوم
        date: 2024-11-25
        ---
        نیروهای حفتر با ترکیه دیدار کردند. این جمله تازه است.
        """)
    engine = Echo()
    assert run(mini_site, engine)[0] == 0
    assert "نیروهای حفتر با ترکیه دیدار کردند." not in engine.seen
    assert "این جمله تازه است." in engine.seen
    made = (mini_site / NEWS / "second.en.md").read_text(encoding="utf-8")
    assert "Haftar's forces met Turkey. EN(این جمله تازه است.)" in made
    # a model's output never replaces them
    with TranslationMemory.open(mini_site / MEMORY_FILE) as memory:
        memory.store_many("echo #1", [("نیروهای حفتر با ترکیه دیدار کردند.", "noise")])
        assert memory.lookup_many(human_key("fa", "en"), ["نیروهای حفتر با ترکیه دیدار کردند."]
                                  ) == {"نیروهای حفتر با ترکیه دیدار کردند.":
                                        "Haftar's forces met Turkey."}
    dest = tmp_path / "m.tmx"
    assert cli("translate", "--site", mini_site, "--export-tmx", dest).code == 0
    tree = valid_tmx(dest)
    source, target = seg_of(tree, "ادامه")
    tu = source.getparent().getparent()
    assert [p.text for p in tu.findall("prop")] == ["human"]
    assert "".join(target.itertext()) == ("According to [sources](https://example.org/src) "
                                          "the cooperation **goes on**.")
    assert [el.tag for el in target] == ["bpt", "ept", "bpt", "ept"]


def test_a_line_the_person_left_as_digits_and_code_loses_only_its_own_pairs(
        mini_site: Path, cli: Callable[..., Run]) -> None:
    """A reviewed line with no words left (`- 1 `کد``) is no unit to translate: the other
    blocks still pair by their lines, and nothing pairs with it."""
    reviewed_site(mini_site, cli, BODY.replace("- The first item with `کد`", "- 1 `کد`"))
    assert run(mini_site, Echo())[0] == 0
    with TranslationMemory.open(mini_site / MEMORY_FILE) as memory:
        human = memory.lookup_many(human_key("fa", "en"), [
            "نیروهای حفتر با ترکیه دیدار کردند.", "مورد اول با [1]", "مورد دوم"])
    assert human == {"نیروهای حفتر با ترکیه دیدار کردند.": "Haftar's forces met Turkey.",
                     "مورد دوم": "The second one"}


def test_a_stale_or_restructured_review_gives_no_pairs(mini_site: Path,
                                                       cli: Callable[..., Run]) -> None:
    # haftar-turkey.en.md, reviewed, is stale: its original changed
    src = mini_site / NEWS / "haftar-turkey.fa.md"
    src.write_text(src.read_text(encoding="utf-8") + "\nجمله تازه.\n", encoding="utf-8")
    # the person joined the list into one paragraph: the body's blocks no longer match
    reviewed_site(mini_site, cli, BODY.replace(
        "- The first item with `کد`\n- The second one\n", "Both items, `کد` included.\n"))
    assert run(mini_site, Echo())[0] == 0
    with TranslationMemory.open(mini_site / MEMORY_FILE) as memory:
        human = dict(memory.stats().per_model).get(human_key("fa", "en"), 0)
        found = memory.lookup_many(human_key("fa", "en"), ["گزارش درباره لیبی",
                                                           "جمله تازه."])
    assert found == {"گزارش درباره لیبی": "A report on Libya"}  # the title still aligns
    assert human == 1  # and nothing of the stale haftar-turkey.en.md


def test_a_file_accepted_is_in_the_tmx_after_the_next_run(mini_site: Path, cli: Callable[..., Run],
                                                   tmp_path: Path) -> None:
    assert run(mini_site, Echo())[0] == 0
    oslo = mini_site / NEWS / "oslo-talks.en.md"
    oslo.write_text(oslo.read_text(encoding="utf-8").replace(
        # the model saw the country as a placeholder, and Khabar wrote its English name
        "title: EN(گفتگوهای اسلو درباره Libya)", "title: Talks in Oslo"), encoding="utf-8")
    assert cli("translate", "--site", mini_site, "--accept", oslo).code == 0
    assert run(mini_site, Echo())[0] == 0  # the run reads the reviewed file in
    dest = tmp_path / "m.tmx"
    assert cli("translate", "--site", mini_site, "--export-tmx", dest).code == 0
    source, target = seg_of(valid_tmx(dest), "گفتگوهای اسلو")
    assert target.text == "Talks in Oslo"
    assert [p.text for p in source.getparent().getparent().findall("prop")] == ["human"]


def test_every_unit_is_labelled_with_its_own_languages(tmp_path: Path,
                                                       cli: Callable[..., Run]) -> None:
    """English from Persian, French from English; French translated alone with a model
    whose name says nothing of its languages: its units are en→fr, not the site's first
    pair, and the header's srclang is *all*."""
    site = chained_site(tmp_path)
    assert run(site, Echo("opaque #0"), to_lang="en")[0] == 0
    assert run(site, Echo("opaque #1"), to_lang="fr")[0] == 0
    dest = tmp_path / "m.tmx"
    assert cli("translate", "--site", site, "--export-tmx", dest).code == 0
    tree = valid_tmx(dest)
    assert tree.find("header").get("srclang") == "*all*"
    langs: dict[str, set[tuple[str, ...]]] = {}
    for tu in tree.iter("tu"):
        langs.setdefault(tu.findtext("prop"), set()).add(
            tuple(t.get(XML_LANG) for t in tu.iter("tuv")))
    assert langs == {"opaque #0": {("fa", "en")}, "opaque #1": {("en", "fr")}}


# -- 6. French from English: warned of stale English, and where it came from ---------------------

CHAINED = """
title: {fa: خبرنامه, en: Briefing, fr: Bulletin}
base_url: https://news.example.net/briefing/
timezone: Asia/Tehran
default_language: fa
languages:
  fa: {name: فارسی, dir: rtl}
  en: {name: English, dir: ltr, translate_from: fa}
  fr: {name: Français, dir: ltr, translate_from: en}
"""


def chained_site(tmp_path: Path) -> Path:
    site = tmp_path / "chained"
    write(site / "site.yaml", CHAINED)
    write(site / NEWS / "libya-report.fa.md", REPORT)
    return site


@pytest.fixture
def chain_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Front matter that knows `translation.chain` (khabar/options.py's FRONT_MATTER)."""
    monkeypatch.setattr(frontmatter, "TRANSLATION_KEYS",
                        frontmatter.TRANSLATION_KEYS | {"chain"})
    yield


@pytest.fixture
def no_chain_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Front matter that does not know it (as before it was added there)."""
    monkeypatch.setattr(frontmatter, "TRANSLATION_KEYS",
                        frontmatter.TRANSLATION_KEYS - {"chain"})
    yield


def test_french_follows_the_english_in_the_same_run_and_records_it(
        tmp_path: Path, chain_key: None) -> None:
    site = chained_site(tmp_path)
    news = site / NEWS
    code, out, err = run(site, Echo())
    assert code == 0 and "translated 2 article(s)" in out, out + err
    assert "warning" not in err
    en, fr = news / "libya-report.en.md", news / "libya-report.fr.md"
    tr = front(fr)["translation"]
    assert tr["from"] == "en" and tr["source_sha256"] == source_hash(en)
    assert tr["chain"] == [{
        "lang": "en", "sha256": source_hash(en), "from": "fa",
        "source_sha256": source_hash(news / "libya-report.fa.md"), "engine": "echo 1.0",
        "model": "echo-fa_en 1", "status": "machine", "state": "current"}]
    # the Persian changes: English made again, then French from the new English, one run
    src = news / "libya-report.fa.md"
    src.write_text(src.read_text(encoding="utf-8").replace("مورد دوم", "مورد سوم"),
                   encoding="utf-8")
    code, out, err = run(site, Echo())
    assert code == 0 and "translated 2 article(s)" in out and "warning" not in err, out + err
    assert front(fr)["translation"]["source_sha256"] == source_hash(en)
    assert front(fr)["translation"]["chain"][0]["source_sha256"] == source_hash(src)


def test_french_from_stale_or_hand_edited_english_is_warned(
        argos_pairs: Callable[..., list[Path]], tmp_path: Path, cli: Callable[..., Run],
        no_chain_key: None, no_network: list[Any]) -> None:
    """Real fa→en and en→fr models. Without `translation.chain` in the front-matter table,
    the chain is written as comments in the translation block."""
    argos_pairs(("fa", "en"), ("en", "fr"))
    site = chained_site(tmp_path)
    news = site / NEWS
    en, fr, fa = (news / f"libya-report.{c}.md" for c in ("en", "fr", "fa"))
    first = cli("translate", "--site", site)
    assert first.code == 0 and fr.exists() and "warning" not in first.err, first.err
    assert "en from fa: translate-fa_en 1.0\nfr from en: translate-en_fr 1.0\n" in first.out
    made = fr.read_text(encoding="utf-8")
    assert (f"  # chain: en {source_hash(en)} from fa {source_hash(fa)}; argostranslate"
            in made)
    assert ", translate-fa_en 1.0; machine; current\n---\n" in made
    # a person edits the English and does not mark it reviewed: the French is redone from it
    en.write_text(en.read_text(encoding="utf-8").replace("\n---\n", "\n---\nEdited. ", 1),
                  encoding="utf-8")
    edited = cli("translate", "--site", site)
    assert edited.code == 0, edited.err
    lines = [line for line in edited.err.splitlines() if "warning" in line]
    assert lines == [
        f"{fr}: warning: translated from {en}, which is not current: a person edited it "
        f"and did not mark it reviewed (hint: check {en}, then mark it current with: "
        f"khabar translate --accept {en}; {fr} is made again on the next run)"], edited.err
    assert "; machine; edited\n---\n" in fr.read_text(encoding="utf-8")
    # accepted, then the Persian changes: the English is reviewed and stale; --to fr
    assert cli("translate", "--site", site, "--accept", en).code == 0
    fa.write_text(fa.read_text(encoding="utf-8").replace("مورد دوم", "مورد سوم"),
                  encoding="utf-8")
    stale = cli("translate", "--site", site, "--to", "fr")
    assert stale.code == 0, stale.err
    assert [line for line in stale.err.splitlines() if "warning" in line] == [
        f"{fr}: warning: translated from {en}, which is not current: its original {fa} "
        f"changed after it was translated (hint: check {en}, then mark it current with: "
        f"khabar translate --accept {en}; {fr} is made again on the next run)"]
    assert "; reviewed; stale\n---\n" in fr.read_text(encoding="utf-8")
    assert "stale reviewed 0" in stale.out  # --to fr: the English is not counted
    loaded = {a.file.name for a in content.load(config_stage.load(site))}  # reads back
    assert "libya-report.fr.md" in loaded
    assert no_network == []


def test_dry_run_warns_too(tmp_path: Path) -> None:
    site = chained_site(tmp_path)
    assert run(site, Echo())[0] == 0
    en = site / NEWS / "libya-report.en.md"
    en.write_text(en.read_text(encoding="utf-8") + "One more line.\n", encoding="utf-8")
    code, out, err = run(site, Echo(), dry_run=True)
    assert code == 0 and "libya-report.fr.md (source changed)" in out
    assert "a person edited it and did not mark it reviewed" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_and_nowhere_else() -> None:
    from khabar.translate.report import Progress
    shown, logged = _Terminal(), io.StringIO()
    for stream in (shown, logged):
        bar = Progress(40, 3, stream)
        bar.advance(30, 2)
        bar.advance(10, 3)
        bar.finish()
    assert "40/40" in shown.getvalue() and "3/3 articles" in shown.getvalue()
    assert "\r" in shown.getvalue()  # redrawn in place
    assert logged.getvalue() == ""
