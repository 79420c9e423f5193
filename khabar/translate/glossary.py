"""Names that are never mistranslated: the declared terms' names and the site's glossary.

Before a sentence reaches the model, every name or alias of a declared country or actor in
the source language, and every source phrase of the site's `glossary:` for the pair, is
found the way `tags suggest` finds names (:class:`khabar.mentions.Finder`: any letter form,
diacritics, a space, ZWNJ or nothing between the parts, whole words only) and replaced by a
numbered placeholder of the same kind the segmenter gives inline markup (`[3]`), numbered
after the sentence's own markup placeholders. The model copies it through like a link's;
:func:`Glossary.restore` writes back the target language's name: the term's name in that
language, or the glossary's phrase. A placeholder the model dropped is added at the end of
the sentence, and a second copy of one is dropped, so a name is never lost.

Only the name is protected: Persian's attached endings (the ی of ایرانی, the ‌ها of
ایران‌ها) stay in the sentence, after the placeholder, and the model makes of them what it
can (`[1]ی` may come back as "Iran" or "Iranian"). The translation memory keys a sentence by
its protected form, so the model's output is kept with placeholders and names are written
in when an article is written: changing a glossary phrase's translation asks the model
nothing, and adding or removing an entry asks it only for the sentences it occurs in.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..config import SiteConfig, Taxonomy, Term
from ..mentions import Finder
from .segment_units import TOKEN_RE, URL_RE
from .tmx import NAME, Placeholder

GLOSSARY_TAXONOMY = "\0glossary"  # not a slug: never one of the site's taxonomies
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Slot:
    """One protected name of a sentence: placeholder `[number]`, the words it replaced, and
    what it is written back as."""

    number: int
    source: str
    target: str


@dataclass(frozen=True)
class Protected:
    """A sentence as the model reads it, and the names its placeholders stand for."""

    text: str
    slots: tuple[Slot, ...] = ()


class Glossary:
    """The names protected when translating from one language into another."""

    def __init__(self, config: SiteConfig, from_lang: str, to_lang: str) -> None:
        self.from_lang, self.to_lang = from_lang, to_lang
        entries = dict(config.glossary.get((from_lang, to_lang), {}))
        phrases = Taxonomy(GLOSSARY_TAXONOMY, MappingProxyType({}), MappingProxyType({
            f"g{i}": Term(f"g{i}", MappingProxyType({from_lang: source, to_lang: target}))
            for i, (source, target) in enumerate(entries.items())}))
        # the glossary first: Finder tries names longest first, and of two equal ones
        # the first, so a glossary entry wins over a term's name spelled the same
        self.finder = Finder(dataclasses.replace(
            config, taxonomies=(phrases, *config.taxonomies)), from_lang)
        self._target: dict[tuple[str, str], str] = {}
        for tax in (phrases, *config.taxonomies):
            for term in tax.terms.values():
                self._target[(tax.key, term.slug)] = term.names.get(to_lang, "")

    @classmethod
    def empty(cls, config: SiteConfig, from_lang: str, to_lang: str) -> Glossary:
        """Protects nothing (a site without terms or glossary)."""
        return cls(dataclasses.replace(config, taxonomies=(), glossary=MappingProxyType({})),
                   from_lang, to_lang)

    def protect(self, sentence: str) -> Protected:
        """`sentence` with each name the glossary knows replaced by a placeholder numbered
        after the sentence's own (`[1]` when it has none); a name without a target-language
        name is left to the model. URLs are not searched."""
        masked = URL_RE.sub(lambda m: " " * len(m.group()), sentence)
        used = [int(m.group(1).translate(_DIGITS)) for m in TOKEN_RE.finditer(sentence)]
        number = max(used, default=0)
        parts: list[str] = []
        slots: list[Slot] = []
        pos = 0
        for m in self.finder.pattern.finditer(masked):
            group = m.lastgroup
            if group is None:
                continue
            target = self._target.get(self.finder.terms[int(group[1:])], "")
            if not target.strip():
                continue
            number += 1
            slots.append(Slot(number, sentence[m.start():m.end()], target))
            parts += [sentence[pos:m.start()], f"[{number}]"]
            pos = m.end()
        if not slots:
            return Protected(sentence)
        parts.append(sentence[pos:])
        return Protected("".join(parts), tuple(slots))

    def restore(self, output: str, protected: Protected) -> str:
        """The model's output for a protected sentence with each placeholder replaced by
        its name in the target language: a placeholder the model dropped is added at the
        end, a second copy is removed; other placeholders (inline markup) are left."""
        return restore(output, protected.slots)


def restore(output: str, slots: Sequence[Slot]) -> str:
    """See :meth:`Glossary.restore`."""
    if not slots:
        return output
    by_number = {s.number: s for s in slots}
    done: set[int] = set()

    def put(m: re.Match[str]) -> str:
        number = int(m.group(1).translate(_DIGITS))
        slot = by_number.get(number)
        if slot is None:
            return m.group()
        if number in done:
            return ""
        done.add(number)
        return slot.target

    text = TOKEN_RE.sub(put, output)
    missing = [s.target for s in slots if s.number not in done]
    if missing:
        text = " ".join([text.strip(), *missing]) if text.strip() else " ".join(missing)
    return _SPACES.sub(" ", text).strip()


def markup(slots: Sequence[Slot]) -> tuple[Placeholder, ...]:
    """The slots as TMX placeholders (`<ph type="x-name">`), holding the source words."""
    return tuple(Placeholder(s.number, "opaque", 0, NAME, s.source) for s in slots)


def plain(sentence: str) -> str:
    """A translated sentence as a reader sees it: without placeholders, one space apart."""
    return _SPACES.sub(" ", TOKEN_RE.sub("", sentence)).strip()
