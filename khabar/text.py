"""Text normalisation: one definition used for display, matching and slugs."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Arabic letters that Persian writes with its own code points: folded for matching in
# every language, for display only in Persian (an Arabic title keeps its Arabic yeh).
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ە": "ه"})
# Bidi embedding/override/isolate controls: they can reorder what a reader sees.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters XML 1.0 forbids (C0 controls but tab/newline/return, surrogates, U+FFFE/F),
# and those HTML forbids besides (DEL and the C1 controls, the noncharacters U+FDD0-FDEF
# and U+nFFFE/nFFFF of every plane): the Nu HTML checker rejects a page holding any.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                          "\ufffe\uffff]")
# ...and the noncharacters of the other planes, U+nFFFE and U+nFFFF: 32 scattered code
# points would make every character slow to test, so the class takes every character
# beyond the first plane (rare: an emoji) and `_drop` keeps those that are not one.
_CONTROLS = re.compile(f"{_BIDI.pattern[:-1]}{_XML_INVALID.pattern[1:-1]}"
                       "\U00010000-\U0010ffff]")


def _drop(m: re.Match[str]) -> str:
    found = m.group()
    return found if found > "\uffff" and ord(found) & 0xFFFE != 0xFFFE else ""


def _without_controls(text: str) -> str:
    return _CONTROLS.sub(_drop, text)


_SPACE = re.compile(r"\s+")
# Arabic diacritics (harakat), tatweel: dropped for matching only.
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
ZWNJ = "\u200c"

_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TO_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


@lru_cache(maxsize=1 << 16)  # the same titles and names are cleaned for many pages
def clean(text: str) -> str:
    """Text fit for display and for XML: NFC, no bidi or invalid controls; letters as
    written (`in_script_of` gives Persian text its own letters).

    ZWNJ is kept: it is part of Persian spelling (می‌شود), not formatting.
    """
    return _without_controls(unicodedata.normalize("NFC", text))


def persian_letters(text: str) -> str:
    """Arabic yeh, alef maksura, kaf and ae as the Persian letters (ی, ک, ه) Persian is
    written with: an article typed on an Arabic keyboard shows Persian letters."""
    return text.translate(_FOLD)


def in_script_of(text: str, lang: str) -> str:
    """Text in the letters its language writes: Persian (fa, its regional forms, and prs,
    Dari) folds Arabic letters into Persian ones; other languages keep theirs."""
    return persian_letters(text) if lang.split("-", 1)[0] in ("fa", "prs") else text


def strip_controls(text: str) -> str:
    """Only bidi and XML-invalid controls removed: for article bodies, whose letters are
    left as written (an Arabic quotation keeps its Arabic yeh)."""
    return _without_controls(text)


@lru_cache(maxsize=1 << 16)
def clean_line(text: str) -> str:
    """`clean`, with runs of whitespace (newlines included) collapsed: for titles, summaries."""
    return _SPACE.sub(" ", clean(text)).strip()


def match_key(text: str) -> str:
    """The form two names are compared in: cleaned, no diacritics, ZWNJ as space, casefolded."""
    text = _MARKS.sub("", persian_letters(clean(text))).replace(ZWNJ, " ")
    return _SPACE.sub(" ", text).strip().casefold()


def persian_digits(text: str) -> str:
    """Western digits as Persian digits (۰–۹)."""
    return text.translate(_FA_DIGITS)


def ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits as ASCII digits, for parsing."""
    return text.translate(_TO_ASCII_DIGITS)


def slugify(text: str) -> str:
    """A Unicode-preserving fragment id for headings (Persian headings keep their letters)."""
    key = match_key(text)
    key = re.sub(r"[^\w\s-]", "", key)
    return re.sub(r"[\s_-]+", "-", key).strip("-") or "section"


# Strong letters by script, as regular expressions: counting with C loops, not per character
# in Python, because every block of every article is checked.
_RTL_LETTERS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LTR_LETTERS = re.compile("[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]")


def has_letters_of(direction: str, text: str) -> bool:
    """Whether `text` has any strong letter of the given direction."""
    return bool((_RTL_LETTERS if direction == "rtl" else _LTR_LETTERS).search(text))


def dominant_direction(text: str) -> str | None:
    """'rtl' or 'ltr' by the majority of strong letters; None for text without letters."""
    ltr = len(_LTR_LETTERS.findall(text))
    if ltr == 0:
        return "rtl" if _RTL_LETTERS.search(text) else None
    rtl = len(_RTL_LETTERS.findall(text))
    return "rtl" if rtl >= ltr else "ltr"
