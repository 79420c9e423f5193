"""How sure the model was: the sentences of a machine translation to check first.

CTranslate2 scores each translation it returns; :func:`khabar.translate.engine.mean_log_prob`
makes that the mean log probability per word piece (0 at best; -1 is an average chance of
e^-1 ≈ 37% per piece). The translation memory keeps it with the sentence. When an article is
written, the sentences scored below `translate.low_confidence` (site.yaml) are listed in its
translation block, in the order they come in the file:

    translation:
      ...
      low_confidence:
      - {where: body, score: -2.31, text: The forces of Khalifa Haftar met…}

`text` is the translated sentence's first words as a reader sees them (without markup), so
a person finds it with a search in the file, and the bilingual view finds its block with
:func:`flagged_blocks`. Sentences a person translated (reviewed ones in the memory) and
sentences stored by a Khabar that kept no scores have no score and are never listed.
`translate --report FILE` writes every scored sentence of the articles a run wrote, the
weakest first (:func:`write_report`).
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .glossary import plain
from .memory import normalise_source as normalise

FIRST_WORDS = 8  # words of a sentence shown in `low_confidence`
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Row:
    """One machine-translated sentence of a written file, with the model's confidence."""

    file: str
    where: str  # title, summary, body, image.alt, image.caption
    score: float
    low: bool  # below the site's threshold: listed in the file's low_confidence
    sentence: str  # the translation, as a reader sees it
    source: str  # the original sentence


def rows(file: str, units: Sequence[tuple[str, Sequence[str]]], known: Mapping[str, str],
         scores: Mapping[str, float | None], threshold: float) -> list[Row]:
    """The scored sentences of one file, in the order they come: `units` are (where,
    source sentences), `known` and `scores` the translations and confidences by the
    sentences' memory keys."""
    out: list[Row] = []
    for where, sentences in units:
        for sentence in sentences:
            key = normalise(sentence)
            score = scores.get(key)
            if score is None or key not in known:
                continue
            out.append(Row(file, where, score, score < threshold, plain(known[key]),
                           plain(sentence)))
    return out


def first_words(sentence: str, count: int = FIRST_WORDS) -> str:
    """The first `count` words, with "…" when there are more."""
    words = sentence.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def entries(found: Iterable[Row]) -> list[dict[str, Any]]:
    """The `low_confidence` list of a translation block: the rows below the threshold."""
    return [{"where": r.where, "score": round(r.score, 2), "text": first_words(r.sentence)}
            for r in found if r.low and r.sentence]


def flagged_blocks(blocks: Sequence[str], listed: Iterable[Mapping[str, Any]]) -> set[int]:
    """Which of a translation's body blocks (HTML, as `khabar.blocks.split` gives them) hold
    a sentence its `low_confidence` lists: for the bilingual view. A block holds one when
    its text, tags and spaces aside, contains the entry's words ("…" aside); the first such
    block counts. Entries for the title, summary or picture are not body blocks."""
    texts = [_squeeze(html.unescape(_TAG.sub(" ", b))) for b in blocks]
    found: set[int] = set()
    for entry in listed:
        if entry.get("where", "body") != "body":
            continue
        words = _squeeze(str(entry.get("text", "")).removesuffix("…"))
        if not words:
            continue
        for index, block in enumerate(texts):
            if words in block:
                found.add(index)
                break
    return found


def _squeeze(text: str) -> str:
    """Text without whitespace, Markdown escapes or case, to compare a sentence with the
    text of its rendered block."""
    return _SPACE.sub("", text.replace("\\", "")).casefold()


def write_report(path: Path, found: Sequence[Row]) -> None:
    """`translate --report FILE`: a tab-separated table, the weakest sentence first:
    score, low (yes/no), file, where, translation, source."""
    ordered = sorted(found, key=lambda r: (r.score, r.file))
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        out.writerow(["score", "low", "file", "where", "sentence", "source"])
        for r in ordered:
            out.writerow([f"{r.score:.3f}", "yes" if r.low else "no", r.file, r.where,
                          _one_line(r.sentence), _one_line(r.source)])


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
