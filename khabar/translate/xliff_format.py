"""The two XLIFF dialects translators' tools read: 2.0 (the default) and 1.2.

xliff.py decides what a story's units are; this module only writes them and reads them
back. A unit is one block of a story (`title`, `summary`, `body.N`, `image.alt`...), cut
into sentences as `khabar translate` cut it; each placeholder of a sentence (`[1]`) stands
for Markdown (a link, emphasis, code) and travels as an XLIFF inline code holding that
Markdown, so a translator moves codes, never Markdown.

* XLIFF 2.0 (OASIS, 2014): a `<unit>` per block, a `<segment>` per sentence with
  `state="translated"`, the Markdown in the unit's `<originalData>`; a pair whose two
  halves are in one sentence and nest is a `<pc>` around its text, any other half an
  `<sc>`/`<ec>` (`isolated="yes"` when the other half is not on that side of the unit), an
  item a `<ph>`; a code the model wrote twice is a copy (`copyOf`). Notes carry the
  model's confidence; the file's note names the original's version. `canResegment="no"`:
  Khabar matches sentences back by position.
* XLIFF 1.2 (OASIS, 2008), which every older tool reads: a `<trans-unit>` per sentence
  (`body.3#2`), `state="needs-review-translation"`, pairs as `<bpt>`/`<ept>`, other halves
  as `<it>`, items as `<ph>`, each holding its Markdown.

Both are checked against OASIS's own schemas in the tests (tests/test_xliff.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .segment_units import TOKEN_RE
from .tmx import _DIGITS, Placeholder

NS_12 = "urn:oasis:names:tc:xliff:document:1.2"
NS_20 = "urn:oasis:names:tc:xliff:document:2.0"
VERSIONS = ("2.0", "1.2")
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
HASH_NOTE = "source_sha256 "  # the note naming the original's version
NEEDS_REVIEW = "needs-review-translation"
_PAIR_TYPES_12 = {"link": "link", "em": "italic", "strong": "bold"}
_ITEM_TYPES_12 = {"image": "image", "break": "lb"}
# XLIFF 2.0 `type` and `subType` (xlf:b, xlf:i, xlf:lb are the spec's own)
_TYPES_20: dict[str, tuple[str, str | None]] = {
    "link": ("link", None), "em": ("fmt", "xlf:i"), "strong": ("fmt", "xlf:b"),
    "image": ("image", None), "break": ("fmt", "xlf:lb"),
}


@dataclass(frozen=True)
class Pair:
    """One sentence of a unit: the original, the translation, what to tell the reviewer."""

    source: str
    target: str
    note: str | None = None


@dataclass(frozen=True)
class OutUnit:
    """One block of a story as it is written: its id, its sentences, what `[n]` stands for."""

    uid: str
    pairs: tuple[Pair, ...]
    tokens: tuple[Placeholder, ...]
    whole: bool = False  # its two sides split into different numbers of sentences: one pair


@dataclass(frozen=True)
class Head:
    """What the file says of the story: its original, languages and version."""

    original: str
    source_lang: str
    target_lang: str
    source_sha256: str
    source_dir: str = "auto"
    target_dir: str = "auto"


@dataclass(frozen=True)
class InSegment:
    """One sentence read back: the unit (block) it belongs to, its two sides as elements."""

    unit: str
    source: Any
    target: Any | None


@dataclass(frozen=True)
class Read:
    """An XLIFF file read back."""

    version: str
    head: Head
    segments: tuple[InSegment, ...]

    def plain(self, el: Any, tokens: Sequence[Placeholder]) -> str:
        """A `<source>`/`<target>` as a sentence with placeholders again."""
        return (_plain_20 if self.version == "2.0" else _plain_12)(el, tokens)


def document(version: str, head: Head, units: Sequence[OutUnit]) -> bytes:
    """The XLIFF file of one story, in `version` (2.0 or 1.2)."""
    root = (_document_20 if version == "2.0" else _document_12)(head, units)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))


def read(root: Any) -> Read | str:
    """A parsed file's story and sentences; what is wrong with it instead."""
    if root.tag == f"{{{NS_20}}}xliff":
        return _read_20(root)
    if root.tag == f"{{{NS_12}}}xliff":
        return _read_12(root)
    return "not an XLIFF 2.0 or 1.2 file"


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _found(value: str, tokens: Sequence[Placeholder]) -> list[tuple[Any, int]]:
    numbers = {t.number for t in tokens}
    return [(m, n) for m in TOKEN_RE.finditer(value)
            if (n := int(m.group(1).translate(_DIGITS))) in numbers]


class _Writer:
    """Text and inline elements appended to one element, in order."""

    def __init__(self, parent: Any) -> None:
        self.parent = parent
        self.parent.text = ""
        self.last: Any = None

    def text(self, value: str) -> None:
        if self.last is None:
            self.parent.text += value
        else:
            self.last.tail = (self.last.tail or "") + value

    def element(self, tag: str, **attrs: str) -> Any:
        self.last = etree.SubElement(self.parent, tag, attrs)
        return self.last


# ---- XLIFF 2.0 ----

def _user_type(kind: str) -> str | None:
    """`khabar:code` for a kind XLIFF names no type for: what it is, for a tool to show."""
    name = "".join(c for c in kind.lower() if c.isalnum() or c == "-")
    return f"khabar:{name}" if name else None

def _q20(tag: str) -> str:
    return f"{{{NS_20}}}{tag}"


def _document_20(head: Head, units: Sequence[OutUnit]) -> Any:
    root = etree.Element(_q20("xliff"), nsmap={None: NS_20}, version="2.0",
                         srcLang=head.source_lang, trgLang=head.target_lang)
    file = etree.SubElement(root, _q20("file"), id="f1", original=head.original,
                            canResegment="no", srcDir=head.source_dir,
                            trgDir=head.target_dir)
    notes = etree.SubElement(file, _q20("notes"))
    etree.SubElement(notes, _q20("note"), id="source_sha256", category="khabar").text = \
        HASH_NOTE + head.source_sha256
    for unit in units:
        el = etree.SubElement(file, _q20("unit"), id=unit.uid, name=unit.uid)
        el.set(XML_SPACE, "preserve")
        said = [(i, p.note) for i, p in enumerate(unit.pairs, 1) if p.note]
        if said:
            box = etree.SubElement(el, _q20("notes"))
            for i, note in said:
                etree.SubElement(box, _q20("note"), appliesTo="target",
                                 category="khabar:confidence").text = f"s{i}: {note}"
        table = {t.number: t for t in unit.tokens}
        used = sorted({n for p in unit.pairs for side in (p.source, p.target)
                       for _m, n in _found(side, unit.tokens)})
        if used:
            data = etree.SubElement(el, _q20("originalData"))
            for n in used:
                etree.SubElement(data, _q20("data"), id=f"d{n}").text = table[n].markup
        sides = {"source": _Side([p.source for p in unit.pairs], unit.tokens),
                 "target": _Side([p.target for p in unit.pairs], unit.tokens)}
        for i, pair in enumerate(unit.pairs, 1):
            segment = etree.SubElement(el, _q20("segment"), id=f"s{i}", state="translated")
            for name, value in (("source", pair.source), ("target", pair.target)):
                sides[name].write(etree.SubElement(segment, _q20(name)), i - 1, value)
    return root


class _Side:
    """One side (the sources or the targets) of a 2.0 unit: which codes pair up across its
    segments, which are copies of a code written before."""

    def __init__(self, values: Sequence[str], tokens: Sequence[Placeholder]) -> None:
        self.table = {t.number: t for t in tokens}
        self.order = [[n for _m, n in _found(v, tokens)] for v in values]
        flat = [n for row in self.order for n in row]
        self.count = Counter(flat)
        self.first = {n: flat.index(n) for n in self.count}

    def _partnered(self, n: int) -> bool:
        """Whether code n's other half is on this side once, on the right side of it."""
        t = self.table[n]
        if self.count[n] != 1 or self.count.get(t.pair) != 1:
            return False
        return (self.first[t.pair] > self.first[n]) == (t.role == "open")

    def _nested(self, row: Sequence[int]) -> bool:
        """Whether every pair code of one segment has its other half in it, nesting."""
        stack: list[int] = []
        for n in row:
            t = self.table[n]
            if t.role == "opaque":
                continue
            if not self._partnered(n) or t.pair not in row:
                return False
            if t.role == "open":
                stack.append(n)
            elif not stack or stack.pop() != t.pair:
                return False
        return not stack

    def write(self, parent: Any, index: int, value: str) -> None:
        out = _Writer(parent)
        pc = self._nested(self.order[index])
        seen: Counter[int] = Counter()
        before = sum(len(r) for r in self.order[:index])
        stack: list[_Writer] = [out]
        pos = 0
        for k, (m, n) in enumerate(_found(value, list(self.table.values()))):
            stack[-1].text(value[pos:m.start()])
            pos = m.end()
            t = self.table[n]
            seen[n] += 1
            copy = before + k != self.first[n]
            ident = f"{n}c{seen[n]}" if copy else str(n)
            attrs = {"id": ident}
            if copy:
                attrs["copyOf"] = str(n)
            kind, sub = _TYPES_20.get(t.kind, ("other", _user_type(t.kind)))
            if t.role == "opaque":
                el = stack[-1].element(_q20("ph"), **attrs, dataRef=f"d{n}")
            elif pc and t.role == "open":
                el = stack[-1].element(_q20("pc"), **attrs, dataRefStart=f"d{n}",
                                       dataRefEnd=f"d{t.pair}")
                stack.append(_Writer(el))
            elif pc:
                stack.pop()
                continue
            elif t.role == "open":
                el = stack[-1].element(_q20("sc"), **attrs, dataRef=f"d{n}")
                if copy or not self._partnered(n):
                    el.set("isolated", "yes")
            elif not copy and self._partnered(n):
                el = stack[-1].element(_q20("ec"), startRef=str(t.pair), dataRef=f"d{n}")
            else:
                el = stack[-1].element(_q20("ec"), **attrs, isolated="yes", dataRef=f"d{n}")
            if t.role != "close" or not pc:
                el.set("type", kind)
                if sub is not None:
                    el.set("subType", sub)
        stack[-1].text(value[pos:])


def _plain_20(el: Any, tokens: Sequence[Placeholder]) -> str:
    table = {t.number: t for t in tokens}
    out = [el.text or ""]
    for child in el:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        n = _number(child.get("copyOf") or child.get("id"))
        if tag == "ec" and child.get("startRef") and not child.get("copyOf"):
            start = table.get(_number(child.get("startRef")))
            n = start.pair if start is not None else 0
        if tag == "pc" and n in table:
            out.append(f"[{n}]{_plain_20(child, tokens)}[{table[n].pair}]")
        elif tag in ("ph", "sc", "ec") and n in table:
            out.append(f"[{n}]")
        elif tag in ("pc", "mrk"):
            out.append(_plain_20(child, tokens))
        elif tag == "cp":
            out.append(chr(int(child.get("hex", "0"), 16)))
        out.append(child.tail or "")
    return "".join(out)


def _the_file(root: Any, tag: str) -> Any:
    """The file's one `<file>` element (Khabar writes one story per file), or None."""
    files = root.findall(tag)
    return files[0] if len(files) == 1 else None


_NOT_ONE = "not one story: Khabar writes one <file> per XLIFF file"


def _read_20(root: Any) -> Read | str:
    file = _the_file(root, _q20("file"))
    if file is None:
        return _NOT_ONE
    sha = ""
    for note in file.findall(f"{_q20('notes')}/{_q20('note')}"):
        if (note.text or "").startswith(HASH_NOTE):
            sha = (note.text or "")[len(HASH_NOTE):].strip()
    head = Head(file.get("original", ""), root.get("srcLang", ""), root.get("trgLang", ""),
                sha)
    segments = [InSegment(unit.get("id", ""), seg.find(_q20("source")),
                          seg.find(_q20("target")))
                for unit in file.iter(_q20("unit"))
                for seg in unit.findall(_q20("segment"))]
    return Read("2.0", head, tuple(segments))


# ---- XLIFF 1.2 ----

def _q12(tag: str) -> str:
    return f"{{{NS_12}}}{tag}"


def _document_12(head: Head, units: Sequence[OutUnit]) -> Any:
    root = etree.Element(_q12("xliff"), nsmap={None: NS_12}, version="1.2")
    file = etree.SubElement(root, _q12("file"), original=head.original,
                            datatype="x-markdown")
    file.set("source-language", head.source_lang)
    file.set("target-language", head.target_lang)
    header = etree.SubElement(file, _q12("header"))
    etree.SubElement(header, _q12("note"), {"from": "khabar"}).text = \
        HASH_NOTE + head.source_sha256
    body = etree.SubElement(file, _q12("body"))
    for unit in units:
        for uid, pair in _ids_12(unit):
            el = etree.SubElement(body, _q12("trans-unit"), id=uid, resname=unit.uid)
            el.set(XML_SPACE, "preserve")
            _inline_12(etree.SubElement(el, _q12("source")), pair.source, unit.tokens)
            target = etree.SubElement(el, _q12("target"), state=NEEDS_REVIEW)
            _inline_12(target, pair.target, unit.tokens)
            if pair.note:
                etree.SubElement(el, _q12("note"), {"from": "khabar"}).text = pair.note
    return root


def _ids_12(unit: OutUnit) -> Iterator[tuple[str, Pair]]:
    """`body.3#2` per sentence; a unit kept whole (its sides split differently) is `body.3`."""
    if unit.whole:
        yield unit.uid, unit.pairs[0]
        return
    for i, pair in enumerate(unit.pairs, 1):
        yield f"{unit.uid}#{i}", pair


def _inline_12(parent: Any, value: str, tokens: Sequence[Placeholder]) -> None:
    table = {t.number: t for t in tokens}
    found = _found(value, tokens)
    count = Counter(n for _m, n in found)
    first: dict[int, int] = {}
    for index, (_m, n) in enumerate(found):
        first.setdefault(n, index)
    out = _Writer(parent)
    pos = 0
    for index, (m, n) in enumerate(found):
        out.text(value[pos:m.start()])
        pos = m.end()
        t = table[n]
        paired = (t.role in ("open", "close") and count.get(n) == 1
                  and count.get(t.pair) == 1 and t.pair in first
                  and (first[t.pair] > index if t.role == "open" else first[t.pair] < index))
        if t.role == "opaque":
            el = out.element(_q12("ph"), id=str(n))
            kind = _ITEM_TYPES_12.get(t.kind)
        elif paired and t.role == "open":
            el = out.element(_q12("bpt"), id=str(n))
            kind = _PAIR_TYPES_12.get(t.kind)
        elif paired:
            el = out.element(_q12("ept"), id=str(t.pair))
            kind = None
        else:
            el = out.element(_q12("it"), id=str(n),
                             pos="open" if t.role == "open" else "close")
            kind = _PAIR_TYPES_12.get(t.kind)
        if kind is None and t.kind and t.role != "close":
            kind = "x-" + "".join(c for c in t.kind.lower() if c.isalnum() or c == "-")
        if kind and kind != "x-" and not (paired and t.role == "close"):
            el.set("ctype", kind)
        el.text = t.markup
    out.text(value[pos:])


def _plain_12(el: Any, tokens: Sequence[Placeholder]) -> str:
    table = {t.number: t for t in tokens}
    out = [el.text or ""]
    for child in el:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        n = _number(child.get("id"))
        if tag == "ept" and n in table:
            n = table[n].pair if table[n].role == "open" else n
        if tag in ("bpt", "ept", "ph", "it", "x", "bx", "ex") and n in table:
            out.append(f"[{n}]")
        elif tag in ("g", "mrk"):
            out.append(_plain_12(child, tokens))
        out.append(child.tail or "")
    return "".join(out)


def _read_12(root: Any) -> Read | str:
    file = _the_file(root, _q12("file"))
    if file is None:
        return _NOT_ONE
    note = file.find(f"{_q12('header')}/{_q12('note')}")
    text = note.text or "" if note is not None else ""
    sha = text[len(HASH_NOTE):].strip() if text.startswith(HASH_NOTE) else ""
    head = Head(file.get("original", ""), file.get("source-language", ""),
                file.get("target-language", ""), sha)
    segments = [InSegment(unit.get("id", "").split("#")[0], unit.find(_q12("source")),
                          unit.find(_q12("target")))
                for unit in file.iter(_q12("trans-unit"))]
    return Read("1.2", head, tuple(segments))
