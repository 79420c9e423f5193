"""A body through the real argostranslate model (tests/argos_fixture.py: tiny, random weights):
its English is noise, but every heading, list item, table cell, link target and code span must
come through, as Python-Markdown renders the result."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html.parser import HTMLParser

import markdown
from argos_fixture import ArgosEnv

from khabar.translate.engine import ArgosEngine
from khabar.translate.segment import segment
from khabar.translate.split import join, split_sentences

BODY = """## پیشینه خبر

نیروهای دولت با [منابع](https://example.org/src) در تهران دیدار کردند و `کد` را گفتند.[^1]
قیمت نفت *امروز* افزایش یافت.

- مورد اول با [پیوند](https://example.org/a "منبع خبر") درباره بازار
    - مورد تو در تو با `x = 1` و **ارز**
    - مورد دیگر
- مورد دوم از [گزارش][r]

1. وزیر امور خارجه گفت
2. مذاکره ادامه دارد

| ستون | مقدار |
|---|---|
| نفت | `۳.۵` درصد |
| دلار | [نرخ](https://example.org/rate) |

### نتیجه

> رئیس جمهور گفت که توافق هسته‌ای نزدیک است.

[^1]: پانویس درباره [گزارش](https://example.org/fn) امروز.

[r]: https://example.org/ref "گزارش کامل"
"""
BLOCKS = {"h1", "h2", "h3", "h4", "ul", "ol", "li", "table", "tr", "th", "td", "blockquote"}


class _Structure(HTMLParser):
    """The block elements with their nesting, every link target, every code span's text."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.links: Counter[str] = Counter()
        self.code: Counter[str] = Counter()
        self.titled = 0  # links with a title (a footnote's backlink aside)
        self.in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCKS:
            self.blocks.append(f"<{tag}>")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.links[href] += 1
            self.titled += "title" in dict(attrs) and not href.startswith("#")
        if tag == "code":
            self.in_code = True

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.blocks.append(f"</{tag}>")
        if tag == "code":
            self.in_code = False

    def handle_data(self, data: str) -> None:
        if self.in_code:
            self.code[data] += 1


def structure(body: str) -> _Structure:
    parser = _Structure()
    parser.feed(markdown.markdown(body, extensions=["tables", "footnotes", "fenced_code",
                                                    "sane_lists"]))
    return parser


def test_real_model_keeps_headings_items_cells_links_and_code(argos_env: ArgosEnv) -> None:
    engine = ArgosEngine.load("fa", "en")

    def translate(units: Sequence[str]) -> list[str]:
        # as `khabar translate` does: sentences to the model, joined back per unit
        split = [split_sentences(u) for u in units]
        flat = engine.translate([s for sentences in split for s in sentences])
        out, pos = [], 0
        for sentences in split:
            out.append(join(flat[pos : pos + len(sentences)]))
            pos += len(sentences)
        return out

    doc = segment(BODY)
    assert "h2" in doc.kinds and "td" in doc.kinds and "li" in doc.kinds
    assert doc.kinds.count("title") == 2
    assert not any("https://" in u or "`" in u for u in doc.units)
    out, _broken = doc.render_report(translate(doc.units))
    assert out != BODY
    before, after = structure(BODY), structure(out)
    assert after.blocks == before.blocks
    assert after.links == before.links
    assert after.code == before.code
    assert after.titled == before.titled == 2  # translated titles are still titles
    assert "https://example.org/ref" in out  # the reference link, as an inline link
