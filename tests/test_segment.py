"""Segmentation: prose reaches the model, code, URLs and markup come back untouched."""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from khabar.translate.segment import segment, translate_inline, translate_markdown

Translator = Callable[[Sequence[str]], list[str]]
PLACEHOLDER = re.compile(r"\[\d+\]")


def to_html(text: str) -> str:
    """Python-Markdown with the extensions khabar/markup.py always renders articles with."""
    return markdown.markdown(text, extensions=["tables", "footnotes", "fenced_code", "sane_lists"])


def shape(text: str) -> dict[str, object]:
    """What translation must not change, read from the HTML Python-Markdown makes."""
    root = lxml_html.fragment_fromstring(to_html(text), create_parent="div")
    tags = ("h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "blockquote", "pre", "table")
    return {
        "counts": {tag: len(root.findall(f".//{tag}")) for tag in tags},
        "links": Counter(a.get("href") for a in root.iter("a")),
        "images": Counter(img.get("src") for img in root.iter("img")),
        # a translated title is still a title
        "titled": Counter(e.tag for e in root.iter("a", "img") if e.get("title") is not None),
        "code": Counter(" ".join(c.text_content().split()) for c in root.iter("code")),
    }


def identity(units: Sequence[str]) -> list[str]:
    return list(units)


def upper_reversed(units: Sequence[str]) -> list[str]:
    return [" ".join(reversed(u.upper().split())) for u in units]


def drop_placeholders(units: Sequence[str]) -> list[str]:
    return [PLACEHOLDER.sub("", u) or "x" for u in units]


def duplicate_placeholders(units: Sequence[str]) -> list[str]:
    return [PLACEHOLDER.sub(lambda m: m.group() * 2, u) for u in units]


def hostile(units: Sequence[str]) -> list[str]:
    """A model that answers with Markdown of its own: none of it may take effect."""
    noise = "# [evil](http://evil.example) `x` <script>alert(1)</script> ![i](e.png) | - 1. ~~~"
    return [f"{noise} {u} *a* [^9] [3] > ===" for u in units]


def hostile_links(units: Sequence[str]) -> list[str]:
    """Bare URLs, `www.` names and e-mail addresses stay text; `~~` is no strikethrough."""
    return [f"see http://evil.example www.evil.example x@evil.example ~~s~~ {u}" for u in units]


def shuffler(seed: int) -> Translator:
    def shuffle(units: Sequence[str]) -> list[str]:
        rng = random.Random(seed)
        out = []
        for u in units:
            words = PLACEHOLDER.sub(lambda m: f" {m.group()} ", u).split()
            rng.shuffle(words)
            out.append(" ".join(words))
        return out

    return shuffle


TRANSLATORS: list[Translator] = [
    identity,
    upper_reversed,
    drop_placeholders,
    duplicate_placeholders,
    hostile,
    hostile_links,
    shuffler(1),
    shuffler(7),
]


# ------------------------------------------------------------------------------------------
# Blocks


def test_block_kinds() -> None:
    src = (
        "# عنوان\n\nپاراگراف یک\nادامه\n\nعنوان دوم\n---------\n\n- یک\n- دو\n    - سه\n\n"
        "1. اول\n\n> نقل\n\n| الف | ب |\n|---|---|\n| ج | د |\n\n```\nکد\n```\n\n"
        "    indented code\n\n<div>\nمتن html\n</div>\n\n***\n\n[^1]: پانویس\n\n[r]: http://r.example\n"
    )
    doc = segment(src)
    assert doc.kinds == (
        "h1", "p", "h2", "li", "li", "li", "li", "p", "th", "th", "td", "td", "p",
    )  # fmt: skip
    assert doc.units == (
        "عنوان", "پاراگراف یک ادامه", "عنوان دوم", "یک", "دو", "سه", "اول", "نقل",
        "الف", "ب", "ج", "د", "پانویس",
    )  # fmt: skip
    out = doc.render([u + "!" for u in doc.units])
    assert shape(out) == shape(src)
    assert "```\nکد\n```" in out and "    indented code" in out and "<div>\nمتن html\n</div>" in out
    assert "[r]: http://r.example" in out and "\n***\n" in out
    assert "- دو!\n    - سه!\n\n1. اول!" in out and "> نقل!" in out


def test_identity_roundtrip_keeps_source_text() -> None:
    src = '## سلام *دنیا*\n\nمتن با `کد` و [پیوند](https://a.example/x?q=1 "t").\n'
    assert translate_markdown(src, identity) == src


def test_table_cells_pipes_and_borders() -> None:
    # Python-Markdown splits on pipes outside code spans; with no outer pipe in the header,
    # a row's outer pipes are cells: "| | د | x |" is two empty cells, the rest dropped.
    src = "الف | ب\n--- | ---\n`a|b` | ج\n| | د | اضافه |\n"
    doc = segment(src)
    assert doc.kinds == ("th", "th", "td")
    out = doc.render(["A | B" for _ in doc.units])
    assert shape(out) == shape(src)
    assert "`a|b`" in out and "A \\| B" in out


def test_table_needs_a_matching_delimiter_row() -> None:
    assert segment("الف | ب | ج\n--- | ---\n").kinds == ("p",)
    # Python-Markdown (unlike GFM) reads a table only from the start of a block.
    assert segment("متن\nالف | ب\n--- | ---\n").kinds == ("p",)
    assert segment("متن\n\nالف | ب\n--- | ---\n").kinds == ("p", "th", "th")


def test_setext_and_atx_headings() -> None:
    src = "خط\nعنوان\n=====\n\n# C# ##\n"
    out = translate_markdown(src, lambda us: ["C#" for _ in us])
    assert shape(out)["counts"] == shape(src)["counts"]
    assert "<h1>C#</h1>" in to_html(out)
    assert "<h1>C#</h1>" in to_html(translate_markdown("عنوان\n===\n", lambda us: ["C #"])) or (
        "<h1>C #</h1>" in to_html(translate_markdown("عنوان\n===\n", lambda us: ["C #"]))
    )
    assert "<h1>C #</h1>" in to_html(translate_markdown("# عنوان\n", lambda us: ["C #"]))


def test_hard_break_kept() -> None:
    out = translate_markdown("یک  \nدو\n", identity)
    assert "<br />" in to_html(out)
    # A backslash before the line end is CommonMark's break, not Python-Markdown's.
    out = translate_markdown("یک\\\nدو\n", identity)
    assert "<br" not in to_html(out) and "\\\\" in out


def test_footnote_and_reference_links() -> None:
    src = (
        "متن[^a] با [مرجع][r] و [کوتاه].\n\n"
        "[r]: https://r.example\n[کوتاه]: https://s.example\n\n[^a]: توضیح\n"
    )
    doc = segment(src)
    assert all("https://" not in u for u in doc.units)
    for translate in TRANSLATORS:
        out = translate_markdown(src, translate)
        assert shape(out) == shape(src), translate


# ------------------------------------------------------------------------------------------
# Edge cases of the block rules (written for CommonMark, kept: whatever Python-Markdown makes of
# them, the translation must keep it)


@pytest.mark.parametrize(
    "src",
    [
        "- مورد\n\n  ```\nnot code\n  ```\n",  # indented: no fence, a code span after the list
        "- مورد\n\n  ```py\n  x = *1*\n  ```\n- دوم\n",
        "> نقل\n> ```\n> [a](b) *c*\n> ```\n",
        "> نقل\nادامه تنبل\n",  # lazy continuation
        "> نقل\n===\n",  # a setext heading whose text is "> نقل"
        "- الف\n - ب\n  - ج\n",  # three siblings: nesting takes four spaces
        "1.  اول\n\n    ادامه\n\n2) دوم\n",  # "2)" is no list marker
        "-     کد تو رفته\n",
        "متن\n2. نه فهرست\n",  # no list may interrupt a paragraph
        "متن\n<span>\n\n<div>\nبلوک *html*\n\n</div>\n",
        "<pre>\nیک\n\nدو\n</pre>\nبعد\n",
        "<!-- یادداشت\n\nهنوز -->\nمتن\n",
        "[^n]: پانویس\n\n    پاراگراف دوم\n\n[^n] بعد\n",
        "[r]:\n  /url\n  'عنوان'\n[r] و [R][] و [ر][r]\n",
        "&copy; &amp; &#1575; &nosuch;\n",
        "- [ ] کار\n- [x] شد\n",  # no task lists: text
        "متن\n***\nو\n---\n",
        "# عنوان #\n## C\\#\n",
        "\tکد با تب\n\n-\tمورد با تب\n",
        "[پیوند [درونی](/in)](/out) و *[پیوند](/x)*\n",  # the outer link wins
    ],
)
def test_block_edge_cases(src: str) -> None:
    for translate in TRANSLATORS:
        out = translate_markdown(src, translate)
        assert shape(out) == shape(src), (translate, src, out)


def test_fence_in_list_item_is_no_fence() -> None:
    # Python-Markdown's fenced_code reads fences at the left margin only: indented in a list
    # item, the backticks make a code span of a paragraph after the list.
    src = "- مورد\n\n  ```\n  *x* [a](b)\n  ```\n"
    doc = segment(src)
    assert doc.units == ("مورد",)
    assert "<li>مورد</li>" in to_html(src).replace("\n", "")
    assert doc.render(["item"]) == "- item\n\n  ```\n  *x* [a](b)\n  ```\n"


def test_html_block_kinds() -> None:
    # <span> is no block-level tag: it is inline HTML wherever it stands.
    doc = segment("متن\n<span>\n\n<span>\nمتن *html*\n\n<div>\nبلوک\n</div>\n")
    assert doc.units == ("متن [1]", "[1] متن [2]html[3]")


# ------------------------------------------------------------------------------------------
# Opaque items never reach the model


@pytest.mark.parametrize(
    "item",
    [
        "`x = y * 2`",
        "``a ` b``",
        "<https://auto.example/p>",
        "<info@example.com>",
        "https://bare.example/path_(x)",  # no link in Python-Markdown, but not prose either
        "<b>",
        "<!-- note -->",
        "[^note]",
        "www.bare.example/p",
        "info@bare.example",
        "~~خط خورده~~ و",
        '![تصویر](https://img.example/a.png "2024")',  # a title of digits stays as it is
    ],
)
def test_opaque_items_are_placeholders(item: str) -> None:
    src = f"قبل {item} بعد\n\n[^note]: پانویس\n"
    doc = segment(src)
    if item.startswith("~~"):  # strikethrough only with pymdownx.tilde
        assert segment(f"قبل {item} بعد\n").units == ("قبل ~~خط خورده~~ و بعد",)
        doc = segment(f"قبل {item} بعد\n", ["pymdownx.tilde"])
        assert doc.units == ("قبل [1]خط خورده[2] و بعد",)
        assert doc.render(["before [1]struck[2] after"]) == "before ~~struck~~ after\n"
        return
    core = item.split("](")[-1] if item.startswith("![") else item
    assert all(core not in u for u in doc.units)
    assert "[1]" in doc.units[-2] or "[1]" in doc.units[0]
    for translate in TRANSLATORS:
        out = doc.render(translate(doc.units))
        assert core in out, (translate, out)
        assert shape(out) == shape(src), (translate, out)


def test_image_alt_is_its_own_unit() -> None:
    doc = segment("![عکس رئیس](p.jpg) زیرنویس\n")
    assert doc.units == ("عکس رئیس", "[1] زیرنویس")
    assert doc.render(["photo of [the] boss", "[1] caption"]) == (
        "![photo of \\[the\\] boss](p.jpg) caption\n"
    )


def test_literal_placeholder_text_is_protected() -> None:
    doc = segment("مرجع \\[2\\] اینجا\n")
    assert doc.units == ("مرجع [1] اینجا",)
    assert doc.render(["reference here"]) == "reference here \\[2\\]\n"


# ------------------------------------------------------------------------------------------
# Inline markup and fallback


def test_link_text_is_one_unit_with_paired_markers() -> None:
    doc = segment('این [خبر **مهم**](https://n.example "عنوان") است.\n')
    assert doc.units == ("عنوان", "این [1]خبر [2]مهم[3][4] است.")  # the title: its own unit
    out, broken = doc.render_report(["Headline", "This is [1]news [2]important[3][4]."])
    assert out == 'This is [news **important**](https://n.example "Headline").\n'
    assert broken == ()


def test_reordered_pairs_are_fine() -> None:
    doc = segment("*الف* و **ب**\n")
    assert doc.units == ("[1]الف[2] و [3]ب[4]",)
    assert doc.render(["[3]B[4] and [1]A[2]"]) == "**B** and *A*\n"


def test_placeholders_as_a_model_may_write_them() -> None:
    doc = segment("*الف* و `کد`\n")
    assert doc.render(["⟦۱⟧ A ⟦2⟧ and [ 3 ]"]) == "*A* and `کد`\n"


def test_dropped_placeholders_fall_back() -> None:
    doc = segment("گفت [اینجا](https://x.example/a) با `code` و *تاکید*.\n")
    out, broken = doc.render_report(["He said here with and emphasis."])
    assert broken == (0,)
    assert out == "He said here with and emphasis. [x.example](https://x.example/a) `code`\n"


def test_duplicated_and_reversed_pairs_fall_back() -> None:
    doc = segment("[پیوند](https://x.example) و *ت* و `c`\n")
    out, broken = doc.render_report(["[2]link[1] and [3]e[4][3] and [5] [5]"])
    assert broken == (0,)
    assert out == "link and e and `c` [x.example](https://x.example)\n"
    assert shape(out)["links"] == Counter({"https://x.example": 1})


def test_crossing_pairs_are_cut() -> None:
    doc = segment("[الف *ب*](https://x.example) *ج*\n")
    assert doc.units == ("[1]الف [2]ب[3][4] [5]ج[6]",)
    # [5]..[6] moved inside the link, where it never was: its emphasis is dropped.
    out = doc.render(["[1]A [2]B[3] [5]C[6][4]"])
    assert out == "[A *B* C](https://x.example)\n"


def test_empty_translation_keeps_source() -> None:
    doc = segment("- مورد\n- دیگر\n")
    out, broken = doc.render_report(["", "other"])
    assert out == "- مورد\n- other\n" and broken == (0,)


def test_units_without_letters_are_not_sent() -> None:
    doc = segment("`only code`\n\n| 12 | x |\n|---|---|\n\n![](a.png)\n")
    assert doc.units == ("x",)
    assert doc.render(["y"]) == "`only code`\n\n| 12 | y |\n|---|---|\n\n![](a.png)\n"


def test_render_checks_count() -> None:
    with pytest.raises(ValueError, match="expected 1"):
        segment("سلام\n").render([])


def test_model_markdown_is_inert() -> None:
    out = translate_markdown("سلام\n", hostile)
    assert shape(out) == shape("سلام\n")
    assert "<script>" not in to_html(out)


def test_translate_inline() -> None:
    calls: list[Sequence[str]] = []

    def model(units: Sequence[str]) -> list[str]:
        calls.append(units)
        return ["Report [1] *now*"]

    assert translate_inline("گزارش  https://a.example/x\n", model) == (
        "Report https://a.example/x *now*"
    )
    assert calls == [["گزارش [1]"]] or calls == [("گزارش [1]",)]
    assert translate_inline("https://a.example", model) == "https://a.example"
    assert translate_inline("خبر", lambda us: ["News"]) == "News"


# ------------------------------------------------------------------------------------------
# Property: any Markdown, any model noise, same structure


WORDS = [
    "خبر", "دولت", "امروز", "گفت", "تهران", "news", "۱۴۰۲", "و", "است", "C#", "a_b", "2*3",
    "a|b", "&amp;", "x~y",
]  # fmt: skip
word = st.sampled_from(WORDS)
inline_item = st.one_of(
    word,
    word.map(lambda w: f"*{w}*"),
    word.map(lambda w: f"**{w} خبر**"),
    word.map(lambda w: f"_{w}_"),
    word.map(lambda w: f"~~{w} خبر~~"),
    st.tuples(word, st.integers(0, 3)).map(lambda t: f"[{t[0]}](https://ex.example/p{t[1]})"),
    st.tuples(word, word).map(lambda t: f'[{t[0]} *{t[1]}*](/rel/{len(t[1])} "عنوان")'),
    word.map(lambda w: f"`{w} | x`"),
    st.just("https://bare.example/q?a=1"),
    st.just("(www.bare.example/w)."),
    st.just("mail@bare.example"),
    st.just("<https://auto.example>"),
    word.map(lambda w: f"<b>{w}</b>"),
    st.just("[^1]"),
    st.just("![عکس](https://img.example/i.png)"),
    word.map(lambda w: f"![{w}](/i/{len(w)}.png '{w} «عنوان»')"),
    st.just("[مرجع][r]"),
    st.just("[مرجع با عنوان][t] ![عکس][t]"),
    st.just("[کوتاه]"),
    word.map(lambda w: f"{w}\\"),
)
inline = st.lists(inline_item, min_size=1, max_size=6).map(" ".join)
cell_word = word.filter(lambda w: "|" not in w)  # a pipe outside code splits a cell
cell = st.lists(
    st.one_of(cell_word, cell_word.map(lambda w: f"`{w}`")), min_size=1, max_size=3
).map(" ".join)


@st.composite
def table(draw: st.DrawFn) -> str:
    cols = draw(st.integers(1, 3))
    rows = draw(st.integers(1, 3))
    head = "| " + " | ".join(draw(cell) for _ in range(cols)) + " |"
    sep = "|" + "|".join("---" for _ in range(cols)) + "|"
    body = ["| " + " | ".join(draw(cell) for _ in range(cols)) + " |" for _ in range(rows)]
    return "\n".join([head, sep, *body])


block = st.one_of(
    st.tuples(st.integers(1, 4), inline).map(lambda t: "#" * t[0] + " " + t[1]),
    st.tuples(inline, st.sampled_from("=-")).map(lambda t: f"{t[0]}\n{t[1] * 5}"),
    st.lists(inline, min_size=1, max_size=3).map("\n".join),
    st.lists(inline, min_size=1, max_size=3).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
    st.lists(inline, min_size=1, max_size=3).map(
        lambda xs: "\n".join(f"{i}. {x}" for i, x in enumerate(xs, 1))
    ),
    st.tuples(inline, inline).map(lambda t: f"- {t[0]}\n    - {t[1]}"),
    st.tuples(inline, inline, inline).map(lambda t: f"* {t[0]}\n  1) {t[1]}\n     {t[2]}"),
    st.tuples(inline, word).map(lambda t: f"- {t[0]}\n\n  ```\n  {t[1]} *x*\n  ```\n- b"),
    st.tuples(inline, inline).map(lambda t: f"> {t[0]}\n{t[1]}"),
    st.tuples(inline, word).map(lambda t: f"> {t[0]}\n> ```\n> `{t[1]}`\n> ```"),
    st.tuples(inline, inline).map(lambda t: f"1. {t[0]}\n\n   > {t[1]}"),
    st.lists(inline, min_size=1, max_size=2).map(lambda xs: "\n".join(f"> {x}" for x in xs)),
    table(),
    word.map(lambda w: f"```python\nprint('{w}')  # *x* [a](b)\n\n  indented\n```"),
    st.just("    code block *x*"),
    st.just("---"),
    st.just("<div>\n*html* [x](y)\n</div>"),
    st.tuples(inline, inline).map(lambda t: f"[^2]: {t[0]}\n\n    {t[1]}"),
)
document = st.lists(block, min_size=1, max_size=6).map(
    lambda bs: (
        "\n\n".join(bs)
        + "\n\n[r]: https://ref.example\n[کوتاه]: /short\n[t]: /t.png \"عنوان 'مرجع'\"\n\n"
        "[^1]: پانویس *مهم*\n\n[^2] x\n"
    )
)
# SEGMENT_EXAMPLES=2000 for a longer search; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("SEGMENT_EXAMPLES", "100"))


@settings(max_examples=EXAMPLES, deadline=None)
@given(document, st.sampled_from(TRANSLATORS))
def test_structure_survives_any_translator(src: str, translate: Translator) -> None:
    doc = segment(src)
    for unit in doc.units:
        assert "https://" not in unit and "`" not in unit and "<b>" not in unit
    out = doc.render(translate(doc.units))
    assert shape(out) == shape(src)
