import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.markup import (
    THEME_IDS,
    MarkdownRenderer,
    MarkdownSettings,
    extension_problem,
    first_paragraph,
    sanitize,
    shorten,
)

RENDERER = MarkdownRenderer(MarkdownSettings(("attr_list",)))


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


# -- Python-Markdown: what the built-in extensions and Khabar's give --------------------

def test_footnotes_keep_their_ids_and_say_nothing_in_english(md: MarkdownRenderer) -> None:
    html = md.render("متن[^1] و باز[^1].\n\n[^1]: یادداشت\n").html
    assert '<sup id="fnref-1"><a class="footnote-ref" href="#fn-1"' in html
    assert '<li id="fn-1">' in html and 'href="#fnref-1"' in html
    assert '<div class="footnote">' in html
    assert "title=" not in html and "Jump" not in html and "footnote 1" not in html
    assert html.count('id="fnref') == 2 and len(set(re.findall(r'id="([^"]*)"', html))) == 3


def test_table_alignment_and_code_language(md: MarkdownRenderer) -> None:
    html = md.render("| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nx = 1\n```\n", "ltr").html
    assert '<th class="align-left">a</th>' in html and '<td class="align-right">2</td>' in html
    assert '<pre><code class="language-python">x = 1' in html
    assert "style=" not in html


def test_heading_ids_unique_and_never_the_themes(md: MarkdownRenderer) -> None:
    html = md.render("## main\n\n## خبر\n\n## خبر\n\n## fn 1\n\nx[^1]\n\n[^1]: n\n").html
    ids = re.findall(r'id="([^"]*)"', html)
    assert ids == ["main-1", "خبر", "خبر-1", "fn-1-1", "fnref-1", "fn-1"]


def test_ids_in_raw_html_cannot_take_the_themes_or_a_footnotes(md: MarkdownRenderer) -> None:
    html = md.render('<div id="main">a</div>\n\n<h2 id="main">raw</h2>\n\n'
                     'x <span id="fn-1">s</span>[^1]\n\n[^1]: n\n').html
    assert 'id="main"' not in html
    assert re.findall(r'id="([^"]*)"', html) == ["fnref-1", "fn-1"]


def test_renders_are_independent(md: MarkdownRenderer) -> None:
    """One Markdown instance, reset between bodies: no reference or footnote leaks."""
    first = md.render("[a][ref] x[^1]\n\n[ref]: https://example.org/\n[^1]: n\n").html
    second = md.render("[a][ref] y[^1]\n").html
    assert 'href="https://example.org/"' in first and 'id="fn-1"' in first
    assert "href" not in second and "footnote" not in second


def test_first_paragraph_is_no_code_block() -> None:
    html = MarkdownRenderer().render("    code first\n\nThe lead.\n").html
    assert first_paragraph(html) == "The lead."


def test_a_body_too_deep_for_python_markdown_is_shown_as_text(md: MarkdownRenderer) -> None:
    deep = "".join("    " * i + "- x\n" for i in range(400))
    html = md.render(deep + "\n<script>alert(1)</script>").html
    assert html.startswith("<p>- x") and "<script" not in html
    assert md.render("- a\n- b\n", "ltr").html == "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"


def test_site_extensions_and_their_options() -> None:
    tilde = MarkdownRenderer(MarkdownSettings(("pymdownx.tilde", "abbr", "def_list")))
    html = tilde.render("~~old~~ H~2~O NATO\n\n*[NATO]: North Atlantic\n\nT\n: d\n",
                        "ltr").html
    assert "<del>old</del>" in html and "<sub>2</sub>" in html
    assert '<abbr title="North Atlantic">NATO</abbr>' in html and "<dd>d</dd>" in html
    no_sub = MarkdownRenderer(MarkdownSettings(("pymdownx.tilde",),
                                               {"pymdownx.tilde": {"subscript": False}}))
    assert "<sub>" not in no_sub.render("H~2~O\n").html
    assert "~~old~~" in MarkdownRenderer().render("~~old~~\n").html


def test_khabars_footnote_options_win() -> None:
    html = MarkdownRenderer(MarkdownSettings(("footnotes",), {"footnotes": {
        "SEPARATOR": ":", "BACKLINK_TITLE": "Back"}})).render("x[^1]\n\n[^1]: n\n").html
    assert 'id="fn-1"' in html and "Back" not in html


def test_attr_list_may_set_class_dir_lang_and_ids_nothing_else() -> None:
    md = MarkdownRenderer(MarkdownSettings(("attr_list",)))
    html = md.render('## عنوان {#background .wide lang=fa style="color:red" data-x=1}\n\n'
                     "English text\n{: dir=ltr onclick=\"alert(1)\" #main .note }\n").html
    assert '<h2 class="wide" id="background" lang="fa">عنوان</h2>' in html
    assert '<p class="note" dir="ltr">English text</p>' in html
    assert "style" not in html and "data-x" not in html and "onclick" not in html


def test_extension_html_is_still_sanitised() -> None:
    md = MarkdownRenderer(MarkdownSettings(("admonition", "md_in_html")))
    html = md.render('!!! note "یادداشت"\n    متن <img src=x onerror=alert(1)>\n\n'
                     '<div markdown="1" onclick="x()">*em*</div>\n').html
    assert '<div class="admonition note">' in html and "<em>em</em>" in html
    assert "onerror" not in html and "onclick" not in html


@pytest.mark.parametrize("name, config, expected", [
    ("abbr", {}, None),
    ("pymdownx.tilde", {"subscript": False}, None),
    ("no_such_extension", {}, "is not installed (no module named 'no_such_extension')"),
    ("json", {}, "is not a Python-Markdown extension"),
    ("pymdownx.tilde", {"bogus": 1}, "has no option 'bogus'"),
    ("pymdownx.tilde", {"subscript": "maybe"}, "refuses its options: ValueError"),
    ("extra", {}, "changes the ids Khabar gives footnotes and headings"),
    ("meta", {}, "drops text from the start of a body"),
])
def test_extension_problem(name: str, config: dict[str, object], expected: str | None) -> None:
    problem = extension_problem(name, config)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(expected), problem


def test_public_sanitize_keeps_no_id() -> None:
    assert sanitize('<h2 id="x" title="">a</h2>') == "<h2>a</h2>"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="#-*>|`[]()^:{}.1 \nabmainfخبر<>=\"/", max_size=300))
def test_any_body_has_unique_ids_and_none_of_the_themes(body: str) -> None:
    html = RENDERER.render(body).html
    ids = re.findall(r' id="([^"]*)"', html)
    assert len(ids) == len(set(ids)) and not THEME_IDS & set(ids), html


def test_persian_numbers_start_a_list_at_their_number(md: MarkdownRenderer) -> None:
    html = md.render("۳. سه\n۴. چهار\n").html
    assert html.startswith('<ol start="3">\n<li>سه</li>')
    assert "start" not in md.render('<ol start="x"><li>a</li></ol>\n').html


def test_a_paragraph_of_thousands_of_brackets_is_text_and_quick() -> None:
    """Python-Markdown takes quadratic time over unclosed `[` (4,000 took 2.9 s, 20,000
    over half a minute): such a block is shown as written, its neighbours rendered."""
    import time

    from khabar.dialect import notes
    crowded = "متن <b>x</b> " + "[ " * 20000 + "پایان"
    body = f"پیش [پیوند](https://e.org/a)\n\n{crowded}\n\nپس [پیوند](https://e.org/b)"
    start = time.perf_counter()
    html = MarkdownRenderer().render(body, "rtl").html
    assert time.perf_counter() - start < 1.0
    assert html.count("<a ") == 2 and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert html.count("[") == 20000 and "\ue000" not in html
    assert [line for line, _message, _hint in notes(body)] == [3]
