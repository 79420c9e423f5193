"""The dialect checker: each note names a line Python-Markdown really reads differently
(the renderer is asked), and the hint's spelling is read as meant, with no note."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.dialect import notes
from khabar.markup import MarkdownRenderer
from khabar.text import has_letters_of

RENDERER = MarkdownRenderer()


def render(body: str) -> str:
    return RENDERER.render(body, "rtl" if has_letters_of("rtl", body) else "ltr").html

# (body, line noted, words of the message, what the renderer makes of it (a fragment
# that proves the note), the body written as the hint says, a fragment the fix gives)
CASES = {
    "list-after-text": ("متن\n- یک\n- دو\n", 2, "list right after a line of text",
                        "<p>متن\n- یک", "متن\n\n- یک\n- دو\n", "<li>یک</li>"),
    "numbered-after-text": ("Intro:\n1. one\n", 2, "list right after a line of text",
                            "Intro:\n1. one", "Intro:\n\n1. one\n", "<ol>"),
    "nested-2-spaces": ("- a\n  - b\n", 2, "nested list indented by fewer than 4",
                        "<li>a</li>\n<li>b</li>", "- a\n    - b\n", "<li>a<ul>"),
    "nested-3-spaces-ol": ("1. a\n   - b\n", 2, "nested list indented by fewer than 4",
                           "- b</li>", "1. a\n    - b\n", "<li>a<ul>"),
    "strike": ("a ~~b~~ c\n", 1, "~~text~~ is shown as written", "~~b~~",
               "a <del>b</del> c\n", "<del>b</del>"),
    "bare-url": ("see https://example.org/x.\n", 1, "https://example.org/x is not made a link",
                 "see https://example.org/x.</p>", "see <https://example.org/x>.\n",
                 'href="https://example.org/x"'),
    "www": ("see www.example.org\n", 1, "www.example.org is not made a link",
            "see www.example.org</p>", "see <https://www.example.org>\n",
            'href="https://www.example.org"'),
    "paren-marker": ("1) one\n2) two\n", 1, "'1)' does not start a list item",
                     "<p>1) one", "1. one\n2. two\n", "<li>one</li>"),
    "hashtag": ("#خبر_فوری امروز\n", 1, "read as a heading", "<h1",
                "\\#خبر_فوری امروز\n", "<p>#خبر_فوری"),
    "backslash-break": ("line\\\nbreak\n", 1, "backslash at the end of a line",
                        "line\\", "line  \nbreak\n", "<br>"),
    "escape": ('a \\$ b\n', 1, "the backslash in \\$ is shown", "\\$", "a $ b\n", "a $ b"),
    "other-kind": ("- a\n1. b\n", 2, "list item of the other kind", "<li>a\n1. b</li>",
                   "- a\n\n1. b\n", "<ol>"),
    "item-paragraph": ("- a\n\n  more\n", 3, "paragraph of a list item indented by fewer",
                       "</ul>\n<p>more</p>", "- a\n\n    more\n", "<p>more</p>\n</li>"),
    "fence-in-list": ("- a\n\n    ```\n    code\n    ```\n", 3, "fenced code block inside a list",
                      "<li>\n<p>a</p>\n<p><code>", "- a\n\n```\ncode\n```\n", "<pre><code>"),
    "fence-in-quote": ("> ```\n> x\n> ```\n", 1, "fenced code block inside a quote",
                       "<p><code>x</code></p>", "```\nx\n```\n", "<pre><code>x"),
    "fence-info": ('```python title="x"\ncode\n```\n', 1, "more than a language",
                   "<p><code>", "```python\ncode\n```\n", 'class="language-python"'),
    "fence-unclosed": ("```\ncode\n", 1, "never closed", "<p>```", "```\ncode\n```\n",
                       "<pre><code>code"),
    "fence-longer-close": ("```\ncode\n````\n\ntext\n", 3, "closing fence longer",
                           "<p>```", "```\ncode\n```\n\ntext\n", "<pre><code>code"),
    "html-blank": ("<div>\n\n*x*\n\n</div>\n", 1, "Markdown after a blank line inside <div>",
                   "*x*", "<div>x</div>\n\n*x*\n", "<em>x</em>"),
    "html-unclosed": ("<div>\n\n*x*\n", 1, "<div> is never closed", "*x*",
                      "<div></div>\n\n*x*\n", "<em>x</em>"),
    "table-after-text": ("متن\n| a | b |\n|---|---|\n| 1 | 2 |\n", 2, "table right after a line",
                         "<p>متن\n| a", "متن\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", "<table>"),
    "list-after-table": ("| a | b |\n|---|---|\n| 1 | 2 |\n- item\n", 4,
                         "list right after a table", "<td>- item</td>",
                         "| a | b |\n|---|---|\n| 1 | 2 |\n\n- item\n", "<li>item</li>"),
    "list-after-quote": ("> quote\n- item\n", 2, "list right after a quote", "quote\n- item",
                         "> quote\n\n- item\n", "<li>item</li>"),
    "task": ("- [ ] todo\n- [x] done\n", 1, "task list box", "[ ] todo",
             "- todo\n- done\n", "<li>todo</li>"),
    "indented-heading": ("  ## title\n", 1, "heading indented by spaces", "<p>## title",
                         "## title\n", "<h2"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_construct_is_noted_and_its_fix_is_not(case: str) -> None:
    body, line, message, shown, fixed, fixed_shows = CASES[case]
    found = notes(body)
    assert [n for n, m, _ in found if message in m] == [line], found
    assert shown in render(body)  # the note is true
    assert notes(fixed) == [], notes(fixed)
    assert fixed_shows in render(fixed)


def test_a_note_has_a_hint() -> None:
    [(line, message, hint)] = notes("متن\n- یک\n")
    assert line == 2 and message and hint == "leave a blank line before the list"


def test_nothing_inside_code_is_noted() -> None:
    body = ("```\n- a\n  - b\n~~x~~ https://example.org/ 1) x\n```\n\n"
            "`~~x~~ https://example.org/ \\$`\n\n    - indented code\n      - more\n")
    assert notes(body) == []


def test_links_written_as_links_are_not_noted() -> None:
    body = ("[متن](https://example.org/a_(b) \"عنوان «نقل»\") و <https://example.org/> و "
            "<a href=\"https://example.org/\">x</a> و ![](https://example.org/i.png)\n\n"
            "[ref]: https://example.org/ref\n\n[^1]: <https://example.org/fn>\n")
    assert notes(body) == []


def test_lines_are_those_of_the_body_and_quotes_are_read_inside() -> None:
    body = "پاراگراف.\n\n> نقل\n> - فهرست\n\nمتن ~~خط~~\n"
    assert [(n, m.split(",")[0]) for n, m, _ in notes(body)] == [
        (4, "a list right after a line of text"), (6, "~~text~~ is shown as written")]


def test_extensions_silence_what_they_handle() -> None:
    body = "a ~~b~~ https://example.org/\n\n- [ ] x\n\n- a\n\n    ```\n    c\n    ```\n"
    assert len(notes(body)) == 4
    assert notes(body, ["pymdownx.tilde", "pymdownx.magiclink", "pymdownx.tasklist",
                        "pymdownx.superfences"]) == []


def test_escapes_follow_the_extensions() -> None:
    assert notes('a \\" b\n') != []
    assert notes('a \\" b\n', ["smarty"]) == []  # smarty makes quotes escapable


def test_what_python_markdown_reads_alike_is_not_noted() -> None:
    body = ("# سرتیتر\n- فهرست پس از سرتیتر\n\n- a\n    - b\n        - c\n- d\n\n"
            "1. one\n2. two\n\n10. ten\n    - nested\n\n* a\n\n    more\n\n"
            "text\n> quote after text\n\nline one  \nline two\n\n---\n\n"
            "<div>one line</div>\n\n<details><summary>s</summary>d</details>\n\n"
            "| a |\n|---|\n| b |\n\n#\n\n2024. a year\n")
    assert notes(body) == [], notes(body)


def test_the_example_site_reads_alike() -> None:
    """The example site's articles have none of these constructs."""
    from pathlib import Path

    root = Path(__file__).parent.parent / "content"
    bodies = [p.read_text(encoding="utf-8").split("---\n", 2)[-1]
              for p in sorted(root.rglob("*.md"))]
    assert len(bodies) > 10
    assert [notes(b) for b in bodies if notes(b)] == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="-*+>#|`~ \n\t1.)[]()<>/\\:ab~=!خ", max_size=300))
def test_any_text_gets_notes_on_its_own_lines(body: str) -> None:
    last = body.count("\n") + 1
    for line, message, hint in notes(body):
        assert 1 <= line <= last and message and hint


def test_check_warns_with_the_file_line(tmp_path: Path, cli: Callable[..., Run]) -> None:
    """`check` names the file line of each construct (the body's line plus the front
    matter's), and a site that enables pymdownx.tilde hears nothing of `~~`."""
    site = tmp_path / "site"
    write(site / "site.yaml", """
        title: T
        base_url: https://example.org/
        languages: {fa: {name: فارسی, dir: rtl}}
        """)
    write(site / "content" / "a.fa.md", """
        ---
        title: خبر
        date: 2024-11-23
        ---
        مقدمه:
        - بند یک

        ~~خط‌خورده~~
        """)
    run = cli("check", "--site", site)
    assert run.code == 0
    lines = [line for line in run.err.splitlines() if ": warning: Markdown:" in line]
    assert any(":6: warning" in line and "a.fa.md" in line for line in lines), lines
    assert any(":8: warning" in line and "~~" in line for line in lines), lines
    with (site / "site.yaml").open("a", encoding="utf-8") as fh:
        fh.write("markdown: {extensions: [pymdownx.tilde]}\n")
    run = cli("check", "--site", site)
    assert run.code == 0 and "~~" not in run.err
