"""`khabar translate` and `khabar models`: plan, take what the memory has, translate the
rest in batches, and write each article atomically as soon as its sentences are done."""

from __future__ import annotations

import bisect
import json
import os
import re
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.error import URLError
from urllib.parse import urlsplit

import yaml

from .. import __version__, content, frontmatter, text, yamlsrc
from .. import config as config_stage
from ..config import SiteConfig
from ..errors import CommandError, Diagnostic, KhabarError, display_path
from . import chain, confidence, ray_run, workspace
from .engine import (
    INSTALL_HINT,
    DeviceError,
    Hardware,
    ModelMissing,
    Translator,
    resolve,
)
from .glossary import Glossary, Protected
from .glossary import markup as glossary_markup
from .memory import HUMAN, TranslationMemory, human_key
from .memory import normalise_source as normalise
from .models import require_translate_extra
from .plan import (
    EDITED,
    REVIEWED,
    STALE_REVIEWED,
    TRANSLATE,
    Job,
    content_digest,
    decide,
    picture_words,
)
from .report import Progress, Summary, print_summary, tally
from .routes import LazyEngine, SiteRoutes, describe_engine, list_models, pivot_hint
from .split import join, split_sentences
from .tmx import Placeholder, placeholders_in

MEMORY_FILE = "translation-memory.sqlite"
CHUNK = 256  # sentences per model call: big enough to batch well, small enough to report
CHUNK_CUDA = 2048  # on a GPU: one worker, far larger batches (engine.MAX_BATCH_EXAMPLES_CUDA)
# What `models install FROM TO` waits for one answer: argostranslate's own download retries
# every mirror in a loop when the network is down, printing each failure.
DOWNLOAD_TIMEOUT_S = 30.0
OFFLINE_HINT = ("check the network connection, or download the .argosmodel file on another "
                "machine and run: khabar models install FILE.argosmodel")


def translate_site(site: Path, *, to_lang: str | None = None, dry_run: bool = False,
                   force: bool = False, engine: Translator | None = None,
                   out: TextIO | None = None, err: TextIO | None = None,
                   device: str = "cpu", threads: int | None = None,
                   report: Path | None = None) -> int:
    """Translate what is missing or stale into every target language (or `to_lang`), each
    with its own model or a chain through a pivot; 0 on success, 1 when a language that
    has work to do has no model (one line each, and nothing is translated).

    Each article is written as soon as all its sentences are translated. A language
    translated from another that this run writes (French from English) comes after it,
    and is planned again from what was written. The models run on `device` (cpu, cuda or
    auto) with `threads` CPU threads (default: every core); `report` names a file for the
    table of every machine-translated sentence written, with the model's confidence."""
    out, err = out or sys.stdout, err or sys.stderr
    config = config_stage.load(site)
    if to_lang is not None and not any(
            lang.code == to_lang and lang.translate_from for lang in config.languages):
        raise KhabarError([Diagnostic(str(site / config_stage.SITE_FILE), None,
                                      f"--to {to_lang}: no language of the site is "
                                      "translated into it",
                                      "give the language `translate_from:` in site.yaml")])
    articles = content.load(config, include_drafts=True)
    hardware = _hardware(device, threads) if engine is None else Hardware("cpu", threads)
    routes = SiteRoutes(engine, hardware)
    jobs = decide(config, articles, to_lang=to_lang, force=force, direct_model=routes.direct)
    todo = [j for j in jobs if j.action == TRANSLATE]
    targets = _targets(config, to_lang)
    pairs = [pair for pair in targets if any((j.source.lang, j.target_lang) == pair
                                             for j in todo)]
    if dry_run:
        return _dry_run(config, articles, jobs, pairs, routes, out, err)
    if todo:
        problems = [line for line in map(routes.problem, pairs) if line]
        if problems:
            for line in problems:
                print(f"khabar: error: {line}", file=err)
            return 1
    with workspace.lock(config.content_dir):
        removed = workspace.remove_stale_temp_files(config.content_dir)
        if removed:
            print(f"removed {len(removed)} temporary file(s) left by an interrupted run: "
                  f"{', '.join(display_path(p) for p in removed)}", file=err)
        scored: list[confidence.Row] = []
        code = _translate(config, articles, jobs, targets, routes, force, out, err, scored)
    if report is not None and code == 0:
        confidence.write_report(report, scored)
        print(f"wrote {len(scored)} scored sentence(s) to {report}", file=out)
    return code


def _hardware(device: str, threads: int | None) -> Hardware:
    """`--device` and `--threads` checked before anything is read or written: `cuda` on a
    machine without a GPU is one error line. The CPU needs nothing checked (nor the
    translate extra, which a run with nothing to translate does without)."""
    if device == "cpu":
        return Hardware("cpu", threads)
    require_translate_extra(f"translate --device {device}")
    try:
        return resolve(device, threads)
    except DeviceError as exc:
        raise CommandError(exc.message, exc.hint) from None


def _targets(config: SiteConfig, to_lang: str | None) -> list[tuple[str, str]]:
    """(from, to) per target language, a language after the one it is translated from
    when that is a target too (French from English after English), else in site order."""
    source_of = {lang.code: lang.translate_from for lang in config.languages
                 if lang.translate_from}

    def depth(code: str) -> int:
        seen = {code}
        n = 0
        while (code := source_of.get(code) or "") in source_of and code not in seen:
            seen.add(code)
            n += 1
        return n

    order = {lang.code: i for i, lang in enumerate(config.languages)}
    codes = [c for c in source_of if to_lang is None or c == to_lang]
    return [(source_of[c], c) for c in sorted(codes, key=lambda c: (depth(c), order[c]))]


def _translate(config: SiteConfig, articles: Sequence[content.Article], jobs: list[Job],
               targets: Sequence[tuple[str, str]], routes: SiteRoutes, force: bool,
               out: TextIO, err: TextIO, scored: list[confidence.Row] | None = None) -> int:
    stats = Summary()
    if scored is not None:
        stats.scored = scored  # the caller's list: the report is written from it
    final: list[Job] = []
    written: set[str] = set()  # languages this run wrote files in
    reviewed = [j for j in jobs if j.action == REVIEWED]
    if not any(j.action == TRANSLATE for j in jobs) and not reviewed:
        print_summary(tally(jobs), out, dry_run=False, pending=0)
        return 0
    with TranslationMemory.open(config.root / MEMORY_FILE) as memory:
        take_reviewed(memory, reviewed, config)
        for pair in targets:
            if pair[0] in written:  # its source files changed: plan it again
                articles = content.load(config, include_drafts=True)
                lang_jobs = decide(config, articles, to_lang=pair[1], force=force,
                                   direct_model=routes.direct)
            else:
                lang_jobs = [j for j in jobs if j.target_lang == pair[1]]
            final += lang_jobs
            lang_todo = [j for j in lang_jobs if j.action == TRANSLATE]
            if not lang_todo:
                continue
            problem = routes.problem(pair)
            if problem:
                print(f"khabar: error: {problem}", file=err)
                return 1
            pair_engine = routes.lazy(pair)
            print(f"{pair[1]} from {pair[0]}: {describe_engine(pair_engine)}", file=out)
            by_key = {(a.lang, a.slug): a for a in articles}
            before = len(stats.translated)
            try:
                _run(lang_todo, pair_engine, config, stats, err, memory, by_key)
            except ModelMissing as exc:  # e.g. a package folder without its model.bin
                message, _, hint = str(exc).partition("; ")
                print(f"khabar: error: {message} (hint: {hint or 'run: ' + INSTALL_HINT})",
                      file=err)
                return 1
            if len(stats.translated) > before:
                written.add(pair[1])
    summary = tally(final)
    summary.translated, summary.sentences = stats.translated, stats.sentences
    summary.from_memory, summary.by_model = stats.from_memory, stats.by_model
    summary.scored = stats.scored
    print_summary(summary, out, dry_run=False, pending=0)
    return 0


def take_reviewed(memory: TranslationMemory, reviewed: Sequence[Job], config: SiteConfig) -> int:
    """Put the sentence pairs of reviewed, current translations into the memory, under
    `human FROM→TO` (read once per version of both files); how many pairs were added."""
    from .human import review_digest, reviewed_pairs
    added = 0
    for job in reviewed:
        if job.existing is None or memory.has_reviewed(review_digest(job, config)):
            continue
        got = reviewed_pairs(job, config)
        languages = (job.source.lang, job.target_lang)
        added += memory.store_many(human_key(*languages), got.pairs, languages=languages,
                                   origin=HUMAN)
        memory.store_markup(got.markup)
        memory.mark_reviewed(got.digest)
    return added


def _dry_run(config: SiteConfig, articles: Sequence[content.Article], jobs: Sequence[Job],
             pairs: Sequence[tuple[str, str]], routes: SiteRoutes, out: TextIO,
             err: TextIO) -> int:
    """What a run would do, and how many sentences would reach the model; writes nothing
    (the memory is read, not even its hit counts change)."""
    from .human import reviewed_pairs
    root = config.root
    for j in jobs:
        if j.action in (TRANSLATE, STALE_REVIEWED, EDITED):
            verb = "translate" if j.action == TRANSLATE else "keep"
            print(f"would {verb} {_target_path(j, root)} ({j.reason})", file=out)
    by_key = {(a.lang, a.slug): a for a in articles}
    totals = [0, 0]
    path = root / MEMORY_FILE
    memory = TranslationMemory.open_readonly(path) if path.is_file() else None
    try:
        for pair in pairs:
            print(f"{pair[1]} from {pair[0]}: {routes.plan(pair)}", file=out)
            todo = [j for j in jobs if (j.source.lang, j.target_lang) == pair
                    and j.action == TRANSLATE]
            _warn_chains(todo, by_key, root, err)
            as_written = _prepare(todo, config)[1]
            keys = list(as_written)
            human = {normalise(s) for j in jobs if j.action == REVIEWED
                     and (j.source.lang, j.target_lang) == pair
                     for s, _t in reviewed_pairs(j, config).pairs}
            known = {k for k in keys if k in human}
            identity = routes.identity(pair)
            if memory is not None:
                rest = [k for k in keys if k not in known]
                known |= memory.peek_many(human_key(*pair), rest)
                if identity is not None:
                    # the model's translations are kept with names as placeholders
                    model_key = _shield(Glossary(config, *pair), as_written)[1]
                    rest = [k for k in rest if k not in known]
                    held = memory.peek_many(identity, [model_key[k] for k in rest])
                    known |= {k for k in rest if model_key[k] in held}
            print(f"{pair[1]} from {pair[0]}: {len(keys)} sentence(s): {len(known)} from "
                  f"memory, {len(keys) - len(known)} to the model", file=out)
            totals[0] += len(keys)
            totals[1] += len(known)
    finally:
        if memory is not None:
            memory.close()
    summary = tally(jobs)
    summary.sentences, summary.from_memory = totals
    summary.by_model = totals[0] - totals[1]
    print_summary(summary, out, dry_run=True,
                  pending=sum(1 for j in jobs if j.action == TRANSLATE))
    return 0


def _warn_chains(todo: Sequence[Job], by_key: dict[tuple[str, str], content.Article],
                 root: Path, err: TextIO) -> None:
    """One line per file translated from a translation that is stale or hand-edited."""
    for job in todo:
        line = chain.warning(display_path(_target_path(job, root)),
                             chain.chain_of(job.source, by_key))
        if line:
            print(line, file=err)


@dataclass
class _Unit:
    """A piece of text sent to the model as sentences and put back as one string."""

    sentences: list[str]


@dataclass
class _Prepared:
    job: Job
    title: _Unit
    summary: _Unit | None
    document: Any
    body_units: list[_Unit]
    sentence_count: int
    image_units: dict[str, _Unit]  # the picture's alt and caption, to be translated too
    markup: list[tuple[str, tuple[Placeholder, ...]]]  # per body sentence with placeholders


def _prepare(todo: Sequence[Job], config: SiteConfig
             ) -> tuple[list[_Prepared], dict[str, str]]:
    """Each article cut into units and sentences, and the run's unique sentences in
    article order, so articles complete one after another: keyed normalised (as the
    memory keys them), as the model reads them (in their language's letters)."""
    from .segment import segment

    def unit(value: str) -> _Unit:
        return _Unit([s for s in split_sentences(value) if s.strip()])

    prepared: list[_Prepared] = []
    for job in todo:
        # read as the renderer reads it: with the extensions the site enables
        doc = segment(content.body_of(job.source), config.markdown.extensions,
                      extension_configs=config.markdown.extension_configs)
        body_units = [unit(u) for u in doc.units]
        markup = [(s, m) for u, bu in zip([u for u in doc.inline if u.translatable],
                                           body_units, strict=True)
                  for s in bu.sentences if (m := placeholders_in(s, u.tokens))]
        title = unit(job.source.title)
        summ = unit(job.source.summary) if job.source.summary else None
        image = job.source.image
        image_units = {key: unit(getattr(image, key)) for key in IMAGE_WORDS
                       if image is not None and getattr(image, key)}
        count = sum(len(u.sentences) for u in [title, *([summ] if summ else []), *body_units,
                                                 *image_units.values()])
        prepared.append(_Prepared(job, title, summ, doc, body_units, count, image_units,
                                  markup))
    as_written: dict[str, str] = {}
    for p in prepared:
        for u in _units(p):
            for s in u.sentences:
                as_written.setdefault(normalise(s),
                                      text.in_script_of(text.clean_line(s), p.job.source.lang))
    return prepared, as_written


def _run(todo: Sequence[Job], engine: Translator, config: SiteConfig, summary: Summary,
         err: TextIO, memory: TranslationMemory,
         by_key: dict[tuple[str, str], content.Article]) -> None:
    """Translate the jobs of one language pair: the memory first (a person's reviewed
    sentences before the model's), then the model in chunks, each article written as soon
    as its last sentence is translated."""
    pair = (todo[0].source.lang, todo[0].target_lang)
    _warn_chains(todo, by_key, config.root, err)
    prepared, as_written = _prepare(todo, config)
    keys = list(as_written)
    summary.sentences += len(keys)
    glossary = Glossary(config, *pair)
    shielded, model_key = _shield(glossary, as_written)
    memory.store_markup(_markup(prepared, shielded, model_key))
    known: dict[str, str] = memory.lookup_many(human_key(*pair), keys)
    scores: dict[str, float | None] = {}  # the model's confidence, per machine sentence
    stored = memory.lookup_scored(engine.identity, [model_key[k] for k in keys
                                                    if k not in known])
    for k in keys:
        hit = stored.get(model_key[k]) if k not in known else None
        if hit is not None:
            known[k], scores[k] = glossary.restore(hit[0], shielded[k]), hit[1]
    summary.from_memory += len(known)
    # what the model is asked: each protected sentence once, for all it stands for
    asked: dict[str, list[str]] = {}
    for k in keys:
        if k not in known:
            asked.setdefault(model_key[k], []).append(k)
    missing = list(asked)
    if missing and isinstance(engine, LazyEngine):
        engine.load()  # a broken package is one error line before anything is written
    position = {k: i for i, mk in enumerate(missing) for k in asked[mk]}
    # the position of each article's last sentence to translate (-1: all in the memory)
    last = [max((position.get(normalise(s), -1) for u in _units(p) for s in u.sentences),
                default=-1) for p in prepared]
    queue = sorted(range(len(prepared)), key=lambda i: (last[i], i))
    finished_at = sorted(last)
    done = 0

    def write_finished(translated: int) -> None:
        nonlocal done
        while done < len(queue) and last[queue[done]] < translated:
            _write_article(prepared[queue[done]], known, scores, engine, config, summary,
                           by_key)
            done += 1

    write_finished(0)
    progress = Progress(len(missing), len(prepared), err)
    on_gpu = getattr(getattr(engine, "hardware", None), "device", "cpu") == "cuda"
    size = ray_run.batch_size(CHUNK_CUDA if on_gpu else CHUNK)
    chunks = [missing[start:start + size] for start in range(0, len(missing), size)]
    # in order here; from Ray (`translate --ray`) in any order: each batch is stored in the
    # memory as it comes, and articles are written once every batch before theirs is in
    back: set[int] = set()
    translated = 0
    for index, results in ray_run.translate_chunks(
            engine, [[shielded[asked[mk][0]].text for mk in chunk] for chunk in chunks]):
        chunk = chunks[index]
        memory.store_many(engine.identity, [(mk, r.text, r.score) for mk, r in
                                            zip(chunk, results, strict=True)], languages=pair)
        for mk, r in zip(chunk, results, strict=True):
            for k in asked[mk]:
                known[k], scores[k] = glossary.restore(r.text, shielded[k]), r.score
                summary.by_model += 1
        back.add(index)
        while translated // size < len(chunks) and translated // size in back:
            step = len(chunks[translated // size])
            translated += step
            progress.advance(step, bisect.bisect_left(finished_at, translated))
            write_finished(translated)
    if missing:
        progress.finish()


def _shield(glossary: Glossary, as_written: dict[str, str]
            ) -> tuple[dict[str, Protected], dict[str, str]]:
    """Per sentence key: the sentence with its names as placeholders (what the model reads),
    and the key the machine translation is kept under in the memory (its normalised form)."""
    shielded = {k: glossary.protect(v) for k, v in as_written.items()}
    return shielded, {k: normalise(p.text) for k, p in shielded.items()}


def _markup(prepared: Sequence[_Prepared], shielded: dict[str, Protected],
            model_key: dict[str, str]) -> list[tuple[str, tuple[Placeholder, ...]]]:
    """What the placeholders of each sentence stand for, for TMX: the inline markup of the
    sentence as written and, for the form with names as placeholders (the key the model's
    translation is kept under), the names too."""
    items = [m for p in prepared for m in p.markup]
    markup_of = {normalise(s): tokens for s, tokens in items}
    for k, protected in shielded.items():
        if protected.slots:
            items.append((model_key[k], markup_of.get(k, ()) + glossary_markup(protected.slots)))
    return items


def _write_article(p: _Prepared, known: dict[str, str], scores: dict[str, float | None],
                   engine: Translator, config: SiteConfig, summary: Summary,
                   by_key: dict[tuple[str, str], content.Article]) -> None:
    def render_unit(u: _Unit) -> str:
        return join(known[normalise(s)] for s in u.sentences)

    new_title = text.clean_line(render_unit(p.title)) or p.job.source.slug
    new_summary = text.clean_line(render_unit(p.summary)) if p.summary else None
    body = p.document.render([render_unit(u) for u in p.body_units])
    path = _target_path(p.job, config.root)
    image_words = {key: text.clean_line(render_unit(u)) for key, u in p.image_units.items()}
    hops = chain.chain_of(p.job.source, by_key)
    rows = confidence.rows(display_path(path), _placed_units(p), known, scores,
                           config.translate.low_confidence)
    _write_atomic(path, _compose(p.job, new_title, new_summary, body, engine, image_words,
                                 hops, confidence.entries(rows)))
    summary.translated.append(str(path))
    summary.scored.extend(rows)


def _placed_units(p: _Prepared) -> list[tuple[str, list[str]]]:
    """Each unit's sentences with where the unit is in the file: title, summary, body,
    image.alt, image.caption."""
    return [("title", p.title.sentences),
            *([("summary", p.summary.sentences)] if p.summary else []),
            *(("body", u.sentences) for u in p.body_units),
            *((f"image.{key}", u.sentences) for key, u in p.image_units.items())]


IMAGE_WORDS = ("alt", "caption")  # a credit names people and agencies: kept as written


def _units(p: _Prepared) -> list[_Unit]:
    return [p.title, *([p.summary] if p.summary else []), *p.body_units,
            *p.image_units.values()]


def _target_path(job: Job, root: Path) -> Path:
    if job.existing is not None:
        return job.existing.file
    return job.source.file.with_name(f"{job.source.slug}.{job.target_lang}.md")


def _compose(job: Job, title: str, summary: str | None, body: str, engine: Translator,
             image_words: dict[str, str] | None = None,
             hops: Sequence[chain.Hop] = (),
             low_confidence: Sequence[dict[str, Any]] = (), status: str = "machine") -> str:
    """The translated file: the source's metadata, the new text (the picture's alt and
    caption too), and its provenance: for a translation of a translation, every hop back
    to the original (`chain`). `status` is `reviewed` for a review taken back from XLIFF
    (xliff.py)."""
    source_fm = _front_matter(job.source)
    fm: dict[str, Any] = {"title": title}
    if summary:
        fm["summary"] = summary
    for key, value in source_fm.items():
        if key not in ("title", "summary", "translation"):
            fm[key] = value
    picture = ""
    if isinstance(fm.get("image"), dict):
        if image_words:
            fm["image"] = {**fm["image"], **{k: v for k, v in image_words.items() if v}}
        picture = picture_words(str(fm["image"].get("alt") or ""),
                                str(fm["image"].get("caption") or ""))
    body = body if body.endswith("\n") or not body else body + "\n"
    provenance: dict[str, dict[str, Any]] = {"translation": {
        "from": job.source.lang,
        "source_sha256": job.source.sha256,
        "engine": engine.engine_name,
        "model": engine.model_name,
        "status": status,
        "output_sha256": content_digest(title, summary, body, picture),
    }}
    if low_confidence:
        provenance["translation"]["low_confidence"] = [_Flow(e) for e in low_confidence]
    comments = ""
    if hops and chain.structured():
        provenance["translation"]["chain"] = [hop.record() for hop in hops]
    elif hops:
        comments = "".join(f"  {hop.comment()}\n" for hop in hops)
    head = yaml.dump(_Block(fm), Dumper=_FrontMatterDumper, allow_unicode=True,
                     sort_keys=False, width=1000, default_flow_style=None)
    tail = yaml.dump(provenance, Dumper=_FrontMatterDumper, allow_unicode=True,
                     sort_keys=False, width=1000, default_flow_style=False)
    return f"---\n{head}{tail}{comments}---\n{body}"


class _Block(dict[str, Any]):
    """The top level of front matter: always one key a line, so the provenance block can
    follow it. (With default_flow_style=None, PyYAML writes a mapping of plain values as
    `{title: ..., date: ...}`, and an article without tags came out as invalid YAML.)"""


class _FrontMatterDumper(yaml.SafeDumper):
    """SafeDumper that writes a _Block in block style, and lists of tags in flow style."""


class _Flow(dict[str, Any]):
    """A mapping written on one line, `{where: body, score: -2.1, text: ...}`: an entry of
    `low_confidence`."""


_FrontMatterDumper.add_representer(
    _Block, lambda dumper, data: dumper.represent_mapping(
        "tag:yaml.org,2002:map", data, flow_style=False))
_FrontMatterDumper.add_representer(
    _Flow, lambda dumper, data: dumper.represent_mapping(
        "tag:yaml.org,2002:map", data, flow_style=True))


def _front_matter(article: content.Article) -> dict[str, Any]:
    raw = article.file.read_text(encoding="utf-8")
    parts = frontmatter.split_front_matter(raw)
    assert parts is not None  # it was validated when loaded
    data = yamlsrc.load(frontmatter.remove_controls(parts[0])[0])  # as content.read reads it
    return yamlsrc.plain(data) if isinstance(data, dict) else {}


def _write_atomic(path: Path, data: str | bytes) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old or the new file
    (and a temporary file, `.<name>.<random>.tmp`, that the next run removes). The file
    keeps its permissions; a new one gets those the umask gives."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=workspace.TEMP_SUFFIX,
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, workspace.mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_tmx(site: Path, dest: Path, out: TextIO | None = None) -> int:
    """Write the site's translation memory as TMX for human translators."""
    path = site / MEMORY_FILE
    if not path.is_file():
        raise KhabarError([Diagnostic(str(path), None, "no translation memory yet",
                                      "run `khabar translate` first")])
    config = config_stage.load(site)
    target = next((lang for lang in config.languages if lang.translate_from), None)
    source_lang = target.translate_from if target and target.translate_from else "fa"
    with TranslationMemory.open(path) as memory:
        count = memory.export_tmx(dest, source_lang=source_lang,
                                  target_lang=target.code if target else "en",
                                  pair_of=languages_of)
    print(f"wrote {count} translation units to {dest}", file=out or sys.stdout)
    return 0


_PACKAGE_PAIR = re.compile(r"\btranslate-([a-z]{2,3})_([a-z]{2,3})\b")


def languages_of(identity: str) -> tuple[str, str] | None:
    """The languages a model's (or a chain's) identity translates between, from the Argos
    package codes in it (`translate-fa_en 1.9 #...`, chains joined leg by leg); None for
    an identity that names none."""
    legs = _PACKAGE_PAIR.findall(identity)
    return (legs[0][0], legs[-1][1]) if legs else None


def models_command(action: str, file: str | None, to_code: str | None,
                   out: TextIO | None = None, site: Path | None = None) -> int:
    """`khabar models list`, `models install FILE.argosmodel` and `models install FROM TO`.

    `models list` shows the installed models, the pairs they translate through a pivot,
    and, for the site in `site` (default: the current folder, when it holds site.yaml),
    which model or chain translates each of its languages."""
    require_translate_extra(f"models {action}")
    from . import models
    out = out or sys.stdout
    if action == "list":
        list_models(models.list_installed(), Path(".") if site is None else site, out)
        return 0
    assert file is not None
    if to_code is not None:
        return _download(file, to_code, out)
    try:
        model = models.install(Path(file))
    except (models.InvalidPackage, OSError) as exc:
        raise KhabarError([Diagnostic(file, None, str(exc),
                                      "give a .argosmodel file from the Argos package index")]
                          ) from None
    print(f"installed {model.label} into {model.path}", file=out)
    return 0


def fetch(url: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """One GET, one attempt, with a timeout (the caller says what failed); file: too, for a
    local mirror named by ARGOS_PACKAGE_INDEX."""
    if urlsplit(url).scheme not in ("http", "https", "file"):
        raise URLError(f"not an http(s) or file: address: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": f"khabar/{__version__}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data: bytes = response.read()
    return data


def _unreachable(what: str, url: str, exc: Exception) -> CommandError:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, TimeoutError):
        reason = f"no answer in {DOWNLOAD_TIMEOUT_S:.0f} s"
    return CommandError(f"could not download {what} from {url}: {reason}", OFFLINE_HINT)


def _download(from_code: str, to_code: str, out: TextIO) -> int:
    """`models install fa en`: the one command that may use the network. Each address is
    asked once, with a timeout, and a failure is one line: argostranslate's own
    `update_package_index` and `download` would retry without end while offline."""
    from argostranslate import package, settings

    from . import models
    index_url = str(settings.remote_package_index)
    try:
        index = json.loads(fetch(index_url))
    except (OSError, ValueError) as exc:  # URLError and timeouts are OSErrors
        raise _unreachable("the Argos package index", index_url, exc) from None
    candidates = [package.AvailablePackage(entry) for entry in index
                  if isinstance(entry, dict) and entry.get("from_code") == from_code
                  and entry.get("to_code") == to_code
                  and entry.get("type", "translate") == "translate"]
    if not candidates:
        raise CommandError(f"the Argos package index has no package from {from_code} to "
                           f"{to_code}", pivot_hint(from_code, to_code, index))
    from .engine import _version_key
    chosen = max(candidates, key=lambda p: _version_key(str(p.package_version)))
    links = [str(link) for link in chosen.links or []]
    name = f"translate-{from_code}_{to_code}-{chosen.package_version}.argosmodel"
    data, failure = None, None
    for link in links:  # mirrors of one file: each asked once
        try:
            data = fetch(link)
            break
        except OSError as exc:
            failure = _unreachable(name, link, exc)
    if data is None:
        raise failure or CommandError(f"the Argos index gives no address for {name}",
                                      OFFLINE_HINT)
    with tempfile.TemporaryDirectory(prefix="khabar-model-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            model = models.install(path)
        except models.InvalidPackage as exc:
            raise CommandError(f"the file downloaded from the Argos index is not a package: "
                               f"{exc}", OFFLINE_HINT) from None
    print(f"installed {model.label} into {model.path}", file=out)
    return 0
