"""Khabar's Python-Markdown extensions (khabar/markdown_ext), each on its own: with plain
Python-Markdown, no sanitiser, so that what each one does is what is seen."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement

import markdown
import pytest

from khabar.markdown_ext import (
    DirectionExtension,
    HeadingIdsExtension,
    TableAlignExtension,
    visible_text,
)
from khabar.markdown_ext.table_align import TableAlignTreeprocessor

FOOTNOTES = {"footnotes": {"SEPARATOR": "-"}}


def direction(page_dir: str = "rtl", *more: str) -> tuple[markdown.Markdown, DirectionExtension]:
    ext = DirectionExtension()
    ext.page_dir = page_dir
    return markdown.Markdown(extensions=[*more, ext], extension_configs=FOOTNOTES), ext


# -- direction -------------------------------------------------------------------------

def test_a_block_in_the_other_script_gets_its_direction() -> None:
    md, _ = direction("rtl")
    html = md.convert("Reuters گزارش داد که مذاکرات ادامه دارد.\n\n"
                      "> This is a long English quotation from a statement.\n\n"
                      "## An English heading\n")
    assert "<p>Reuters" in html  # Persian sentence starting with a Latin name stays rtl
    assert '<p dir="ltr">This is' in html
    assert '<h2 dir="ltr">An English' in html


def test_direction_is_the_pages_per_render() -> None:
    md, ext = direction("rtl")
    body = "این یک جملهٔ فارسی است.\n\nAn English sentence.\n"
    rtl = md.reset().convert(body)
    ext.page_dir = "ltr"
    ltr = md.reset().convert(body)
    assert '<p>این' in rtl and '<p dir="ltr">An' in rtl
    assert '<p dir="rtl">این' in ltr and '<p>An' in ltr


def test_one_script_bodies_are_left_alone() -> None:
    md, _ = direction("rtl", "tables")
    html = md.convert("# سرتیتر\n\nمتن [پیوند](https://example.org/long/english/path).\n\n"
                      "- یک\n- دو\n\n| الف | ب |\n|---|---|\n| ۱ | ۲ |\n")
    assert "dir=" not in html


def test_entities_and_inline_html_are_not_letters() -> None:
    # 9 Persian letters, 8 Latin ones: Persian; `&quot;` and <b> would add Latin letters
    md, _ = direction("rtl")
    html = md.convert('او گفت: &quot;peace now&quot; و <b>رفت</b>.\n')
    assert "dir=" not in html, html


def test_footnote_placeholders_are_not_letters() -> None:
    md, _ = direction("rtl", "footnotes")
    html = md.convert("متن[^1]\n\n[^1]: یادداشت با x.\n")
    assert "dir=" not in html, html


def test_nested_items_are_judged_against_their_parent() -> None:
    md, _ = direction("rtl")
    html = md.convert("- An English item with words\n    - یک مورد فارسی تودرتو\n"
                      "    - Another English one\n")
    assert '<li dir="ltr">An English' in html
    assert '<li dir="rtl">یک مورد' in html  # inside an ltr item: needs its own
    assert "<li>Another English" in html


def test_loose_items_mark_their_paragraphs() -> None:
    md, _ = direction("rtl")
    html = md.convert("- English paragraph one\n\n- مورد فارسی\n")
    assert '<li>\n<p dir="ltr">English' in html
    assert "<li dir=" not in html


def test_a_direction_given_is_kept() -> None:
    md, _ = direction("rtl", "attr_list")
    html = md.convert("English paragraph\n{: dir=rtl }\n")
    assert html == '<p dir="rtl">English paragraph</p>'


def test_raw_html_blocks_are_not_wrapped() -> None:
    md, _ = direction("rtl")
    html = md.convert("<div>An English block of raw HTML</div>\n\nمتن فارسی.\n")
    assert html.startswith("<div>An English block of raw HTML</div>"), html
    assert "<p dir" not in html


def test_table_cells_and_definitions() -> None:
    md, _ = direction("rtl", "tables", "def_list")
    html = md.convert("| نام | name |\n|---|---|\n| تهران | Tehran city |\n\n"
                      "Term\n: definition in English\n")
    assert "<th>نام</th>" in html and '<th dir="ltr">name</th>' in html
    assert '<td dir="ltr">Tehran city</td>' in html
    assert '<dt dir="ltr">Term</dt>' in html and '<dd dir="ltr">definition' in html


# -- heading ids -----------------------------------------------------------------------

def heading_ids(*more: str, reserved: tuple[str, ...] = ("main",)
                ) -> tuple[markdown.Markdown, HeadingIdsExtension]:
    ext = HeadingIdsExtension(reserved=reserved)
    return markdown.Markdown(extensions=[*more, ext], extension_configs=FOOTNOTES), ext


def test_heading_ids_keep_persian_letters_and_are_unique() -> None:
    md, _ = heading_ids()
    html = md.convert("## پیشینه خبر\n\n## پیشینه خبر\n\n## پیشینه خبر\n\n## !!!\n")
    assert 'id="پیشینه-خبر"' in html and 'id="پیشینه-خبر-1"' in html
    assert 'id="پیشینه-خبر-2"' in html and 'id="section"' in html


def test_heading_ids_avoid_reserved_and_footnote_ids() -> None:
    md, ext = heading_ids("footnotes")
    html = md.convert("## main\n\n## fn 1\n\n## fnref 1\n\ntext[^1]\n\n[^1]: note\n")
    assert '<h2 id="main-1">' in html
    assert '<h2 id="fn-1-1">' in html and '<h2 id="fnref-1-1">' in html
    assert '<li id="fn-1">' in html and '<sup id="fnref-1">' in html
    assert ext.ids == {("h2", "main-1"), ("h2", "fn-1-1"), ("h2", "fnref-1-1"),
                       ("li", "fn-1"), ("sup", "fnref-1")}


def test_a_writers_id_is_kept_unless_taken() -> None:
    md, ext = heading_ids("attr_list")
    html = md.convert("## خبر {#background}\n\n## دیگر {#main}\n\npara\n{: #background }\n")
    assert '<h2 id="background-1">خبر</h2>' in html  # the paragraph's came first in the tree
    assert '<h2 id="main-1">دیگر</h2>' in html
    assert '<p id="background">' in html
    assert ("p", "background") in ext.ids


def test_duplicate_and_reserved_ids_are_dropped_by_the_collector() -> None:
    md, ext = heading_ids("attr_list")
    html = md.convert("one\n{: #x }\n\ntwo\n{: #x }\n\nthree\n{: #main }\n")
    assert html.count('id="x"') == 1 and 'id="main"' not in html
    assert ext.ids == {("p", "x")}
    md.reset()
    assert ext.ids == frozenset()


def test_heading_text_is_what_a_reader_sees() -> None:
    md, _ = heading_ids()
    assert 'id="att-news"' in md.convert("## AT&amp;T <b>news</b>\n")
    md.reset()
    assert 'id="a-b"' in md.convert("## a \\* b\n")


def test_visible_text_skips_nested_blocks() -> None:
    md = markdown.Markdown()
    li = Element("li")
    li.text = "item "
    nested = SubElement(li, "ul")
    SubElement(nested, "li").text = "nested"
    nested.tail = " tail"
    assert visible_text(md, li, {"ul"}) == "item  tail"
    assert visible_text(md, li) == "item nested tail"


# -- table alignment -------------------------------------------------------------------

def test_alignment_becomes_a_class() -> None:
    md = markdown.Markdown(extensions=["tables", TableAlignExtension()])
    html = md.convert("| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n")
    assert '<th class="align-left">a</th>' in html
    assert '<td class="align-center">2</td>' in html
    assert '<td class="align-right">3</td>' in html
    assert "<td>4</td>" in html and "style=" not in html


def test_the_align_attribute_too() -> None:
    md = markdown.Markdown(extensions=["tables", TableAlignExtension()],
                           extension_configs={"tables": {"use_align_attribute": True}})
    html = md.convert("| a |\n|--:|\n| 1 |\n")
    assert '<td class="align-right">1</td>' in html and "align=" not in html


@pytest.mark.parametrize("style, kept", [("text-align: left;", None),
                                         ("color: red", "color: red")])
def test_alignment_keeps_other_classes_and_styles(style: str, kept: str | None) -> None:
    root = Element("div")
    cell = SubElement(SubElement(SubElement(root, "table"), "tr"), "td",
                      {"class": "x", "style": style})
    TableAlignTreeprocessor(markdown.Markdown()).run(root)
    assert cell.get("style") == kept
    assert cell.get("class") == ("x align-left" if kept is None else "x")
