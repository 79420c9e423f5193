"""Mentions: where an article's text names a declared country or actor, by any of its
names or aliases in the article's language, written as people write it.

The matching folds what the tags' normalisation folds (Arabic ي and ك as Persian ی and
ک, diacritics and tatweel, ZWNJ, a space or nothing between the parts of a name), and
finds a name only as a whole word: ایران in ایرانی or ایران‌ها (Persian's attached
suffixes) is a mention, ایران in ایرانشهر is not. `tags suggest` lists the mentions an
article's front matter does not tag; the glossary protects them through translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .config import SiteConfig
from .text import match_key

# Persian's attached forms after a name, one after another (ایرانی‌ها): the ezafe and
# nisba ی, plural ها (with or without ZWNJ), ای/یی, and the plural ان of people; anything
# else attached, with or without ZWNJ, makes another word (روسیه‌ستیزی)
_SUFFIX = "(?:\u200c?(?:هایی|های|ها|ایی|ای|یی|ی|ان))"
_MARKS = "[\u064b-\u065f\u0670\u0640]*"  # diacritics and tatweel between letters
_LETTER_CLASS = {"ی": "[یيى]", "ک": "[کك]", "ه": "[هە]"}
# link targets and autolinks: their letters are addresses, not text
_NOT_TEXT = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|<https?://[^>\s]*>|https?://\S+")


@dataclass(frozen=True)
class Mention:
    taxonomy: str
    term: str  # the term's slug
    text: str  # as written in the article
    line: int  # in the file, from 1


def name_pattern(name: str) -> str:
    """A regular expression for one name as people write it (see the module's docstring):
    any letter form, diacritics anywhere, a space, ZWNJ or nothing where the name has a
    space or ZWNJ; Latin case-insensitively (the caller compiles with IGNORECASE)."""
    parts: list[str] = []
    for ch in match_key(name):
        if ch == " ":
            parts.append("[\\s\u200c]*")
        else:
            parts.append(_LETTER_CLASS.get(ch, re.escape(ch)) + _MARKS)
    return "".join(parts)


class Finder:
    """Finds the declared terms named in a text of one language."""

    def __init__(self, config: SiteConfig, lang: str) -> None:
        names: list[tuple[str, str, str]] = []  # (pattern, taxonomy, term)
        for tax in config.taxonomies:
            for term in tax.terms.values():
                spellings = {term.names.get(lang, ""), *term.aliases.get(lang, ())}
                for spelled in spellings:
                    if match_key(spelled):
                        names.append((name_pattern(spelled), tax.key, term.slug))
        # longest first: "United States" before "United", عربستان سعودی before عربستان
        names.sort(key=lambda n: -len(n[0]))
        self.terms = [(tax, slug) for _, tax, slug in names]
        self.pattern = re.compile(
            "|".join(f"(?<![\\w\u200c])(?P<n{i}>{p})(?={_SUFFIX}*(?!\\w|\u200c\\w))"
                     for i, (p, _, _) in enumerate(names)) or "(?!)",
            re.IGNORECASE)

    def find(self, text: str, first_line: int = 1) -> Iterator[Mention]:
        """Every mention in `text`, whose first line is `first_line` of its file; link
        targets and bare addresses are skipped."""
        text = _NOT_TEXT.sub(lambda m: " " * len(m.group(0)), text)
        for m in self.pattern.finditer(text):
            group = m.lastgroup
            if group is None:
                continue
            tax, slug = self.terms[int(group[1:])]
            yield Mention(tax, slug, m.group(0), first_line + text.count("\n", 0, m.start()))


def in_article(finder: Finder, raw: str, front_keys: Sequence[str] = ("title", "summary")
               ) -> list[Mention]:
    """The mentions in an article file's title, summary and body (its other front-matter
    fields are not text), with their file lines."""
    lines = raw.split("\n")
    found: list[Mention] = []
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            for i in range(1, end):
                key = lines[i].split(":", 1)[0].strip()
                if key in front_keys and ":" in lines[i]:
                    found.extend(finder.find(lines[i].split(":", 1)[1], i + 1))
            found.extend(finder.find("\n".join(lines[end + 1:]), end + 2))
            return found
    found.extend(finder.find(raw, 1))
    return found
