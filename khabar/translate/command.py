"""`khabar translate` and `khabar models`: plan, translate in one batch, write atomically."""

from __future__ import annotations

import bisect
import importlib
import json
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.error import URLError
from urllib.parse import urlsplit

import yaml

from .. import __version__, content, text, yamlsrc
from .. import config as config_stage
from ..errors import CommandError, Diagnostic, KhabarError, MissingExtra
from .plan import (
    CURRENT,
    EDITED,
    ORIGINAL,
    REVIEWED,
    STALE_REVIEWED,
    TRANSLATE,
    Job,
    content_digest,
    decide,
)

MEMORY_FILE = "translation-memory.sqlite"
CHUNK = 256  # sentences per model call: big enough to batch well, small enough to report
TRANSLATE_EXTRA = "pip install 'khabar[translate]'"
# What `models install FROM TO` waits for one answer: argostranslate's own download retries
# every mirror in a loop when the network is down, printing each failure.
DOWNLOAD_TIMEOUT_S = 30.0
OFFLINE_HINT = ("check the network connection, or download the .argosmodel file on another "
                "machine and run: khabar models install FILE.argosmodel")


def require_translate_extra(command: str) -> None:
    """Import what machine translation needs, or stop with one line saying what to install:
    without the translate extra, the missing module would end the command in a traceback
    from deep inside argostranslate."""
    for module in ("argostranslate", "argostranslate.package", "argostranslate.settings",
                   "ctranslate2", "sentencepiece"):
        try:
            importlib.import_module(module)
        except ImportError:
            raise MissingExtra(f"`khabar {command}` needs the translate extra, which is not "
                               f"installed ({module} cannot be imported)",
                               TRANSLATE_EXTRA) from None


class Translator:
    """What the run needs of an engine (ArgosEngine, or a test double)."""

    engine_name: str
    model_name: str
    identity: str
    calls: int

    def translate(self, sentences: Sequence[str]) -> list[str]:  # pragma: no cover
        raise NotImplementedError


@dataclass
class Summary:
    translated: list[str] = field(default_factory=list)
    current: int = 0
    reviewed: int = 0
    stale_reviewed: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    originals: int = 0
    sentences: int = 0
    from_memory: int = 0
    by_model: int = 0


class Progress:
    """Articles and sentences done, rate and time left, on one terminal line."""

    def __init__(self, total_sentences: int, articles: int, stream: TextIO) -> None:
        self.total, self.articles, self.stream = total_sentences, articles, stream
        self.done = 0
        self.start = time.monotonic()
        self.tty = stream.isatty()
        self._last = 0.0

    def advance(self, n: int, articles_done: int) -> None:
        self.done += n
        now = time.monotonic()
        if not self.tty and now - self._last < 5 and self.done < self.total:
            return
        self._last = now
        rate = self.done / max(now - self.start, 1e-6)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        line = (f"[{bar}] {self.done}/{self.total} sentences, {articles_done}/{self.articles} "
                f"articles, {rate:.1f} sent/s, {left:.0f}s left")
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")


def translate_site(site: Path, *, to_lang: str | None = None, dry_run: bool = False,
                   force: bool = False, engine: Translator | None = None,
                   out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Translate what is missing or stale; 0 on success, 1 when no model is installed."""
    out, err = out or sys.stdout, err or sys.stderr
    config = config_stage.load(site)
    if to_lang is not None and not any(
            lang.code == to_lang and lang.translate_from for lang in config.languages):
        raise KhabarError([Diagnostic(str(site / config_stage.SITE_FILE), None,
                                      f"--to {to_lang}: no language of the site is "
                                      "translated into it",
                                      "give the language `translate_from:` in site.yaml")])
    articles = content.load(config, include_drafts=True)
    jobs = decide(config, articles, to_lang=to_lang, force=force)
    todo = [j for j in jobs if j.action == TRANSLATE]
    summary = _tally(jobs)
    if dry_run:
        for j in jobs:
            if j.action in (TRANSLATE, STALE_REVIEWED, EDITED):
                verb = "translate" if j.action == TRANSLATE else "keep"
                print(f"would {verb} {_target_path(j, config.root)} ({j.reason})", file=out)
        _print_summary(summary, out, dry_run=True, pending=len(todo))
        return 0
    if todo:
        if engine is None:
            engine_or_error = _load_engine(config, todo)
            if isinstance(engine_or_error, tuple):
                message, hint = engine_or_error
                print(f"khabar: error: {message} (hint: {hint})", file=err)
                return 1
            engine = engine_or_error
        _run(todo, engine, config.root, summary, err)
    _print_summary(summary, out, dry_run=False, pending=0)
    return 0


def _tally(jobs: Sequence[Job]) -> Summary:
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


def _load_engine(config: config_stage.SiteConfig, todo: Sequence[Job]
                 ) -> Translator | tuple[str, str]:
    """The engine for the run, or (message, hint) saying why there is none."""
    pairs = sorted({(j.source.lang, j.target_lang) for j in todo})
    if len(pairs) != 1:
        return ("translating into several languages at once is not supported",
                "translate one language per run with --to LANG")
    require_translate_extra("translate")
    from .engine import INSTALL_HINT, ArgosEngine, ModelMissing
    try:
        return ArgosEngine.load(*pairs[0])  # type: ignore[return-value]
    except ModelMissing as exc:
        message, _, hint = str(exc).partition("; ")
        return message, hint or f"run: {INSTALL_HINT}"


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


def _run(todo: Sequence[Job], engine: Translator, root: Path, summary: Summary,
         err: TextIO) -> None:
    from .memory import TranslationMemory, normalise_source
    from .segment import segment
    from .split import join, split_sentences

    def unit(value: str) -> _Unit:
        return _Unit([s for s in split_sentences(value) if s.strip()])

    prepared: list[_Prepared] = []
    for job in todo:
        doc = segment(job.source.body)
        body_units = [unit(u) for u in doc.units]
        title = unit(job.source.title)
        summ = unit(job.source.summary) if job.source.summary else None
        count = sum(len(u.sentences) for u in [title, *( [summ] if summ else []), *body_units])
        prepared.append(_Prepared(job, title, summ, doc, body_units, count))

    # unique sentences in article order, so articles complete one after another
    keys = list(dict.fromkeys(
        normalise_source(s) for p in prepared for u in _units(p) for s in u.sentences))
    summary.sentences = len(keys)
    with TranslationMemory.open(root / MEMORY_FILE) as memory:
        known = memory.lookup_many(engine.identity, keys)
        summary.from_memory = len(known)
        missing = [k for k in keys if k not in known]
        position = {k: i for i, k in enumerate(missing)}
        finished_at = sorted(max((position.get(normalise_source(s), -1) for u in _units(p)
                                  for s in u.sentences), default=-1) for p in prepared)
        progress = Progress(len(missing), len(prepared), err)
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start:start + CHUNK]
            results = engine.translate(chunk)
            memory.store_many(engine.identity, zip(chunk, results, strict=True))
            known.update(zip(chunk, results, strict=True))
            progress.advance(len(chunk), bisect.bisect_left(finished_at, start + len(chunk)))
        if missing:
            progress.finish()
        summary.by_model = len(missing)

    def render_unit(u: _Unit) -> str:
        return join(known[normalise_source(s)] for s in u.sentences)

    for p in prepared:
        new_title = text.clean_line(render_unit(p.title)) or p.job.source.slug
        new_summary = text.clean_line(render_unit(p.summary)) if p.summary else None
        body = p.document.render([render_unit(u) for u in p.body_units])
        path = _target_path(p.job, root)
        _write_atomic(path, _compose(p.job, new_title, new_summary, body, engine))
        summary.translated.append(str(path))


def _units(p: _Prepared) -> list[_Unit]:
    return [p.title, *([p.summary] if p.summary else []), *p.body_units]


def _target_path(job: Job, root: Path) -> Path:
    if job.existing is not None:
        return job.existing.file
    return job.source.file.with_name(f"{job.source.slug}.{job.target_lang}.md")


def _compose(job: Job, title: str, summary: str | None, body: str, engine: Translator) -> str:
    """The translated file: the source's metadata, the new text, and its provenance."""
    source_fm = _front_matter(job.source)
    fm: dict[str, Any] = {"title": title}
    if summary:
        fm["summary"] = summary
    for key, value in source_fm.items():
        if key not in ("title", "summary", "translation"):
            fm[key] = value
    body = body if body.endswith("\n") or not body else body + "\n"
    provenance = {"translation": {
        "from": job.source.lang,
        "source_sha256": job.source.sha256,
        "engine": engine.engine_name,
        "model": engine.model_name,
        "status": "machine",
        "output_sha256": content_digest(title, summary, body),
    }}
    head = yaml.safe_dump(fm, allow_unicode=True, sort_keys=False, width=1000,
                          default_flow_style=None)
    tail = yaml.safe_dump(provenance, allow_unicode=True, sort_keys=False, width=1000,
                          default_flow_style=False)
    return f"---\n{head}{tail}---\n{body}"


def _front_matter(article: content.Article) -> dict[str, Any]:
    raw = article.file.read_text(encoding="utf-8")
    parts = content.split_front_matter(raw)
    assert parts is not None  # it was validated when loaded
    data = yamlsrc.load(content.remove_controls(parts[0])[0])  # as content.read reads it
    return _plain(data) if isinstance(data, dict) else {}


def _plain(value: Any) -> Any:
    """LineDict/LineList back to plain dict/list for yaml.safe_dump."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _write_atomic(path: Path, data: str) -> None:
    """Temp file in the same folder, fsync, rename: a crash leaves the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_summary(s: Summary, out: TextIO, *, dry_run: bool, pending: int) -> None:
    if dry_run:
        print(f"would translate {pending} article(s); up to date {s.current}; "
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


def export_tmx(site: Path, dest: Path, out: TextIO | None = None) -> int:
    """Write the site's translation memory as TMX for human translators."""
    from .memory import TranslationMemory
    path = site / MEMORY_FILE
    if not path.is_file():
        raise KhabarError([Diagnostic(str(path), None, "no translation memory yet",
                                      "run `khabar translate` first")])
    config = config_stage.load(site)
    target = next((lang for lang in config.languages if lang.translate_from), None)
    source_lang = target.translate_from if target and target.translate_from else "fa"
    with TranslationMemory.open(path) as memory:
        count = memory.export_tmx(dest, source_lang=source_lang,
                                  target_lang=target.code if target else "en")
    print(f"wrote {count} translation units to {dest}", file=out or sys.stdout)
    return 0


def models_command(action: str, file: str | None, to_code: str | None,
                   out: TextIO | None = None) -> int:
    """`khabar models list`, `models install FILE.argosmodel` and `models install FROM TO`."""
    require_translate_extra(f"models {action}")
    from . import models
    out = out or sys.stdout
    if action == "list":
        installed = models.list_installed()
        if not installed:
            print("no translation models installed; install one with: "
                  "khabar models install FILE.argosmodel", file=out)
        for m in installed:
            print(f"{m.label}  {m.path}", file=out)
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
                           f"{to_code}", "see the language pairs it has at "
                           "https://www.argosopentech.com/argospm/index/")
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
