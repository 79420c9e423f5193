import re

import pytest

from khabar.markup import MarkdownRenderer, first_paragraph, sanitize, shorten


@pytest.fixture
def md() -> MarkdownRenderer:
    return MarkdownRenderer()


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2Zz4=)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))" onclick="x()">y</div>',
    "{: onclick=\"alert(1)\" }\nparagraph",
])
def test_nothing_dangerous_survives(md: MarkdownRenderer, hostile: str) -> None:
    html = md.render(f"text\n\n{hostile}\n").html.lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "data:" not in html
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no event-handler attribute
    assert "<iframe" not in html


def test_tables_footnotes_fenced_code(md: MarkdownRenderer) -> None:
    html = md.render("a[^1]\n\n| h |\n|---|\n| c |\n\n```\n<b>x</b>\n```\n\n[^1]: note\n",
                     "ltr").html
    assert "<table>" in html and "<td>c</td>" in html
    assert 'id="fn-1"' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_markdown_is_not_a_template(md: MarkdownRenderer) -> None:
    assert "{{ 7*7 }}" in md.render("{{ 7*7 }} {% if true %}x{% endif %}").html


def test_other_script_blocks_get_their_direction(md: MarkdownRenderer) -> None:
    html = md.render("Reuters گزارش داد که مذاکرات ادامه دارد.\n\n"
                     "> This is a long English quotation from a statement.\n", "rtl").html
    assert '<p>Reuters' in html  # Persian sentence starting with a Latin name stays rtl
    assert '<p dir="ltr">This is' in html


def test_persian_heading_ids(md: MarkdownRenderer) -> None:
    assert 'id="پیشینه-خبر"' in md.render("## پیشینه خبر\n").html


def test_first_paragraph_and_shorten() -> None:
    assert first_paragraph('<h2>x</h2><p>A <em>b</em>.<sup id="r"><a>1</a></sup></p>') == "A b."
    assert shorten("one two three", 8) == "one two…"
    assert sanitize("<p onclick='x'>a</p>") == "<p>a</p>"
