"""Link and image titles are units of their own, like alt text: translated, and written back
inside the link or image markup, quoted so that Python-Markdown shows exactly the translation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.translate import segment_restore
from khabar.translate.segment import segment, translate_markdown
from khabar.translate.segment_restore import Style

BUILTIN = ["tables", "footnotes", "fenced_code", "sane_lists"]


def fake(units: Sequence[str]) -> list[str]:
    return ["T<" + u + ">" for u in units]


class _Attrs(HTMLParser):
    """Every `a` and `img` with its attributes, and every element's name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("a", "img"):
            self.found.append((tag, dict(attrs)))


def elements(text: str, extensions: Sequence[str] = ()) -> _Attrs:
    parser = _Attrs()
    parser.feed(markdown.markdown(text, extensions=[*BUILTIN, *extensions]))
    parser.close()
    return parser


def links(text: str, extensions: Sequence[str] = ()) -> list[tuple[str, dict[str, str | None]]]:
    """Each link and image of the rendered text: tag and attributes (html.parser decodes
    character references, as a browser does)."""
    return elements(text, extensions).found


BODY = """این یک [پیوند](https://x.org "عنوان پیوند") است.

![متن جایگزین](/images/a.png "عنوان تصویر")

متن [مرجع][r] اینجا و ![عکس][i] آنجا.

[r]: https://y.org "عنوان مرجع"
[i]: /images/b.png 'عنوان عکس'
"""


def test_titles_are_translated() -> None:
    out = translate_markdown(BODY, fake)
    assert links(out) == [
        ("a", {"href": "https://x.org", "title": "T<عنوان پیوند>"}),
        ("img", {"alt": "T<متن جایگزین>", "src": "/images/a.png", "title": "T<عنوان تصویر>"}),
        ("a", {"href": "https://y.org", "title": "T<عنوان مرجع>"}),
        ("img", {"alt": "T<عکس>", "src": "/images/b.png", "title": "T<عنوان عکس>"}),
    ]
    html = markdown.markdown(out, extensions=BUILTIN)
    assert 'title="T&lt;عنوان پیوند&gt;"' in html
    kept = re.sub(r"^\[[ri]\]: .*$", "", out, flags=re.M)
    assert all(f'"{t}"' not in kept for t in ("عنوان پیوند", "عنوان تصویر", "عنوان مرجع"))
    # the link texts are translated as before, in their sentence's unit
    assert ">پیوند</a>" in html and "T&lt;این یک " in html
    assert ">مرجع</a>" in html and "T&lt;متن " in html
    # reference definitions stay; the links are written inline
    assert out.endswith('[r]: https://y.org "عنوان مرجع"\n[i]: /images/b.png \'عنوان عکس\'\n')
    assert '[مرجع](https://y.org "T&lt;عنوان مرجع>")' in out


def test_titles_are_units_of_their_own() -> None:
    doc = segment(BODY)
    assert doc.units == (
        "عنوان پیوند", "این یک [1]پیوند[2] است.",
        "متن جایگزین", "عنوان تصویر",
        "عنوان مرجع", "عکس", "عنوان عکس", "متن [1]مرجع[2] اینجا و [3] آنجا.",
    )  # fmt: skip
    assert doc.kinds == ("title", "p", "img", "title", "title", "img", "title", "p")
    out, broken = doc.render_report(
        ["Link title", "This is a [1]link[2].", "Alt text", "Image title",
         "Reference title", "Photo", "Photo title", "A [1]reference[2] here and [3] there."]
    )
    assert broken == ()
    assert out.split("\n\n")[:3] == [
        'This is a [link](https://x.org "Link title").',
        '![Alt text](/images/a.png "Image title")',
        'A [reference](https://y.org "Reference title") here and '
        '![Photo](/images/b.png "Photo title") there.',
    ]


def test_no_titles_no_new_units() -> None:
    src = (
        "متن [پیوند](https://x.org) و ![عکس](/a.png) و [مرجع][r] و [کوتاه].\n\n"
        "- مورد [دیگر](/b)\n\n| الف | ![ب](/c.png) |\n|---|---|\n| ج | د |\n\n"
        "[r]: https://y.org\n[کوتاه]: /s\n"
    )
    doc = segment(src)
    assert len(doc.inline) == 8 and "title" not in doc.tags
    assert doc.units == (
        "عکس", "متن [1]پیوند[2] و [3] و [4]مرجع[5] و [6]کوتاه[7].",
        "مورد [1]دیگر[2]", "الف", "ب", "ج", "د",
    )
    # the same body with titles: one more unit for each
    titled = src.replace("(https://x.org)", '(https://x.org "الف")').replace(
        "(/a.png)", '(/a.png "ب")').replace("(/b)", "(/b 'ج')").replace(
        "https://y.org\n", 'https://y.org "د"\n').replace("(/c.png)", '(/c.png "ه")')
    assert len(segment(titled).inline) == 13
    assert segment(titled).tags.count("title") == 5


def test_a_title_with_double_quotes_stays_a_title() -> None:
    src = 'این [پیوند](https://x.org "عنوان") و ![عکس](/a.png "عنوان تصویر") است.\n'
    doc = segment(src)
    assert doc.kinds == ("title", "img", "title", "p")
    said = 'He said "no" (twice)'
    both = "it's \"quoted\" [x] & <b> \\ *y*"
    out, broken = doc.render_report([said, "photo", both, "this [1]link[2] and [3]."])
    assert broken == ()
    assert links(out) == [
        ("a", {"href": "https://x.org", "title": said}),
        ("img", {"alt": "photo", "src": "/a.png", "title": both}),
    ]
    assert "<b>" not in markdown.markdown(out)


@pytest.mark.parametrize(
    "title",
    ['"quoted"', "'quoted'", '"', "'", "'a\"", "a)", '") [x](/evil "', "\\", "`code`", "a | b",
     "&amp; &#39;", "x  \t y", "https://z.example/p_(q)", "#", "1. item"],
)
def test_any_translated_title_is_shown_as_translated(title: str) -> None:
    for src in ('متن [پیوند](/x "عنوان") و ![عکس](/y "عنوان")\n',
                "| a | [پیوند](/x 'عنوان') ![عکس](</y z> \"عنوان\") |\n|---|---|\n"):
        doc = segment(src)
        said = [title if kind == "title" else u
                for u, kind in zip(doc.units, doc.kinds, strict=True)]
        out, broken = doc.render_report(said)
        assert broken == (), out
        shown = [attrs.get("title") for _tag, attrs in links(out)]
        assert shown == [" ".join(title.split())] * 2, out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab خ1 \"'()[]\\*_`&<>#|!{}~.-:;=")), min_size=1))
def test_quoted_titles_read_back(title: str) -> None:
    out = translate_markdown('متن [پیوند](/x "عنوان")\n',
                             lambda us: [title if u == "عنوان" else u for u in us])
    found = links(out)
    assert len(found) == 1 and found[0][1]["href"] == "/x", out
    expected = " ".join(title.split())
    assert found[0][1]["title"] == (expected or "عنوان"), out


def test_title_in_a_list_item_and_a_table_cell() -> None:
    src = (
        "- مورد [پیوند](https://x.org \"عنوان یک\")\n"
        "    - تو در تو ![عکس](/a.png 'عنوان دو')\n\n"
        "| ستون | مقدار |\n|---|---|\n"
        "| [نرخ](https://r.org \"عنوان سه\") | ![ب](/b.png \"چهار\") |\n"
    )
    doc = segment(src)
    # the last cell holds only an image: its alt and title are sent, the cell's `[1]` is not
    assert doc.kinds == ("title", "li", "img", "title", "li", "th", "th", "title", "td",
                         "img", "title")
    out = doc.render(fake(doc.units))
    assert [attrs.get("title") for _tag, attrs in links(out)] == [
        "T<عنوان یک>", "T<عنوان دو>", "T<عنوان سه>", "T<چهار>",
    ]
    before, after = elements(src), elements(out)
    assert after.tags == before.tags  # the list still nests, the table is still a table
    assert [a.get("href") or a.get("src") for _t, a in after.found] == [
        a.get("href") or a.get("src") for _t, a in before.found
    ]
    # a pipe in a title translated in a cell does not split the cell
    piped = doc.render([u.replace("عنوان سه", "a | b") for u in fake(doc.units)])
    assert elements(piped).tags == before.tags
    assert links(piped)[2][1]["title"] == "T<a | b>"


def test_a_title_of_digits_or_code_is_kept() -> None:
    src = 'متن [پیوند](/x "2024") و [دیگر](/y "`کد`") و ![عکس](/z "۱۴۰۳ - 12")\n'
    doc = segment(src)
    assert "title" not in doc.tags
    assert doc.units == ("عکس", "متن [1]پیوند[2] و [3]دیگر[4] و [5]")
    out = doc.render(["photo", "text [1]link[2] and [3]other[4] and [5]"])
    assert out == (
        'text [link](/x "2024") and [other](/y "`کد`") and ![photo](/z "۱۴۰۳ - 12")\n'
    )


def test_a_title_holding_a_url_keeps_it() -> None:
    doc = segment('متن [پیوند](/x "منبع: https://s.example/a") است\n')
    assert doc.units[0] == "منبع: [1]"
    out = doc.render(["Source: [1]", "text [1]link[2]"])
    assert links(out)[0][1]["title"] == "Source: https://s.example/a"


def test_a_blank_translated_title_keeps_the_source_title() -> None:
    doc = segment('متن [پیوند](/x "عنوان")\n')
    out = doc.render(["  ", "text [1]link[2]"])
    assert out == 'text [link](/x "عنوان")\n'


def test_escapes_and_entities_in_a_source_title() -> None:
    doc = segment('متن [پیوند](/x "عنوان \\*ستاره\\* &amp; دیگر")\n')
    assert doc.units[0] == "عنوان *ستاره* & دیگر"
    out = doc.render(["a *star* & more", "text [1]link[2]"])
    assert links(out)[0][1]["title"] == "a *star* & more"


def test_a_title_after_which_attributes_follow() -> None:
    ext = ["attr_list"]
    src = '![عکس](/a.png "عنوان"){: .wide } و [پیوند](/x "دیگر"){: .c }\n'
    doc = segment(src, ext)
    assert doc.kinds == ("img", "title", "title", "p")
    out = doc.render(["photo", "Title", "Other", "[1] and [2]link[3]"])
    assert out == '![photo](/a.png "Title"){: .wide } and [link](/x "Other"){: .c }\n'
    assert [a.get("title") for _t, a in links(out, ext)] == ["Title", "Other"]
    assert [a.get("class") for _t, a in links(out, ext)] == ["wide", "c"]


def test_an_image_inside_a_link() -> None:
    src = '[![عکس](/a.png "عنوان عکس") متن](/x "عنوان پیوند")\n'
    out = translate_markdown(src, fake)
    assert [a.get("title") for _t, a in links(out)] == ["T<عنوان پیوند>", "T<عنوان عکس>"]


def test_a_title_that_does_not_read_back_keeps_the_source(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rebuilt line is read back: a title Python-Markdown would show otherwise than
    translated (here: written unescaped, so its `")` ends the link early) is caught, and the
    unit keeps its source text."""
    def careless(text: str, style: Style, *, cell: bool = False) -> str:
        return '"' + text + '"'

    monkeypatch.setattr(segment_restore, "quote_title", careless)
    src = 'متن [پیوند](/x "عنوان") است\n'
    doc = segment(src)
    out, broken = doc.render_report(['a ") b', "text [1]link[2] here"])
    assert out == src and broken == (1,)
    out, broken = doc.render_report(["fine", "text [1]link[2] here"])
    assert out == 'text [link](/x "fine") here\n' and broken == ()


def test_reviewed_and_xliff_pairing_sees_the_same_kinds() -> None:
    """A translated page (as Khabar writes it) segments to units of the same kinds, so
    xliff.py and human.py pair them one to one."""
    ours = segment(BODY)
    theirs = segment(ours.render(fake(ours.units)))
    assert ours.tags == theirs.tags and len(ours.inline) == len(theirs.inline)
    assert ours.kinds == theirs.kinds

