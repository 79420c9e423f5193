"""An offline Persian sentence splitter, so translation never needs a downloaded SBD model.

Argos Translate splits with Stanza, MiniSBD or spaCy models that are fetched on
first use; news paragraphs only need a careful rule set: split after ``.``, ``!``,
``?``, ``؟``, ``…`` and friends when whitespace follows, but not inside numbers
(``۳.۵``, ``3.5``), URLs, initials (``ا. ب.``, ``U.S.``) or known abbreviations.
ZWNJ (U+200C), which joins parts of Persian words, is never removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TERMINATORS = ".!?؟…‼⁇⁈⁉۔"
CLOSERS = "»\"”’')]}›"
ZWNJ = "\u200c"

# Lower-cased, without the final dot: a dot after these does not end a sentence.
ABBREVIATIONS = frozenset(
    {
        # English
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "inc", "ltd", "co",
        "corp", "vs", "etc", "e.g", "i.e", "no", "nos", "vol", "fig", "approx", "dept",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "u.s", "u.k", "u.n", "a.m", "p.m",
        # Persian: ص(فحه), ج(لد), ه‍.ش (هجری شمسی), ه‍.ق, ق.م (قبل از میلاد), م (میلادی)
        "ص", "صص", "ج", "ش", "ه", "ق", "م", "ه.ش", "ه.ق", "ق.م", "هـ.ش", "هـ.ق", "ر.ک",
    }
)  # fmt: skip

_BOUNDARY = re.compile(
    rf"(?P<term>[{re.escape(TERMINATORS)}]+)(?P<close>[{re.escape(CLOSERS)}]*)(?P<space>\s+|$)"
)
_LAST_WORD = re.compile(r"(\S+)$")


def _is_abbreviation(before: str) -> bool:
    """True when the word ending at a lone dot is an initial or a known abbreviation."""
    match = _LAST_WORD.search(before)
    if match is None:
        return False
    word = match.group(1).lstrip("(«\"'“‘[").lower()
    if not word:
        return False
    if len(word) == 1 and word.isalpha():
        return True  # initials: "ا. ب. نام", "J. Smith"
    return word in ABBREVIATIONS


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Decide whether a terminator followed by whitespace really ends a sentence."""
    if "\n" in match.group("space"):
        return True
    term = match.group("term")
    if term not in (".", "...", "…"):
        return True  # ! ? ؟ and runs like "?!" always end one
    if term == "." and _is_abbreviation(text[: match.start()]):
        return False
    rest = text[match.end() :]
    # "etc. and more", "well... yes": an English sentence does not start lower-case.
    return not (rest[:1].isascii() and rest[:1].islower())


def _split_lines(text: str) -> Iterable[str]:
    """Split one line (no newlines inside) at its sentence boundaries."""
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.end() >= len(text) or not _ends_sentence(text, match):
            continue
        end = match.start("space")
        yield text[start:end]
        start = match.end()
    yield text[start:]


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, each stripped of surrounding whitespace.

    Every non-space character of ``text`` appears in exactly one sentence, in order;
    a line break always ends a sentence (Argos also translates line by line).
    """
    sentences: list[str] = []
    for line in text.splitlines():
        for piece in _split_lines(line):
            sentence = piece.strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def join(sentences: Iterable[str]) -> str:
    """Rejoin translated sentences into a paragraph with single spaces."""
    return " ".join(s.strip() for s in sentences if s.strip())
