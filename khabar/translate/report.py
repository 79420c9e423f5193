"""What `khabar translate` reports: the tally of a run and its progress bar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from .confidence import Row
from .plan import CURRENT, EDITED, ORIGINAL, REVIEWED, STALE_REVIEWED, Job


@dataclass
class Summary:
    """What a run did, added up over its target languages, for its last lines."""

    translated: list[str] = field(default_factory=list)
    current: int = 0
    reviewed: int = 0
    stale_reviewed: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    originals: int = 0
    sentences: int = 0
    from_memory: int = 0
    by_model: int = 0
    scored: list[Row] = field(default_factory=list)  # machine sentences of written files


class Progress:
    """Sentences done, articles written, rate and time left: tqdm's bar on a terminal, and
    nothing where the output is a log or a pipe (the run's last lines say what it did)."""

    def __init__(self, total_sentences: int, articles: int, stream: TextIO) -> None:
        from tqdm import tqdm
        self.articles = articles
        self.bar = tqdm(total=total_sentences, unit="sent", file=stream, desc="translating",
                        disable=not _terminal(stream), dynamic_ncols=True, mininterval=0.5)

    def advance(self, n: int, articles_done: int) -> None:
        self.bar.set_postfix_str(f"{articles_done}/{self.articles} articles", refresh=False)
        self.bar.update(n)

    def finish(self) -> None:
        self.bar.close()


def _terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False


def tally(jobs: Sequence[Job]) -> Summary:
    """The plan's counts; what is translated is added as it is done."""
    s = Summary()
    for j in jobs:
        if j.action == CURRENT:
            s.current += 1
        elif j.action == REVIEWED:
            s.reviewed += 1
        elif j.action == STALE_REVIEWED:
            s.stale_reviewed.append(j.existing.path if j.existing else j.source.path)
        elif j.action == EDITED:
            s.edited.append(j.existing.path if j.existing else j.source.path)
        elif j.action == ORIGINAL:
            s.originals += 1
    return s


def print_summary(s: Summary, out: TextIO, *, dry_run: bool, pending: int) -> None:
    """The last lines of a run, and each stale file a person has to update."""
    if dry_run:
        print(f"would translate {pending} article(s): {s.sentences} sentences, "
              f"{s.from_memory} from memory, {s.by_model} to the model; up to date {s.current}; "
              f"reviewed {s.reviewed}; stale reviewed {len(s.stale_reviewed)}; "
              f"edited by a person {len(s.edited)}", file=out)
        return
    print(f"translated {len(s.translated)} article(s): {s.sentences} sentences, "
          f"{s.from_memory} reused from memory, {s.by_model} by the model; "
          f"up to date {s.current}; skipped as reviewed {s.reviewed}; "
          f"stale reviewed {len(s.stale_reviewed)}; kept hand edits {len(s.edited)}", file=out)
    for path in s.stale_reviewed:
        print(f"stale: {path}: its source changed after it was reviewed or edited; "
              "update it by hand, or delete it to retranslate", file=out)
    low = [r for r in s.scored if r.low]
    if low:
        files = len({r.file for r in low})
        print(f"low confidence: {len(low)} sentence(s) in {files} file(s), listed in their "
              "translation blocks (translate --report FILE: every sentence, weakest first)",
              file=out)
