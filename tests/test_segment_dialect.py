"""The segmenter reads Python-Markdown's dialect.

A generated body translated by a model that keeps the placeholders (and changes every word)
renders, with Python-Markdown, to the same elements, nested the same way, with the same link and
image targets and the same code; then one rule at a time, what reaches the model and what comes
back; then the extensions a site may enable."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khabar.translate.segment import segment, translate_markdown

BUILTIN = ["tables", "footnotes", "fenced_code", "sane_lists"]
Translator = Callable[[Sequence[str]], list[str]]
PLACEHOLDER = re.compile(r"\[\d+\]")


def to_html(text: str, extensions: Sequence[str] = ()) -> str:
    return markdown.markdown(text, extensions=[*BUILTIN, *extensions])


class _Shape(HTMLParser):
    """Tags with their nesting, every href and src, the text of every code and pre."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.targets: list[str] = []
        self.code: list[str] = []
        self.open: list[str] = []
        self.buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(f"<{tag}>")
        if tag in ("a", "img") and any(k == "title" for k, _v in attrs):
            self.tags.append("title")  # a translated title is still a title
        self.targets += [f"{k}={v}" for k, v in attrs if k in ("href", "src")]
        if tag in ("code", "pre"):
            self.open.append(tag)
            self.buffer.append("")
        if tag in ("br", "hr", "img"):
            self.tags.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "hr", "img"):
            return
        self.tags.append(f"</{tag}>")
        if tag in ("code", "pre") and self.open and self.open[-1] == tag:
            self.open.pop()
            text = self.buffer.pop()
            # A code span's text comes back on one line: its line breaks are spaces in HTML.
            if tag == "code" and "pre" not in self.open:
                text = " ".join(text.split())
            self.code.append(f"{tag}:{text}")
            if self.buffer:
                self.buffer[-1] += text

    def handle_data(self, data: str) -> None:
        if self.buffer:
            self.buffer[-1] += data


def shape(text: str, extensions: Sequence[str] = ()) -> tuple[list[str], list[str], list[str]]:
    parser = _Shape()
    parser.feed(to_html(text, extensions))
    parser.close()
    return parser.tags, parser.targets, parser.code


# ------------------------------------------------------------------------------------------
# Translators that keep the placeholders and change the words


def swapcase(units: Sequence[str]) -> list[str]:
    return [u.swapcase() for u in units]


REWORDS = ["news", "خبر", "Today", "word", "دولت", "x", "many words here"]


def reword(units: Sequence[str]) -> list[str]:
    """Every word becomes another word (a Latin or Persian one, or three words)."""
    def swap(m: re.Match[str]) -> str:
        return REWORDS[sum(map(ord, m.group())) % len(REWORDS)]

    out = []
    for u in units:
        pieces = PLACEHOLDER.split(u)
        marks = PLACEHOLDER.findall(u)
        words = [re.sub(r"[^\W\d_]+", swap, p) for p in pieces]
        out.append("".join(w + (marks[i] if i < len(marks) else "") for i, w in enumerate(words)))
    return out


def longer(units: Sequence[str]) -> list[str]:
    """A model that writes more: words doubled, a sentence added."""
    return [re.sub(r"([^\W\d_]+)", r"\1 \1", u) + " And more." for u in units]


TRANSLATORS: list[Translator] = [swapcase, reword, longer]


# ------------------------------------------------------------------------------------------
# Generated bodies

WORDS = [
    "خبر", "دولت", "امروز", "گفت", "تهران", "News", "Iran", "said", "۱۴۰۲", "و", "است",
    "C#", "a_b", "2*3", "x~y", "snake_case_name", "e.g.", "(قیمت)", "«نقل»",
]  # fmt: skip
word = st.sampled_from(WORDS)
inline_item = st.one_of(
    word,
    word,
    word.map(lambda w: f"*{w}*"),
    word.map(lambda w: f"**{w} خبر**"),
    word.map(lambda w: f"_{w}_"),
    word.map(lambda w: f"__{w}__"),
    word.map(lambda w: f"***{w}***"),
    st.tuples(word, st.integers(0, 3)).map(lambda t: f"[{t[0]}](https://ex.example/p{t[1]})"),
    st.tuples(word, word).map(lambda t: f'[{t[0]} *{t[1]}*](/rel/{len(t[1])} "عنوان")'),
    word.map(lambda w: f"`{w} * x`"),
    st.just("``a ` b``"),
    st.just("https://bare.example/q?a=1"),
    st.just("<https://auto.example>"),
    st.just("<mail@auto.example>"),
    word.map(lambda w: f"<b>{w}</b>"),
    st.just("[^1]"),
    st.just("![عکس خبر](https://img.example/i.png)"),
    word.map(lambda w: f'![{w}](https://img.example/t.png "عنوان {w}")'),
    word.map(lambda w: f"[{w}](</a b> 'عنوان «{w}»')"),
    st.just("![](https://img.example/empty.png)"),
    st.just("[مرجع][r]"),
    st.just("[کوتاه]"),
    st.just("[کوتاه][]"),
    st.just("[با عنوان][t]"),
    st.just("~~خط~~"),
    st.just("&amp; &copy;"),
    st.just("\\*not em\\*"),
    st.just("[3]"),
)
inline = st.lists(inline_item, min_size=1, max_size=6).map(" ".join)
line_end = st.sampled_from(["", "", "", "  "])  # two spaces: a hard break
paragraph = st.lists(st.tuples(inline, line_end), min_size=1, max_size=3).map(
    lambda ls: "\n".join(text + end for text, end in ls).rstrip()
)
cell_word = word.filter(lambda w: "|" not in w)
cell = st.lists(
    st.one_of(cell_word, cell_word.map(lambda w: f"`{w}`"), cell_word.map(lambda w: f"*{w}*")),
    min_size=1,
    max_size=3,
).map(" ".join)


@st.composite
def table(draw: st.DrawFn) -> str:
    cols = draw(st.integers(1, 3))
    rows = draw(st.integers(1, 3))
    head = "| " + " | ".join(draw(cell) for _ in range(cols)) + " |"
    sep = "|" + "|".join(draw(st.sampled_from(["---", ":--", "--:"])) for _ in range(cols)) + "|"
    body = ["| " + " | ".join(draw(cell) for _ in range(cols)) + " |" for _ in range(rows)]
    return "\n".join([head, sep, *body])


@st.composite
def a_list(draw: st.DrawFn, depth: int = 0) -> str:
    """A list, nested by four spaces, tight or loose."""
    ordered = draw(st.booleans())
    loose = draw(st.booleans())
    lines: list[str] = []
    for n in range(draw(st.integers(1, 3))):
        marker = f"{n + 1}." if ordered else draw(st.sampled_from("-*+"))
        lines.append(f"{marker} {draw(inline)}")
        if depth < 2 and draw(st.integers(0, 3)) == 0:
            lines += ["    " + x if x else "" for x in draw(a_list(depth + 1)).split("\n")]
        if loose:
            lines.append("")
    return "\n".join(lines).rstrip("\n")


block = st.one_of(
    st.tuples(st.integers(1, 4), inline, st.sampled_from(["", " #", " ##"])).map(
        lambda t: "#" * t[0] + " " + t[1] + t[2]
    ),
    st.tuples(inline, st.sampled_from("=-")).map(lambda t: f"{t[0]}\n{t[1] * 5}"),
    paragraph,
    paragraph,
    a_list(),
    a_list(),
    st.tuples(paragraph, inline).map(lambda t: f"{t[0]}\n- {t[1]}"),  # no list: text
    st.lists(paragraph, min_size=1, max_size=2).map(
        lambda ps: "\n>\n".join("\n".join(f"> {x}" for x in p.split("\n")) for p in ps)
    ),
    st.tuples(inline, inline).map(lambda t: f"> {t[0]}\n{t[1]}"),  # lazy continuation
    table(),
    word.map(lambda w: f"```python\nprint('{w}')  # *x* [a](b)\n\n  indented\n```"),
    word.map(lambda w: f"~~~\n{w} _x_\n~~~"),
    word.map(lambda w: f"    code block *{w}*\n    [a](b)"),
    st.just("---"),
    st.just("<div>\n*html* [x](y)\n</div>"),
    st.tuples(inline, inline).map(lambda t: f"[^2]: {t[0]}\n\n    {t[1]}"),
)
document = st.lists(block, min_size=1, max_size=6).map(
    lambda bs: (
        "\n\n".join(bs)
        + "\n\n[r]: https://ref.example\n[کوتاه]: /short\n[t]: /t \"عنوان مرجع\"\n\n"
        "[^1]: پانویس *مهم*\n\n[^2]: x\n"
    )
)


# SEGMENT_EXAMPLES=5000 SEGMENT_RANDOM=1 for a longer, fresh search; the default is the same
# 200 bodies on every run, in about two seconds.
@settings(
    max_examples=int(os.environ.get("SEGMENT_EXAMPLES", "200")),
    deadline=None,
    derandomize=not os.environ.get("SEGMENT_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(document, st.sampled_from(TRANSLATORS))
def test_translated_body_renders_to_the_same_elements(src: str, translate: Translator) -> None:
    doc = segment(src)
    for unit in doc.units:
        assert "https://" not in unit and "`" not in unit and "<b>" not in unit
    out = doc.render(translate(doc.units))
    assert shape(out) == shape(src), out


SITE_EXTENSIONS = ["abbr", "attr_list", "def_list", "admonition", "pymdownx.tilde"]
site_block = st.one_of(
    block,
    st.tuples(inline, inline).map(lambda t: f"{t[0]}\n:   {t[1]}"),
    st.tuples(inline, inline).map(lambda t: f'!!! note "{t[0].replace(chr(34), "")}"\n    {t[1]}'),
    inline.map(lambda t: f"!!! warning\n    {t}"),
    inline.map(lambda t: f"{t}\n{{: .cls }}"),
    inline.map(lambda t: f"## {t} {{: #anchor }}"),
    inline.map(lambda t: f"HTML {t} ~~HTML~~"),
)
site_document = st.lists(site_block, min_size=1, max_size=5).map(
    lambda bs: "\n\n".join(bs) + "\n\n*[HTML]: Hyper Text\n\n[r]: /ref\n[کوتاه]: /short\n\n"
    "[^1]: پانویس\n\n[^2]: x\n"
)


@settings(
    max_examples=int(os.environ.get("SEGMENT_EXAMPLES", "100")),
    deadline=None,
    derandomize=not os.environ.get("SEGMENT_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(site_document, st.sampled_from(TRANSLATORS))
def test_same_elements_with_site_extensions(src: str, translate: Translator) -> None:
    doc = segment(src, SITE_EXTENSIONS)
    out = doc.render(translate(doc.units))
    assert shape(out, SITE_EXTENSIONS) == shape(src, SITE_EXTENSIONS), out


@pytest.mark.parametrize("translate", TRANSLATORS)
def test_identity_shape_on_a_long_body(translate: Translator) -> None:
    src = "\n\n".join(
        ["# عنوان *مهم*", "پاراگراف [پیوند](https://a.example) و `کد`", "- یک\n    - دو",
         "| الف | ب |\n|---|---|\n| ج | د |", "[^1]: پانویس"]
    ) + "\n\nمتن[^1]\n"
    assert shape(translate_markdown(src, translate)) == shape(src)


# ------------------------------------------------------------------------------------------
# One rule at a time: what reaches the model, and the Markdown that comes back


def check(
    src: str, units: tuple[str, ...], translated: Sequence[str], out: str,
    extensions: Sequence[str] = (),
) -> None:
    """`src` gives `units`; `translated` gives `out`, which renders like `src` does."""
    doc = segment(src, extensions)
    assert doc.units == units
    rendered = doc.render(translated)
    assert rendered == out
    assert shape(rendered, extensions) == shape(src, extensions)


def test_a_list_needs_a_blank_line_before_it() -> None:
    check("متن\n- یک\n", ("متن - یک",), ["text - one"], "text - one\n")
    assert "<ul>" not in to_html("متن\n- یک\n")
    check("متن\n\n- یک\n", ("متن", "یک"), ["text", "one"], "text\n\n- one\n")
    assert segment("متن\n\n- یک\n").kinds == ("p", "li")


def test_lists_nest_by_four_spaces() -> None:
    # Two spaces make a sibling (sane_lists reads the item as a new item of the same list).
    check("- یک\n  - دو\n", ("یک", "دو"), ["one", "two"], "- one\n  - two\n")
    assert to_html("- یک\n  - دو\n").count("<ul>") == 1
    check("- یک\n    - دو\n", ("یک", "دو"), ["one", "two"], "- one\n    - two\n")
    assert to_html("- یک\n    - دو\n").count("<ul>") == 2
    # An ordered and an unordered list are two lists under sane_lists.
    check("1. یک\n- دو\n", ("یک - دو",), ["one - two"], "1. one - two\n")


def test_loose_items_and_continuation_paragraphs() -> None:
    src = "- یک\n\n    ادامه\n\n- دو\n"
    check(src, ("یک", "ادامه", "دو"), ["one", "more", "two"], "- one\n\n    more\n\n- two\n")
    assert segment(src).kinds == ("p", "p", "p")


def test_lazy_continuation_of_paragraphs_and_quotes() -> None:
    check("> یک\nدو\n", ("یک دو",), ["one two"], "> one two\n")
    check("یک\n    دو\n", ("یک دو",), ["one two"], "one two\n")  # no code: not a block start
    check("یک\n\n    دو\n", ("یک",), ["one"], "one\n\n    دو\n")  # code


def test_bare_urls_are_text_but_kept_from_the_model() -> None:
    src = "ببین https://a.example/x_y و a@b.example اینجا\n"
    check(src, ("ببین [1] و [2] اینجا",), ["see [1] and [2] here"],
          "see https://a.example/x_y and a@b.example here\n")
    assert "<a" not in to_html(src)
    check("ببین <https://a.example/x>\n", ("ببین [1]",), ["see [1]"],
          "see <https://a.example/x>\n")


def test_strikethrough_only_with_tilde() -> None:
    check("قبل ~~خط~~ بعد\n", ("قبل ~~خط~~ بعد",), ["before ~~struck~~ after"],
          "before ~~struck~~ after\n")
    tilde = ["pymdownx.tilde"]
    check("قبل ~~خط~~ بعد\n", ("قبل [1]خط[2] بعد",), ["before [1]struck[2] after"],
          "before ~~struck~~ after\n", tilde)
    # With tilde, a `~` of the model's is escaped; `~x~` (subscript) is kept whole.
    check("آب H~2~O\n", ("آب H[1]O",), ["water ~ H[1]O"], "water \\~ H~2~O\n", tilde)


def test_tables() -> None:
    src = "| الف | `a|b` |\n|:--|--:|\n| ج | *د* |\n"
    check(src, ("الف", "ج", "[1]د[2]"), ["A | B", "C", "[1]D[2]"],
          "| A \\| B | `a|b` |\n|:--|--:|\n| C | *D* |\n")


def test_footnotes_with_four_space_continuation() -> None:
    src = "متن[^1]\n\n[^1]: یک\n\n    دو\n"
    check(src, ("متن[1]", "یک", "دو"), ["text[1]", "one", "two"],
          "text[^1]\n\n[^1]: one\n\n    two\n")
    # Not indented, the second paragraph is the body's, not the footnote's.
    assert segment("متن[^1]\n\n[^1]: یک\n\nدو\n").units == ("متن[1]", "دو", "یک")
    # An undefined footnote reference is text (and model text is escaped).
    check("متن[^9]\n", ("متن[^9]",), ["text[^9]"], "text\\[^9\\]\n")


def test_fenced_code_at_the_margin_only() -> None:
    src = "```\nکد *x*\n```\n\n~~~ python\nکد\n~~~\n\nمتن\n"
    check(src, ("متن",), ["text"], "```\nکد *x*\n```\n\n~~~ python\nکد\n~~~\n\ntext\n")
    # Indented in a list item, backticks are a code span (fenced_code does not nest).
    doc = segment("- مورد\n\n    ```\n    کد\n    ```\n")
    assert doc.units == ("مورد",)


def test_html_blocks_and_inline_html() -> None:
    src = "<div>\nمتن *html*\n</div>\n\nبا <b>پررنگ</b> و <!-- یادداشت -->\n"
    check(src, ("با [1]پررنگ[2] و [3]",), ["with [1]bold[2] and [3]"],
          "<div>\nمتن *html*\n</div>\n\nwith <b>bold</b> and <!-- یادداشت -->\n")


def test_setext_and_atx_headings() -> None:
    src = "عنوان\n=====\n\n## دوم ##\n#سوم\n"
    check(src, ("عنوان", "دوم", "سوم"), ["Title", "C#", "Third"],
          "Title\n=====\n\n## C\\# ##\n#Third\n")
    assert segment(src).kinds == ("h1", "h2", "h1")
    # A paragraph of two lines before `---` is a paragraph and a rule; it is left as it is,
    # as one line it would become a heading.
    assert segment("یک\nدو\n---\n").units == ()


def test_reference_links_become_inline_links() -> None:
    src = '[متن][r] و [کوتاه] و ![عکس][i]\n\n[r]: https://r.example "T"\n[کوتاه]: /s\n[i]: /i.png\n'
    check(src, ("T", "عکس", "[1]متن[2] و [3]کوتاه[4] و [5]"),
          ["Title", "photo", "[1]text[2] and [3]short[4] and [5]"],
          '[text](https://r.example "Title") and [short](/s) and ![photo](/i.png)\n\n'
          '[r]: https://r.example "T"\n[کوتاه]: /s\n[i]: /i.png\n')


def test_emphasis_and_smart_underscores() -> None:
    src = "a_b_c و _تاکید_ و *این*مورد و **قوی**\n"
    check(src, ("a_b_c و [1]تاکید[2] و [3]این[4]مورد و [5]قوی[6]",),
          ["a_b_c and [1]stress[2] and [3]this[4]one and [5]strong[6]"],
          "a\\_b\\_c and *stress* and *this*one and **strong**\n")


def test_emphasis_next_to_a_star_is_written_as_tags() -> None:
    # `**2*3**` pairs as *<em>2<em>3</em></em>: a `\*` next to `*` would pair differently.
    src = "**2*3 خبر**\n"
    doc = segment(src)
    out = doc.render(doc.units)
    assert "<em>" in out and shape(out) == shape(src)


def test_code_spans_images_and_breaks() -> None:
    src = "`a * b` و ``x ` y`` و ![عکس](p.png \"t\") یک  \nدو\n"
    check(src, ("عکس", "t", "[1] و [2] و [3] یک[4]دو"),
          ["photo", "title", "[1] and [2] and [3] one[4]two"],
          '`a * b` and ``x ` y`` and ![photo](p.png "title") one<br />two\n')


def test_model_text_cannot_open_a_block() -> None:
    src = "- یک\n- دو\n\nمتن\n"
    out = segment(src).render(["# not a heading", "1. not a list", "> not a quote"])
    assert out == "- \\# not a heading\n- 1\\. not a list\n\n\\> not a quote\n"
    assert shape(out) == shape(src)


# ------------------------------------------------------------------------------------------
# Extensions a site enables


def test_abbr_definitions_kept_and_words_protected() -> None:
    src = "*[HTML]: زبان نشانه\n\nمتن HTML اینجا\n"
    check(src, ("متن [1] اینجا",), ["text [1] here"], "*[HTML]: زبان نشانه\n\ntext HTML here\n",
          ["abbr"])


def test_attr_lists_stay_where_they_are() -> None:
    src = "## عنوان {: #id }\n\nمتن\n{: .cls }\n\n[پیوند](u){: .x} بعد\n"
    check(src, ("عنوان", "متن", "[1]پیوند[2] بعد"), ["Title", "Text", "[1]link[2] after"],
          "## Title {: #id }\n\nText\n{: .cls }\n\n[link](u){: .x} after\n", ["attr_list"])
    html = to_html("## Title {: #id }\n\nText\n{: .cls }\n", ["attr_list"])
    assert 'id="id"' in html and 'class="cls"' in html


def test_definition_lists() -> None:
    check("اصطلاح\n:   تعریف\n", ("اصطلاح", "تعریف"), ["term", ": definition"],
          "term\n:   &#58; definition\n", ["def_list"])


def test_admonitions() -> None:
    src = '!!! note "عنوان"\n    متن\n\n!!! warning\n    دوم\n'
    # A title Python-Markdown makes up ("Warning") is no text of the body: not translated.
    check(src, ("عنوان", "متن", "دوم"), ["Title", "Text", "Second"],
          '!!! note "Title"\n    Text\n\n!!! warning\n    Second\n', ["admonition"])


def test_unknown_extensions_are_kept_whole() -> None:
    # pymdownx.mark's ==x== is no span this segmenter knows: one opaque item.
    check("متن ==مهم== بعد\n", ("متن [1] بعد",), ["text [1] after"], "text ==مهم== after\n",
          ["pymdownx.mark"])
    assert segment("[TOC]\n\n# عنوان\n", ["toc"]).units == ("عنوان",)


def test_what_the_renderer_shows_as_written_is_left_as_it_is() -> None:
    # More than 1,000 `[` in a block: the renderer shows it as written, so does the segmenter
    # (Python-Markdown would take minutes over it).
    crowded = "متن " + "[" * 3000 + "\nادامه"
    doc = segment(f"{crowded}\n\nبعد *تاکید*\n")
    assert doc.units == ("بعد [1]تاکید[2]",)
    assert doc.render(["after [1]stress[2]"]) == f"{crowded}\n\nafter *stress*\n"
    # Lists nested hundreds deep: Python-Markdown gives up, the renderer shows text.
    deep = "".join("    " * i + "- مورد\n" for i in range(300))
    assert segment(deep).units == ()
