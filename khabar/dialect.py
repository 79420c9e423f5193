"""Where a body written for CommonMark or GitHub reads differently in Python-Markdown.

Khabar renders bodies with Python-Markdown (markup.py). A writer used to GitHub, or to an
editor that previews CommonMark, meets a few constructs that Python-Markdown reads another
way, without any error: a list right after a line of text stays text, a list nested by two
spaces is not nested, `~~struck~~` and bare URLs stay as written. `notes` finds those in a
body, line by line, so that `khabar check` can say where, and what to write instead. It
reads lines, not a syntax tree: it may miss a case, but each note names a line that reads
differently (code, in fences or spans, is never looked at).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

Note = tuple[int, str, str]  # line within the body (1-based), message, hint

_FENCE = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")
# What Python-Markdown's fenced_code accepts after the fence: a language, or {attributes}.
_PM_INFO = re.compile(r"""^[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=(["']).*?\1[ ]*)?)$""")
_ITEM = re.compile(r"^( *)([-*+]|[0-9]{1,9}[.)])(?:[ \t]+(.*)|$)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_QUOTE = re.compile(r"^ {0,3}> ?")
_HASHTAG = re.compile(r"^#{1,6}[^\s#]")
_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
_INDENTED_HEADING = re.compile(r"^ {1,3}#{1,6}(?:[ \t]|$)")
_TABLE_RULE = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_TASK = re.compile(r"^\[[ xX]\][ \t]")
_HTML_OPEN = re.compile(r"^ {0,3}<([A-Za-z][A-Za-z0-9]*)(?=[\s/>]|$)")
# The block-level tags that start raw HTML in Python-Markdown (markdown.util), less hr.
_HTML_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul", "canvas",
    "colgroup", "dd", "body", "dt", "group", "html", "iframe", "li", "legend", "math", "map",
    "noscript", "output", "object", "option", "progress", "script", "style", "summary",
    "tbody", "td", "textarea", "tfoot", "th", "thead", "tr", "video", "center"})
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")
_LINK = re.compile(r"""!?\[[^\]\n]*\]\((?:[^()\s]|\([^()\s]*\))*"""
                   r"""(?:[ \t]+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'))?\)""")
_TAG = re.compile(r"<[^<>\n]*>")
_MAYBE_LINK = re.compile(r"://|www\.|@", re.I)  # what a bare link or address needs
_REF_DEF = re.compile(r"^ {0,3}\[[^\]^][^\]]*\]:")
_STRIKE = re.compile(r"~~(?=\S)[^~\n]*?(?<=\S)~~")
_BARE_URL = re.compile(r"(?<![\w/@.])(?:https?://|www\.)[^\s<>]+", re.I)
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}")
_ESCAPE = re.compile(r"\\(.)")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@dataclass
class _Item:
    indent: int
    content: int  # the column its text starts at: where cmark-gfm wants a nested block
    ordered: bool


@dataclass
class _Scan:
    """One pass over a run of lines: the body, or the inside of one block quote."""

    enabled: frozenset[str]
    escapes: frozenset[str]
    notes: list[Note]
    quoted: bool = False
    # the block the last line belongs to: "" after a blank line, "para", "list", "swallowed"
    # (a paragraph that took a list in), "heading", "indented" (code), "fence", "table"...
    run: str = ""
    items: list[_Item] = field(default_factory=list)  # the open list items, outermost first
    noted: set[str] = field(default_factory=set)  # notes given once per body or quote

    def note(self, line: int, message: str, hint: str) -> None:
        self.notes.append((line, message, hint))

    def lines(self, lines: Sequence[tuple[int, str]]) -> None:
        i = 0
        while i < len(lines):
            i = self._line(lines, i)

    def _in_item(self, indent: int) -> bool:
        """Whether a line indented so far belongs to the open list item, for cmark-gfm."""
        return bool(self.items) and indent >= self.items[-1].content

    def _line(self, lines: Sequence[tuple[int, str]], i: int) -> int:
        """Reads the line at `i` (and those a block it opens takes); returns the next."""
        number, line = lines[i]
        if not line.strip():
            self.run = ""
            return i + 1
        indent = len(line) - len(line.lstrip(" "))
        if (m := _FENCE.match(line)) and (m.group(2)[0] == "~" or "`" not in m.group(3)) \
                and (indent < 4 or self._in_item(indent)):
            return self._fence(lines, i, m)
        if _QUOTE.match(line) and not self._in_item(indent):
            return self._quote(lines, i)
        if (m := _HTML_OPEN.match(line)) and m.group(1).lower() in _HTML_BLOCKS:
            return self._html(lines, i, m.group(1).lower())
        if _RULE.match(line):
            self.run, self.items = "rule", []
            return i + 1
        if i + 1 < len(lines) and "|" in line and "|" in lines[i + 1][1] \
                and _TABLE_RULE.match(lines[i + 1][1]) and not _ITEM.match(line):
            return self._table(lines, i)
        if (m := _ITEM.match(line)) and (m.group(3) or "").strip() and \
                (indent < 4 or self.items):
            self._item(number, indent, m)
        else:
            self._text(number, line, indent)
        if self.run != "indented":
            self._inline(number, line, lines[i + 1][1] if i + 1 < len(lines) else "")
        return i + 1

    def _fence(self, lines: Sequence[tuple[int, str]], i: int, m: re.Match[str]) -> int:
        number, indent = lines[i][0], len(m.group(1))
        fence, info = m.group(2), m.group(3)
        superfences = "pymdownx.superfences" in self.enabled
        in_item = self._in_item(indent)
        if not superfences:
            if self.quoted or in_item:
                where = "a quote" if self.quoted else "a list item"
                self.note(number, f"a fenced code block inside {where} is not read as code",
                          "put the code block outside it, or enable pymdownx.superfences")
            elif indent:
                self.note(number, "a code fence indented by spaces is not read as code",
                          "start the ``` line at the beginning of the line")
            elif not _PM_INFO.match(info):
                language = info.split()[0] if info.split() else ""
                self.note(number, "a code fence with more than a language after it is not "
                          "read as code", f"keep only the language: {fence}{language}")
        for j in range(i + 1, len(lines)):
            closing = lines[j][1].strip()
            if closing and set(closing) == {fence[0]} and len(closing) >= len(fence):
                if len(closing) != len(fence) and not superfences:
                    self.note(lines[j][0], "a closing fence longer than the opening one "
                              "does not close it", f"close with {fence}, as it was opened")
                self.run = "list" if in_item else "fence"
                if not in_item:
                    self.items = []
                return j + 1
        self.note(number, "a code fence that is never closed is shown as text",
                  f"close it with {fence} on a line of its own")
        return len(lines)

    def _quote(self, lines: Sequence[tuple[int, str]], i: int) -> int:
        inside: list[tuple[int, str]] = []
        j = i
        while j < len(lines) and (m := _QUOTE.match(lines[j][1])):
            inside.append((lines[j][0], lines[j][1][m.end():]))
            j += 1
        _Scan(self.enabled, self.escapes, self.notes, quoted=True).lines(inside)
        if j < len(lines) and (m := _ITEM.match(lines[j][1])) and (m.group(3) or "").strip():
            self.note(lines[j][0], "a list right after a quote, with no blank line between, "
                      "is read as part of the quote", "leave a blank line before the list")
            self.run, self.items = "swallowed", []
            return j + 1
        self.run, self.items = "quote", []
        return j

    def _html(self, lines: Sequence[tuple[int, str]], i: int, tag: str) -> int:
        """Python-Markdown takes raw HTML up to the tag's end, Markdown and blank lines
        included; cmark-gfm ends it at the first blank line and reads what follows."""
        opens = re.compile(rf"<{tag}(?=[\s/>])", re.I)
        closes = re.compile(rf"</{tag}\s*>", re.I)
        depth, blank, markdown_after_blank = 0, False, False
        own = "markdown=" in lines[i][1]  # md_in_html reads it
        for j in range(i, len(lines)):
            text = lines[j][1]
            if not text.strip():
                blank = True
                continue
            if blank and closes.sub("", text).strip():
                markdown_after_blank = True
            depth += len(opens.findall(text)) - len(closes.findall(text))
            if depth <= 0:
                if markdown_after_blank and not own:
                    self.note(lines[i][0], f"Markdown after a blank line inside <{tag}>…"
                              f"</{tag}> is shown as written", "write the HTML without "
                              f"blank lines inside, or enable md_in_html and write <{tag} "
                              'markdown="1">')
                self.run, self.items = "html", []
                return j + 1
        if markdown_after_blank and not own:
            self.note(lines[i][0], f"<{tag}> is never closed: everything after it is shown "
                      "as written", f"close it with </{tag}>")
        return len(lines)

    def _table(self, lines: Sequence[tuple[int, str]], i: int) -> int:
        if self.run == "para":
            self.note(lines[i][0], "a table right after a line of text, with no blank line "
                      "between, is read as text", "leave a blank line before the table")
        j = i + 2
        self._inline(lines[i][0], lines[i][1], "")
        while j < len(lines) and lines[j][1].strip() and not _ITEM.match(lines[j][1]):
            self._inline(lines[j][0], lines[j][1], "")
            j += 1
        if j < len(lines) and lines[j][1].strip():
            self.note(lines[j][0], "a list right after a table, with no blank line between, "
                      "is read as a row of the table", "leave a blank line before the list")
            self.run, self.items = "swallowed", []
            return j + 1
        self.run, self.items = "table", []
        return j

    def _item(self, number: int, indent: int, m: re.Match[str]) -> None:
        marker, rest = m.group(2), m.group(3) or ""
        if marker.endswith(")"):
            if "paren" not in self.noted:
                self.noted.add("paren")
                self.note(number, f"'{marker}' does not start a list item",
                          f"write '{marker[:-1]}.' (a number and a full stop)")
            self._text(number, m.group(0), indent)
            return
        if self.run == "para":
            self.note(number, "a list right after a line of text, with no blank line between, "
                      "is read as part of that text", "leave a blank line before the list")
        if self.run in ("para", "swallowed"):
            self.run, self.items = "swallowed", []
            return
        gap = len(m.group(0)) - indent - len(marker) - len(rest)
        item = _Item(indent, indent + len(marker) + (gap if gap <= 4 else 1), marker[-1] == ".")
        if self.run not in ("", "list"):
            self.items = []
        while self.items and indent < self.items[-1].indent:
            self.items.pop()
        top = self.items[-1] if self.items else None
        if top is None:
            self.items = [item]
        elif indent < top.content:  # the next item of the same list, or of another kind
            if item.ordered != top.ordered and self.run == "list":
                self.note(number, "a list item of the other kind (numbered or bulleted) right "
                          "after a list is read as part of the last item",
                          "leave a blank line between the two lists")
            self.items[-1] = item
        else:  # nested: cmark-gfm nests at the parent's text, Python-Markdown at 4 spaces
            if indent - top.indent < 4:
                self.note(number, "a nested list indented by fewer than 4 spaces is not nested",
                          "indent the nested list by 4 spaces more than its parent")
            self.items.append(item)
        if _TASK.match(rest) and "pymdownx.tasklist" not in self.enabled \
                and "task" not in self.noted:
            self.noted.add("task")
            self.note(number, "a task list box [ ] or [x] is shown as written",
                      "write the item without the box, or with ☐ / ☑")
        self.run = "list"

    def _text(self, number: int, line: str, indent: int) -> None:
        if _HASHTAG.match(line):
            self.note(number, "a line starting with # and a word is read as a heading",
                      "write \\# for a hashtag at the start of a line, or put a space "
                      "after # for a heading")
            self.run = "heading"
            return
        if _HEADING.match(line):
            self.run = "heading"
            return
        if self.run == "" and self.items:  # after a blank line in a list
            top = self.items[-1]
            if indent >= top.content and indent - top.indent < 4:
                if "para" not in self.noted:
                    self.noted.add("para")
                    self.note(number, "a paragraph of a list item indented by fewer than 4 "
                              "spaces ends the list", "indent it by 4 spaces")
                self.run = "list"
                return
            if indent >= top.content:
                self.run = "list"
                return
            self.items = []
        if self.run in ("", "indented") and indent >= 4 and not self.items:
            self.run = "indented"
            return
        if _INDENTED_HEADING.match(line) and not self.items and self.run != "swallowed":
            self.note(number, "a heading indented by spaces is read as text",
                      "start the line with #")
        if self.run not in ("list", "swallowed"):
            self.run = "para"

    def _inline(self, number: int, line: str, following: str) -> None:
        """Strikethrough, bare links, backslashes: on the line's text outside code."""
        text = _CODE_SPAN.sub("", line) if "`" in line else line
        if "~~" in text and "pymdownx.tilde" not in self.enabled and _STRIKE.search(text):
            self.note(number, "~~text~~ is shown as written, not struck through",
                      "write <del>text</del>, or enable pymdownx.tilde")
        if "pymdownx.magiclink" not in self.enabled and _MAYBE_LINK.search(text) \
                and not _REF_DEF.match(text):
            bare = _TAG.sub("", _LINK.sub("", text))
            if (m := _BARE_URL.search(bare)) or (m := _EMAIL.search(bare)):
                found = m.group(0).rstrip(".,;:!?)»،؛")
                scheme = "https://" if found.lower().startswith("www.") else ""
                self.note(number, f"{found} is not made a link",
                          f"write <{scheme}{found}>, or [text]({scheme}{found})")
        if "\\" not in text or "pymdownx.escapeall" in self.enabled:
            return
        trailing = len(text) - len(text.rstrip("\\"))
        if trailing % 2 and following.strip():
            self.note(number, "a backslash at the end of a line is shown, not a line break",
                      "end the line with two spaces, or write <br>")
        for m in _ESCAPE.finditer(text):
            char = m.group(1)
            if char in _ASCII_PUNCTUATION and char not in self.escapes:
                self.note(number, f"the backslash in \\{char} is shown", f"write {char} alone")
                break


@lru_cache(maxsize=16)
def _escapes(extensions: tuple[str, ...]) -> frozenset[str]:
    """The characters a backslash escapes, with these extensions (smarty adds quotes)."""
    import markdown

    from .markup import BUILTIN_EXTENSIONS

    try:
        md = markdown.Markdown(extensions=[*BUILTIN_EXTENSIONS, *extensions])
    except Exception:  # an extension that does not load: config.py reports it
        md = markdown.Markdown(extensions=list(BUILTIN_EXTENSIONS))
    return frozenset(md.ESCAPED_CHARS)


def _crowded(body: str) -> list[Note]:
    """Blocks with so many `[` that the renderer shows them as text (markup._set_aside)."""
    from .markup import BRACKETS_PER_BLOCK, crowded_blocks  # the renderer's own rule

    out: list[Note] = []
    line = 1
    for crowded, block in crowded_blocks(body) or []:
        if crowded:
            out.append((line, f"more than {BRACKETS_PER_BLOCK:,} '[' in one paragraph: its "
                        "links are not read, it is shown as written",
                        "split the paragraph, or write its brackets as \\["))
        line += block.count("\n")
    return out


def notes(body: str, extensions: Sequence[str] = ()) -> list[Note]:
    """(line, message, hint) for each construct of `body` that Python-Markdown, with
    these extensions, reads differently from CommonMark / GitHub; in line order."""
    enabled = frozenset(extensions)
    found: list[Note] = _crowded(body)
    # what a backslash escapes matters only where there is one (and costs a Markdown)
    escapes = _escapes(tuple(sorted(enabled))) if "\\" in body else frozenset()
    scan = _Scan(enabled, escapes, found)
    scan.lines([(n, line) for n, line in enumerate(body.split("\n"), start=1)])
    return sorted(set(found))
