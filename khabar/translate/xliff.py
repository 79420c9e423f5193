"""Machine translations out to translators' tools as XLIFF, and their review back in.

`khabar translate --export xliff DIR` writes `DIR/<slug>.<lang>.xlf` per current machine
translation, in XLIFF 2.0 (`--xliff-version 1.2` for older tools): a unit per block of the
story (title, summary, each block of the body, the picture's alt and caption), a sentence
per segment, the original and the machine's sentence, inline markup as XLIFF inline codes
holding the Markdown, and a note with the model's score where it is known
(xliff_format.py writes and reads the two dialects). A block whose two sides split into a
different number of sentences is one segment.

`khabar translate --import DIR` puts each file's targets back (either version): the
translation is rebuilt from the original's blocks exactly as `khabar translate` writes one,
marked `status: reviewed` with the original's current `source_sha256`, and its sentence
pairs go into the memory under `human FROM→TO`. A file exported from an older version of
the original is one error line, and nothing is written for it.

Written with lxml: translate-toolkit (3.20) writes XLIFF 1.1's namespace and version, no
2.0, and its inline placeables lose the Markdown a code stands for.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from lxml import etree

from .. import config as config_stage
from .. import content, text
from ..config import SiteConfig
from ..errors import Diagnostic, KhabarError, display_path
from . import chain, confidence, workspace, xliff_format
from .engine import Hardware
from .glossary import Glossary
from .memory import HUMAN, TranslationMemory, human_key
from .memory import normalise_source as normalise
from .plan import CURRENT, Job, decide
from .routes import SiteRoutes
from .segment import Document, segment
from .segment_units import TOKEN_RE, Unit
from .split import join, split_sentences
from .tmx import _DIGITS, Placeholder, placeholders_in
from .xliff_format import Head, OutUnit, Pair


@dataclass
class _Block:
    """One unit of a story: where it is, its source sentences, the translation's."""

    uid: str  # title, summary, image.alt, image.caption, body.N
    source: list[str]
    target: list[str]
    tokens: tuple[Placeholder, ...]  # what the body unit's placeholders stand for


def _sentences(value: str | None) -> list[str]:
    return [s for s in split_sentences(value or "") if s.strip()]


def _segment(article: content.Article, config: SiteConfig) -> Document:
    return segment(content.body_of(article), config.markdown.extensions,
                   extension_configs=config.markdown.extension_configs)


def _renumbered(ours: Unit, theirs: Unit) -> str:
    """The translation's unit text with its placeholders numbered as the original's: each
    of its placeholders is the original's with the same role, kind and Markdown."""
    free = list(range(1, len(ours.tokens) + 1))

    def number(n: int) -> int | None:
        if not 1 <= n <= len(theirs.tokens):
            return None
        t = theirs.tokens[n - 1]
        for strict in (True, False):
            for j in free:
                o = ours.tokens[j - 1]
                if (o.role, o.kind) == (t.role, t.kind) and (not strict or o.markup == t.markup):
                    free.remove(j)
                    return j
        return None

    def sub(m: Any) -> str:
        got = number(int(m.group(1).translate(_DIGITS)))
        return f"[{got}]" if got is not None else str(m.group())

    return str(TOKEN_RE.sub(sub, theirs.text))


def _remembered(job: Job, config: SiteConfig, memory: TranslationMemory | None,
                routes: SiteRoutes) -> tuple[list[_Block], dict[str, float]] | None:
    """The story's units as `khabar translate` cut them, each source sentence with the
    translation it wrote (from the memory: a person's, else the model's, names restored),
    and the model's scores per source sentence; None when the memory lacks a sentence."""
    from .command import _prepare, _shield
    if memory is None:
        return None
    pair = (job.source.lang, job.target_lang)
    prepared, as_written = _prepare([job], config)
    keys = list(as_written)
    known = memory.lookup_many(human_key(*pair), keys)
    scores: dict[str, float] = {}
    identity = routes.identity(pair)
    if identity is not None:
        glossary = Glossary(config, *pair)
        shielded, model_key = _shield(glossary, as_written)
        stored = memory.lookup_scored(identity, [model_key[k] for k in keys if k not in known])
        for k in keys:
            hit = stored.get(model_key[k]) if k not in known else None
            if hit is not None:
                known[k] = glossary.restore(hit[0], shielded[k])
                if hit[1] is not None:
                    scores[k] = hit[1]
    if any(k not in known for k in keys):
        return None
    p = prepared[0]
    inline = [u for u in p.document.inline if u.translatable]

    def block(uid: str, sentences: list[str], tokens: tuple[Placeholder, ...] = ()) -> _Block:
        return _Block(uid, sentences, [known[normalise(s)] for s in sentences], tokens)

    blocks = [block("title", p.title.sentences)]
    if p.summary is not None:
        blocks.append(block("summary", p.summary.sentences))
    blocks += [block(f"body.{n}", u.sentences, placeholders_in(a.text, a.tokens))
               for n, (u, a) in enumerate(zip(p.body_units, inline, strict=True), 1)]
    blocks += [block(f"image.{key}", u.sentences) for key, u in p.image_units.items()]
    return blocks, {normalise(s): v for s, v in ((s, scores.get(normalise(s)))
                                                  for b in blocks for s in b.source)
                    if v is not None}


def _blocks(job: Job, config: SiteConfig, memory: TranslationMemory | None = None,
            routes: SiteRoutes | None = None) -> list[_Block] | None:
    """The story's units, both sides: from the memory when it holds every sentence, else
    by cutting the translation file as the original; None when the translation's blocks
    are not the original's (a person rearranged it)."""
    got = _remembered(job, config, memory, routes or SiteRoutes(None, Hardware("cpu", None)))
    if got is not None:
        return got[0]
    source, made = job.source, job.existing
    assert made is not None
    blocks = [_Block("title", _sentences(source.title), _sentences(made.title), ())]
    if source.summary:
        blocks.append(_Block("summary", _sentences(source.summary), _sentences(made.summary),
                             ()))
    ours, theirs = _segment(source, config), _segment(made, config)
    # every inline unit, translatable or not: a model's sentence of digits and code alone
    # is no longer text to translate, yet still the original's block
    if tuple(ours.tags) != tuple(theirs.tags) or len(ours.inline) != len(theirs.inline):
        return None
    pairs = [(a, b) for a, b in zip(ours.inline, theirs.inline, strict=True) if a.translatable]
    for n, (a, b) in enumerate(pairs, 1):
        blocks.append(_Block(f"body.{n}", _sentences(a.text),
                             _sentences(_renumbered(a, b)), placeholders_in(a.text, a.tokens)))
    if source.image is not None:
        for key in ("alt", "caption"):
            value = getattr(source.image, key)
            if value:
                mine_words = getattr(made.image, key) if made.image is not None else ""
                blocks.append(_Block(f"image.{key}", _sentences(value),
                                     _sentences(mine_words), ()))
    return blocks


def _scores(made: content.Article) -> dict[tuple[str, str], float]:
    """The file's `low_confidence` entries: (where, first words) → score."""
    from .command import _front_matter
    block = _front_matter(made).get("translation")
    found: dict[tuple[str, str], float] = {}
    if isinstance(block, dict):
        for entry in block.get("low_confidence") or []:
            if isinstance(entry, dict) and isinstance(entry.get("score"), (int, float)):
                found[(str(entry.get("where")), str(entry.get("text")))] = float(entry["score"])
    return found


def _jobs(config: SiteConfig) -> list[Job]:
    articles = content.load(config, include_drafts=True)
    return decide(config, articles)


def export_xliff(site: Path, dest: Path, out: TextIO | None = None,
                 err: TextIO | None = None, version: str = "2.0") -> int:
    """One XLIFF file (2.0, or 1.2) per current machine translation into `dest`; 0."""
    from .command import MEMORY_FILE, _write_atomic
    out, err = out or sys.stdout, err or sys.stderr
    config = config_stage.load(site)
    dest.mkdir(parents=True, exist_ok=True)
    routes = SiteRoutes(None, Hardware("cpu", None))
    path = config.root / MEMORY_FILE
    # read-write: lookups count hits, as a run that reuses them does
    memory = TranslationMemory.open(path) if path.is_file() else None
    written = 0
    try:
        for job in _jobs(config):
            if job.action != CURRENT or job.existing is None:
                continue
            got = _remembered(job, config, memory, routes)
            blocks, scores = got if got is not None else (_blocks(job, config), {})
            if blocks is None:
                print(f"khabar: error: {display_path(job.existing.file)}: its blocks are "
                      "not the original's; not exported", file=err)
                continue
            _write_atomic(dest / f"{job.source.slug}.{job.target_lang}.xlf",
                          xliff_format.document(version, _head(job, config),
                                                _units(job, blocks, config, scores)))
            written += 1
    finally:
        if memory is not None:
            memory.close()
    print(f"wrote {written} XLIFF {version} file(s) to {dest}", file=out)
    return 0


def _head(job: Job, config: SiteConfig) -> Head:
    def direction(code: str) -> str:
        return next((lang.dir for lang in config.languages if lang.code == code), "auto")

    return Head(job.source.file.relative_to(config.root).as_posix(), job.source.lang,
                job.target_lang, job.source.sha256, direction(job.source.lang),
                direction(job.target_lang))


def _units(job: Job, blocks: Sequence[_Block], config: SiteConfig,
           remembered: dict[str, float]) -> list[OutUnit]:
    """The story's blocks as XLIFF units: a pair per sentence (one for a block whose sides
    split differently), the model's confidence as a note where it is known."""
    assert job.existing is not None
    scores = _scores(job.existing)
    threshold = config.translate.low_confidence

    def note(where: str, src: str, tgt: str) -> str | None:
        score = remembered.get(normalise(src))
        if score is None:
            words = confidence.first_words(text.clean_line(TOKEN_RE.sub("", tgt)))
            score = scores.get((where, words))
        if score is None:
            return None
        low = " (low: check it first)" if score < threshold else ""
        return f"model confidence {score:.2f}{low}; 0 is best"

    units = []
    for block in blocks:
        if not block.source:
            continue
        where = block.uid.split(".")[0] if block.uid.startswith("body") else block.uid
        whole = len(block.source) != len(block.target)
        items = ([(join(block.source), join(block.target))] if whole
                 else list(zip(block.source, block.target, strict=True)))
        units.append(OutUnit(block.uid, tuple(Pair(s, t, note(where, s, t)) for s, t in items),
                             block.tokens, whole))
    return units


def import_xliff(site: Path, folder: Path, out: TextIO | None = None,
                 err: TextIO | None = None) -> int:
    """Each `*.xlf` of `folder` (XLIFF 2.0 or 1.2) back into its translation, reviewed, and
    into the memory; 0, or 1 when a file could not be taken (one error line each)."""
    from .command import MEMORY_FILE, take_reviewed
    out, err = out or sys.stdout, err or sys.stderr
    config = config_stage.load(site)
    files = sorted(folder.glob("*.xlf"))
    if not files:
        raise KhabarError([Diagnostic(str(folder), None, "no .xlf files here",
                                      "run `khabar translate --export xliff DIR` first")])
    code = stored = 0
    imported: list[tuple[Path, str]] = []
    with workspace.lock(config.content_dir), \
            TranslationMemory.open(config.root / MEMORY_FILE) as memory:
        jobs = _jobs(config)
        for path in files:
            said: list[tuple[str, str, tuple[Placeholder, ...]]] = []
            got = _import_one(path, jobs, config, memory, said)
            if isinstance(got, str):
                print(f"khabar: error: {display_path(path)}: {got}", file=err)
                code = 1
                continue
            imported.append((config.root / got.original, got.target_lang))
            languages = (got.source_lang, got.target_lang)
            # the person's sentences, as the file pairs them (human.py's block alignment
            # below adds those of a translation edited outside XLIFF too)
            stored += memory.store_many(human_key(*languages),
                                        [(a, b) for a, b, _m in said
                                         if normalise(a) and b.strip()],
                                        languages=languages, origin=HUMAN)
            memory.store_markup((a, m) for a, _b, m in said if m)
            print(f"imported {display_path(path)}", file=out)
        if imported:
            reviewed = [j for j in _jobs(config) if (j.source.file, j.target_lang) in imported]
            stored += take_reviewed(memory, reviewed, config)
            print(f"{stored} reviewed sentence pair(s) into the translation memory", file=out)
    return code


def _import_one(path: Path, jobs: Sequence[Job], config: SiteConfig,
                memory: TranslationMemory,
                said: list[tuple[str, str, tuple[Placeholder, ...]]]) -> Head | str:
    """Write one reviewed translation; the story's head, or what is wrong instead."""
    from .command import _compose, _front_matter, _target_path, _write_atomic
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False,
                                                      no_network=True)).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        return f"not XLIFF: {exc}"
    got = xliff_format.read(root)
    if isinstance(got, str):
        return got
    head = got.head
    job = next((j for j in jobs if j.source.file == config.root / head.original
                and j.target_lang == head.target_lang and j.existing is not None), None)
    if job is None or job.existing is None:
        return f"no translation into {head.target_lang} of {head.original} in this site"
    if not job.source.matches_digest(head.source_sha256):
        return (f"{head.original} changed since this file was exported; export it again "
                "and redo the review")
    blocks = _blocks(job, config, memory)
    if blocks is None:
        return f"{display_path(job.existing.file)} no longer has the original's blocks"
    by_uid = {b.uid: b for b in blocks}
    edited: dict[str, list[tuple[str, str]]] = {}
    for seg in got.segments:
        block = by_uid.get(seg.unit)
        if block is None or seg.source is None:
            return f"unit {seg.unit!r} is not one this story has"
        if seg.target is None:
            return f"a sentence of unit {seg.unit!r} has no target: translate it or " \
                "export the story again"
        edited.setdefault(block.uid, []).append(
            (got.plain(seg.source, block.tokens), got.plain(seg.target, block.tokens)))
    for block in blocks:
        pairs = edited.get(block.uid)
        if pairs is not None and [s for s, _t in pairs] not in (block.source,
                                                              [join(block.source)]):
            return f"the original sentences of {block.uid} are not the story's"

    for block in blocks:
        for a, b in edited.get(block.uid, []):
            said.append((a, b, tuple(t for t in block.tokens if f"[{t.number}]" in a)))

    def words(block: _Block) -> str:
        pairs = edited.get(block.uid)
        return join(t for _s, t in pairs) if pairs is not None else join(block.target)

    body_words = [words(b) for b in blocks if b.uid.startswith("body.")]
    doc = _segment(job.source, config)
    body = doc.render(body_words)
    title = text.clean_line(words(by_uid["title"])) or job.source.slug
    summary = text.clean_line(words(by_uid["summary"])) if "summary" in by_uid else None
    image = {b.uid.split(".")[1]: text.clean_line(words(b)) for b in blocks
             if b.uid.startswith("image.")}
    made = _front_matter(job.existing).get("translation") or {}
    engine = _Made(str(made.get("engine", "human")), str(made.get("model", "none")))
    articles = content.load(config, include_drafts=True)
    by_key = {(a.lang, a.slug): a for a in articles}
    hops = chain.chain_of(job.source, by_key)
    _write_atomic(_target_path(job, config.root),
                  _compose(job, title, summary, body, engine,  # type: ignore[arg-type]
                           image, hops, status="reviewed"))
    return head


@dataclass
class _Made:
    """The engine and model the reviewed machine translation names, kept as it was."""

    engine_name: str
    model_name: str
