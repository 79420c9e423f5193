"""Translating from a translation: a language whose `translate_from` is itself translated
(French from English, English from Persian).

The French is only as good as the English it is made from. When that English is stale (its
Persian original changed since it was translated) or was edited by a person and not marked
reviewed, `translate` says so, one line per French file; and every French file records,
under `translation.chain`, which version of the English it came from and where that came
from in turn, hop by hop up to the original.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import frontmatter
from ..content import Article
from .plan import as_written

CURRENT = "current"
STALE = "stale"
EDITED = "edited"


@dataclass(frozen=True)
class Hop:
    """One translation the text went through on its way from the original."""

    lang: str
    path: str
    sha256: str  # this version of the file
    from_lang: str
    source_sha256: str  # the version of its original it translates
    original: str  # its original's path, or "" when that is missing
    engine: str
    model: str
    status: str  # "machine" or "reviewed"
    state: tuple[str, ...]  # () when current; else "stale" and/or "edited"

    def record(self) -> dict[str, Any]:
        """As `translation.chain` lists it."""
        return {"lang": self.lang, "sha256": self.sha256, "from": self.from_lang,
                "source_sha256": self.source_sha256, "engine": self.engine,
                "model": self.model, "status": self.status,
                "state": " and ".join(self.state) or CURRENT}

    def comment(self) -> str:
        """The same, as a YAML comment line (for a Khabar whose front matter does not
        know `translation.chain` yet)."""
        r = self.record()
        return (f"# chain: {r['lang']} {r['sha256']} from {r['from']} {r['source_sha256']}; "
                f"{r['engine'] or 'human'}, {r['model'] or 'none'}; {r['status']}; "
                f"{r['state']}")


def chain_of(source: Article, by_key: Mapping[tuple[str, str], Article]) -> list[Hop]:
    """The translations `source` went through, itself first, back to an original: empty
    when `source` is an original (no `translation:` block)."""
    hops: list[Hop] = []
    seen: set[tuple[str, str]] = set()
    here: Article | None = source
    while here is not None and here.translation is not None \
            and (here.lang, here.slug) not in seen:
        seen.add((here.lang, here.slug))
        tr = here.translation
        original = by_key.get((tr.from_lang, here.slug))
        state: list[str] = []
        if original is None or not original.matches_digest(tr.source_sha256):
            state.append(STALE)
        if tr.status != "reviewed" and not as_written(here):
            state.append(EDITED)
        hops.append(Hop(here.lang, here.path, here.sha256, tr.from_lang, tr.source_sha256,
                        original.path if original is not None else "", tr.engine, tr.model,
                        tr.status, tuple(state)))
        here = original
    return hops


def warning(target: str, hops: Sequence[Hop]) -> str | None:
    """One line when the text the target is translated from is stale or hand-edited:
    names that file, why, and what to do; None when every hop is current."""
    bad = next((h for h in hops if h.state), None)
    if bad is None:
        return None
    through = "" if bad is hops[0] else f", itself translated from {bad.path}"
    why = []
    if STALE in bad.state:
        why.append(f"its original {bad.original} changed after it was translated"
                   if bad.original else f"its original in {bad.from_lang} is missing")
    if EDITED in bad.state:
        why.append("a person edited it and did not mark it reviewed")
    hint = (f"check {bad.path}, then mark it current with: khabar translate --accept "
            f"{bad.path}; {target} is made again on the next run")
    return (f"{target}: warning: translated from {hops[0].path}{through}, which is not "
            f"current: {'; '.join(why)} (hint: {hint})")


def structured() -> bool:
    """Whether front matter accepts `translation.chain` (else it is written as comments)."""
    return "chain" in frontmatter.TRANSLATION_KEYS
