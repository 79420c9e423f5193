"""A review round trip through translators' tools (issue "Machine translation that knows the
news"): `khabar translate --export xliff DIR` after a run of the tiny genuine fa→en model
(tests/argos_fixture.py, the network refused), a person's edit of one target, and
`khabar translate --import DIR` back into a reviewed translation and the memory.

No XLIFF 1.2 schema is available offline here (translate-toolkit ships none, and the strict
XSD imports xml.xsd from w3.org), so `valid_xliff` checks the structure XLIFF 1.2 requires
of the elements Khabar writes, with lxml.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from argos_fixture import ArgosEnv
from conftest import Run, write
from lxml import etree

from khabar import content
from khabar.content import split_front_matter
from khabar.translate.command import MEMORY_FILE
from khabar.translate.memory import TranslationMemory, human_key
from khabar.yamlsrc import load as load_yaml

NS = "urn:oasis:names:tc:xliff:document:1.2"
X = f"{{{NS}}}"
NEWS = "content/news"
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
STATES = {"final", "needs-adaptation", "needs-l10n", "needs-review-adaptation",
          "needs-review-l10n", "needs-review-translation", "needs-translation", "new",
          "signed-off", "translated"}
INLINE = {"bpt", "ept", "ph", "it", "g", "x", "bx", "ex", "sub", "mrk"}


def valid_xliff(path: Path) -> Any:
    """The parsed file, after the checks XLIFF 1.2 (strict) makes of what Khabar writes."""
    tree = etree.parse(str(path))
    root = tree.getroot()
    assert root.tag == X + "xliff" and root.get("version") == "1.2"
    files = root.findall(X + "file")
    assert files
    for file in files:
        for attr in ("original", "source-language", "datatype"):
            assert file.get(attr), attr
        assert file.get("datatype", "").startswith("x-") or file.get("datatype") in {
            "plaintext", "html", "xml"}
        assert [c.tag for c in file] in ([X + "header", X + "body"], [X + "body"])
        ids = [u.get("id") for u in file.iter(X + "trans-unit")]
        assert ids and all(ids) and len(ids) == len(set(ids))
        for unit in file.iter(X + "trans-unit"):
            tags = [c.tag for c in unit]
            assert tags[0] == X + "source"
            assert set(tags) <= {X + "source", X + "target", X + "note"}
            assert tags.count(X + "target") <= 1
            target = unit.find(X + "target")
            assert target is None or target.get("state") in STATES
            for seg in (unit.find(X + "source"), target):
                if seg is None:
                    continue
                opened = []
                for el in seg.iter():
                    if el is seg:
                        continue
                    name = etree.QName(el).localname
                    assert etree.QName(el).namespace == NS and name in INLINE, name
                    assert el.get("id"), etree.tostring(el)
                    if name == "bpt":
                        opened.append(el.get("id"))
                    elif name == "ept":
                        assert el.get("id") in opened
                    elif name == "it":
                        assert el.get("pos") in ("open", "close")
                    ctype = el.get("ctype")
                    assert ctype is None or ctype.startswith("x-") or ctype in {
                        "bold", "italic", "underlined", "link", "image", "pb", "lb"}
    return tree


def front(path: Path) -> dict[str, Any]:
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    assert parts is not None
    data = load_yaml(parts[0])
    assert isinstance(data, dict)
    return data


def unit_with(tree: Any, words: str) -> Any:
    for unit in tree.iter(X + "trans-unit"):
        if words in "".join(unit.find(X + "source").itertext()):
            return unit
    raise AssertionError(words)


def exported(site: Path, cli: Callable[..., Run], tmp_path: Path) -> Path:
    write(site / NEWS / "libya-report.fa.md", REPORT)
    result = cli("translate", "--site", site)  # the real (tiny) model
    assert result.code == 0, result.err
    folder = tmp_path / "review"
    result = cli("translate", "--site", site, "--export", "xliff", folder)
    assert result.code == 0, result.err
    return folder


def test_export_edit_import_gives_a_reviewed_translation_and_human_memory(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run], tmp_path: Path,
        no_network: list[Any]) -> None:
    folder = exported(mini_site, cli, tmp_path)
    xlf = folder / "libya-report.en.xlf"
    tree = valid_xliff(xlf)
    file = tree.getroot().find(X + "file")
    assert (file.get("source-language"), file.get("target-language")) == ("fa", "en")
    ids = [u.get("id") for u in tree.iter(X + "trans-unit")]
    assert ids[:2] == ["title#1", "summary#1"] and "body.1#1" in ids
    assert {u.find(X + "target").get("state") for u in tree.iter(X + "trans-unit")} == {
        "needs-review-translation"}
    linked = unit_with(tree, "ادامه").find(X + "source")
    kinds = [(etree.QName(el).localname, el.get("ctype"), el.text) for el in linked]
    assert ("bpt", "link", "[") in kinds and ("ept", None, "](https://example.org/src)") in kinds
    assert ("bpt", "bold", "**") in kinds
    code = unit_with(tree, "مورد اول").find(X + "source")
    assert [(etree.QName(el).localname, el.text) for el in code] == [("ph", "`کد`")]

    # a person's edit, as a translator's tool makes it
    unit = unit_with(tree, "نیروهای حفتر")
    target = unit.find(X + "target")
    for child in list(target):
        target.remove(child)
    target.text = "Haftar's forces met Turkish officials."
    target.set("state", "translated")
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")

    result = cli("translate", "--site", mini_site, "--import", folder)
    assert result.code == 0, result.err
    english = mini_site / NEWS / "libya-report.en.md"
    body = english.read_text(encoding="utf-8")
    assert "Haftar's forces met Turkish officials." in body
    assert "(https://example.org/src)" in body and "`کد`" in body
    block = front(english)["translation"]
    original = content.text_sha256((mini_site / NEWS / "libya-report.fa.md")
                                   .read_text(encoding="utf-8"))
    assert block["status"] == "reviewed" and block["source_sha256"] == original
    assert cli("build", "--site", mini_site).code == 0  # the front matter is valid
    with TranslationMemory.open(mini_site / MEMORY_FILE) as memory:
        human = memory.lookup_many(human_key("fa", "en"), ["نیروهای حفتر با ترکیه دیدار کردند."])
    assert human == {"نیروهای حفتر با ترکیه دیدار کردند.": "Haftar's forces met Turkish officials."}
    assert no_network == []


def test_import_of_a_file_exported_from_an_older_original_is_refused(
        argos_env: ArgosEnv, mini_site: Path, cli: Callable[..., Run], tmp_path: Path,
        no_network: list[Any]) -> None:
    folder = exported(mini_site, cli, tmp_path)
    for other in folder.glob("*.xlf"):
        if other.name != "libya-report.en.xlf":
            other.unlink()
    source = mini_site / NEWS / "libya-report.fa.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nجمله تازه.\n", encoding="utf-8")
    english = mini_site / NEWS / "libya-report.en.md"
    before = english.read_bytes()
    result = cli("translate", "--site", mini_site, "--import", folder)
    assert result.code == 1
    assert len(result.err.splitlines()) == 1, result.err
    assert "libya-report.en.xlf" in result.err and "changed since" in result.err
    assert english.read_bytes() == before
