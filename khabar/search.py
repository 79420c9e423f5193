"""Search: a static Pagefind index of each language's stories, made by every build that
changes something, into the staged tree before it is published (a failed index leaves
the old site, like any failed build).

A language's index is cut into parts (stories.search_parts: one for a small site, 4 for
1,000 stories, 12 for 10,000), each a Pagefind bundle of its own (`pagefind/fa/2-of-4/`)
holding the stories whose slug hashes to it, so each part is a sample of the whole and
the parts' scores compare. A build indexes again only the parts whose documents changed
(their digest is published in them), in parallel; the search page opens the first part
and merges the others into it (Pagefind's mergeIndex). Pagefind's interface files, the
same in every part, are published once, in `pagefind/`.

Pagefind (the binary of `pagefind-bin`, found by the `pagefind` package, run as a command;
see run_pagefind) indexes one small HTML document per story and language, written here
into a scratch folder from the same StoryView the story's page shows: its title, summary,
body and tag names; its date, picture and tags as meta (shown with each result); its tags
as filters, one per taxonomy, named as the language names it; and the search keys of its
words. A document's `<html lang>` puts it in its language's index, so each language's
search page searches its own stories. A pending translation (the original's text under
another language) is left out, as it is left out of search engines. The pages themselves
carry no Pagefind attribute and no hidden text.

Search keys make a word found however a reader types it: `search_key` is text.match_key
(Arabic yeh and kaf as Persian letters, no diacritics or tatweel, ZWNJ as a space, case
folded) with Persian and Arabic-Indic digits as ASCII ones. A word whose key differs from
the word is indexed under its key too (a ZWNJ compound split and joined), and the search
page's script (templates/assets/search/search.js, `searchKey`) puts every query through
the same folding. The keys follow a separator in the index, and the script builds each
result's excerpt from the story's own words before it, marking those whose keys match.

Pagefind's output is not byte-stable between runs (its filter indexes and its entry file
list values in hash-map order, Pagefind issue #638); `canonical` sorts them, so two builds
of the same site make the same index, byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from html import unescape
from importlib import metadata
from pathlib import Path
from typing import Any

import cbor2
from markupsafe import escape

from .errors import CommandError
from .publish import STAGE_PREFIX
from .render import SiteView, StoryView, _Views
from .stories import PENDING, Story, search_part, search_parts
from .text import ascii_digits, match_key
from .urls import output_path

SEARCH_DIR = "pagefind"  # under the output folder, so /pagefind/ under the base URL's path
# The digest of the documents a bundle was made from, published in it: a build whose
# documents are the same keeps the output's bundle (see _kept).
DIGEST_NAME = "khabar-documents.sha256"
# Pagefind's interface (the same in every bundle), published once in SEARCH_DIR; the rest
# of a bundle (pagefind.js, its worker, WebAssembly, entry, meta, index) stays in it.
_INTERFACE = re.compile(r"pagefind-(ui|modular-ui|component-ui|highlight)\.(js|css)$")
FORMAT = 2  # of the documents and of canonical(): a new one makes every index again
# Between a document's own text and its words' search keys: the script reads the excerpt
# from the words before it. U+2063 INVISIBLE SEPARATOR: no word to Pagefind.
SEPARATOR = "\u2063"
TITLE_WEIGHT = 7  # Pagefind's weight of an <h1>: the title's keys count as the title does
INSTALL_HINT = "pip install 'pagefind[bin]>=1.5,<1.6' (the binary comes in the wheel)"
_TAG = re.compile(r"<[^>]*>")
_IMG = re.compile(r"<img\b[^>]*>", re.I)


def search_key(text: str) -> str:
    """The form a word is searched in: text.match_key, digits as ASCII. The search page's
    script (`searchKey` in assets/search/search.js) does exactly this to every query."""
    return ascii_digits(match_key(text))


def variants(text: str) -> list[str]:
    """The search keys of `text`'s words that are not the words themselves (in lower
    case), once each in order: a ZWNJ compound split (`می شود`) and joined (`میشود`)."""
    found: dict[str, None] = {}
    for word in text.split():
        for key in _word_keys(word):
            found[key] = None
    return list(found)


@lru_cache(maxsize=1 << 17)  # a site's words repeat: each is folded once a build
def _word_keys(word: str) -> tuple[str, ...]:
    key = search_key(word)
    if not key or key == word.casefold():
        return ()
    return (key, key.replace(" ", "")) if " " in key else (key,)


def _text(html: str) -> str:
    return unescape(_TAG.sub(" ", html))


def _squeezed(text: str) -> str:
    return "".join(unescape(text).split())


def _meta(key: str, value: str) -> str:
    """A `data-pagefind-meta` element: Pagefind splits the attribute at its first colon."""
    return f'<span data-pagefind-meta="{escape(key.replace(":", " "))}:{escape(value)}"></span>'


def document(view: StoryView, lang: str, direction: str,
             join: Callable[[Sequence[str]], str]) -> str:
    """The HTML Pagefind indexes for one story in one language (`join`: the language's
    way of listing names, i18n.Words.join)."""
    by_taxonomy: dict[str, list[str]] = {}
    for term in view.terms:
        by_taxonomy.setdefault(term.note, []).append(term.label)
    # no picture of the body's: Pagefind would show the first as the result's own
    body = _IMG.sub("", view.html.replace(SEPARATOR, ""))
    body_text = _text(body)
    summary = view.summary if view.summary and _squeezed(view.summary.rstrip("…")) not in \
        _squeezed(_TAG.sub("", body)) else ""  # a summary that is not the first paragraph
    parts = [
        "<!doctype html>",
        f'<html lang="{escape(lang)}" dir="{escape(direction)}">',
        f'<head><meta charset="utf-8"><title>{escape(view.title)}</title></head>',
        "<body><main data-pagefind-body>",
        f'<h1 data-pagefind-meta="title">{escape(view.title)}</h1>',
        _meta("date", view.when_text),
        _meta("datetime", view.date_iso),
    ]
    if view.image is not None:
        parts += [_meta("image", view.image.src), _meta("image_alt", view.image.alt)]
    parts += [_meta(note, join(names)) for note, names in by_taxonomy.items()]
    if summary:
        parts.append(f"<p>{escape(summary)}</p>")
    if body:
        parts.append(f"<div>{body}</div>")
    parts.append(f"<p>{SEPARATOR}</p>")  # the excerpt's words end here: tags are shown apart
    if view.terms:
        parts.append("<ul>" + "".join(
            f'<li data-pagefind-filter="{escape(term.note.replace(":", " "))}">'
            f"{escape(term.label)}</li>" for term in view.terms) + "</ul>")
    title_keys = variants(view.title)
    if title_keys:
        parts.append(f'<p data-pagefind-weight="{TITLE_WEIGHT}">'
                     f"{escape(' '.join(title_keys))}</p>")
    other = [k for k in variants(" ".join([summary, body_text,
                                           *(t.label for t in view.terms)]))
             if k not in title_keys]
    if other:
        parts.append(f"<p>{escape(' '.join(other))}</p>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def parts(site: SiteView) -> dict[str, list[tuple[str, Story]]]:
    """Every story a search indexes, as (language, story), by the folder of its part of its
    language's index (stories.search_parts): `pagefind/fa/2-of-4`."""
    out: dict[str, list[tuple[str, Story]]] = {}
    urls = site.urls
    for language in site.config.languages:
        stories = site.stories[language.code]
        count = search_parts(stories)
        for story in stories:
            if story.state != PENDING:
                folder = urls.search_bundle(language.code, search_part(story.slug, count),
                                            count)
                out.setdefault(folder.strip("/"), []).append((language.code, story))
    return out


def documents(site: SiteView, members: Sequence[tuple[str, Story]],
              views: dict[str, _Views] | None = None) -> dict[str, str]:
    """The document of each story of a part, by its path under the scratch folder: its
    page's address under the base URL's path (/repo/fa/articles/x/), which each result
    carries (the search script links it as it is: Pagefind's own address for it adds the
    path again). `views`: each language's, made once for every part."""
    urls = site.urls
    views = {} if views is None else views
    for code in {code for code, _s in members} - views.keys():
        views[code] = _Views(site, code)
    out: dict[str, str] = {}
    for code, story in members:
        language = site.config.language(code)
        href = urls.href(urls.article(code, story.slug))
        out[output_path(href)] = document(views[code].story(story), code, language.dir,
                                          site.words[code].join)
    return out


def index(site: SiteView, scratch: Path, *, out: Path | None = None,
          last: Mapping[str, bytes] | None = None, changed: AbstractSet[str] | None = None,
          timeout: float | None = None) -> dict[str, bytes]:
    """The search index and Pagefind's scripts, by output path (under `pagefind/`): a
    bundle per part of a language's stories (`pagefind/fa/2-of-4/`), each made by Pagefind
    in a scratch folder under `scratch` (the build's work folder), removed after, or the
    output's own (`out`: the output folder; `last`: the fingerprints of its files, from the
    build cache) when it was made from the same documents, or when it has none of the
    stories `changed` (a partial build's: the only ones whose text may differ); Pagefind's
    interface once, in `pagefind/`. Raises CommandError (one line) when Pagefind is
    missing or fails."""
    shards = parts(site)
    if not shards:
        return {}  # Pagefind refuses to make an index of nothing: no search until a story
    last = last or {}
    files: dict[str, bytes] = {}
    todo: list[tuple[str, dict[str, str], str]] = []
    views: dict[str, _Views] = {}
    for folder, members in sorted(shards.items()):
        if changed is not None and changed.isdisjoint(s.slug for _c, s in members):
            kept = _kept(out, last, folder, None)
            if kept is not None:
                files.update(kept)
                continue
        docs = documents(site, members, views)
        digest = _digest(docs)
        kept = _kept(out, last, folder, digest)
        if kept is None:
            todo.append((folder, docs, digest))
        else:
            files.update(kept)
    shared = _kept_shared(out, last) if not todo else None
    if shared is None and not todo:  # the interface is gone from the output: a bundle again
        folder = sorted(shards)[0]
        files = {p: d for p, d in files.items() if not p.startswith(folder + "/")}
        docs = documents(site, shards[folder], views)
        todo.append((folder, docs, _digest(docs)))
    with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
        made = list(pool.map(lambda job: _bundle(job[0], job[1], job[2], scratch, timeout),
                             todo))
    for bundle, interface in made:
        files.update(bundle)
        shared = shared or interface
    return dict(sorted({**files, **(shared or {})}.items()))


def _bundle(folder: str, docs: Mapping[str, str], digest: str, scratch: Path,
            timeout: float | None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """One bundle made by Pagefind: its files under `folder`, and Pagefind's interface
    files (the same in every bundle) under SEARCH_DIR."""
    # named as a stage: what a killed build leaves there, the next one removes
    with tempfile.TemporaryDirectory(dir=scratch, prefix=f"{STAGE_PREFIX}search-") as tmp:
        source, target = Path(tmp) / "site", Path(tmp) / "out"
        for rel, html in docs.items():
            path = source / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(html, "utf-8")
        source.mkdir(exist_ok=True)
        pages = run_pagefind(source, target, 120.0 + 0.05 * len(docs)
                             if timeout is None else timeout)
        if pages != len(docs):
            raise CommandError(f"Pagefind indexed {pages} of the {len(docs)} stories",
                               "build again; if it persists, report it with the output "
                               "of `khabar check`")
        made = {p.relative_to(target).as_posix(): p.read_bytes()
                for p in sorted(target.rglob("*")) if p.is_file()}
    bundle = {f"{folder}/{rel}": data for rel, data in made.items() if not _INTERFACE.match(rel)}
    interface = {f"{SEARCH_DIR}/{rel}": data for rel, data in made.items()
                 if _INTERFACE.match(rel)}
    return {**canonical(bundle, folder), f"{folder}/{DIGEST_NAME}": f"{digest}\n".encode()}, \
        interface


def _digest(docs: Mapping[str, str]) -> str:
    """What an index is made from: the documents, this module's format and Pagefind's
    version (never a path or a time: the digest is published with the index)."""
    h = hashlib.sha256(f"{FORMAT}\0{_pagefind_version()}\n".encode())
    for path in sorted(docs):
        h.update(f"{path}\0{docs[path]}\0".encode())
    return h.hexdigest()


def _pagefind_version() -> str:
    if os.environ.get("PAGEFIND_BINARY_PATH"):
        return "PAGEFIND_BINARY_PATH"  # another binary: its index is never kept
    for name in ("pagefind-bin-extended", "pagefind-bin"):
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def _kept(out: Path | None, last: Mapping[str, bytes], folder: str,
          digest: str | None) -> dict[str, bytes] | None:
    """The output's bundle `folder` when its files are the ones the cache fingerprinted
    and it was made from documents with this digest (None: documents known to be the
    same): a build that changed none of its stories (or only a template, the stylesheet)
    does not index them again."""
    paths = {p for p in last if p.startswith(folder + "/")}
    if out is None or f"{folder}/{DIGEST_NAME}" not in paths \
            or _pagefind_version().startswith("PAGEFIND"):
        return None
    try:
        if digest is not None and \
                (out / folder / DIGEST_NAME).read_bytes() != f"{digest}\n".encode():
            return None
    except OSError:
        return None
    return _read_kept(out, last, paths)


def _kept_shared(out: Path | None, last: Mapping[str, bytes]) -> dict[str, bytes] | None:
    """Pagefind's interface files as the output has them (every bundle kept: no Pagefind
    ran to make them)."""
    paths = {p for p in search_files(last) if "/" not in p[len(SEARCH_DIR) + 1:]}
    if out is None or not paths:
        return None
    return _read_kept(out, last, paths)


def _read_kept(out: Path, last: Mapping[str, bytes], paths: Iterable[str]
               ) -> dict[str, bytes] | None:
    try:
        files = {path: (out / path).read_bytes() for path in sorted(paths)}
    except OSError:
        return None
    if any(hashlib.sha256(data).digest() != last[path] for path, data in files.items()):
        return None
    return files


def run_pagefind(source: Path, target: Path, timeout: float) -> int:
    """Index the HTML under `source` into `target` with the binary the `pagefind` package
    finds (pagefind-bin's); returns how many pages it indexed.

    The binary runs as its command line, to its end, not as the service the package's
    Python API drives: that API terminates the service as soon as it has answered that the
    files are written, and Pagefind answers before its last writes reach the disk (tokio
    files, never flushed), so a busy machine got empty files in the index."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise CommandError("the search index needs Pagefind, which is not installed",
                           INSTALL_HINT) from None
    binary = get_executable()
    if binary is None or not binary.is_file():
        raise CommandError("the search index needs the Pagefind binary, which is not "
                           "installed", INSTALL_HINT)
    command = [str(binary), "--site", str(source), "--output-path", str(target), "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        raise CommandError(f"Pagefind did not finish the search index in {timeout:.0f} s",
                           "build again; a machine short of memory can stall it") from None
    except OSError as exc:
        raise CommandError(f"Pagefind could not run: {exc.strerror or exc}",
                           INSTALL_HINT) from None
    said = [line.strip() for line in (done.stderr + "\n" + done.stdout).splitlines()
            if line.strip()]
    entry = target / "pagefind-entry.json"
    if done.returncode != 0 or not entry.is_file():
        reason = next((line.removeprefix("Error:").strip() for line in said
                       if line.startswith("Error:")), said[-1] if said else
                      f"exit status {done.returncode}")
        raise CommandError(f"Pagefind could not make the search index: {reason}",
                           "fix what it names and build again; the previous output is "
                           "unchanged")
    languages = json.loads(entry.read_bytes()).get("languages", {})
    return sum(int(info.get("page_count", 0)) for info in languages.values())


# -- a stable index ----------------------------------------------------------------------
# Pagefind's index files are gzip'd "pagefind_dcd" + CBOR (minicbor, shortest heads); the
# meta file of a language names its filter files by a hash of their bytes, and the entry
# file names each language's meta file the same way.

_SIGNATURE = b"pagefind_dcd"


def canonical(files: Mapping[str, bytes], folder: str = SEARCH_DIR) -> dict[str, bytes]:
    """Pagefind's output with every filter's values, every language's filters and the
    entry file's languages in sorted order, the files renamed by the hashes of their new
    bytes as Pagefind names them. Output of a Pagefind it does not understand is returned
    as it is: only stable, never broken."""
    try:
        return _canonical(files, folder)
    except (KeyError, IndexError, TypeError, ValueError, OSError, EOFError,
            gzip.BadGzipFile, cbor2.CBOREncodeError):
        return dict(files)


def _canonical(files: Mapping[str, bytes], folder: str) -> dict[str, bytes]:
    out = dict(files)
    entry_path = f"{folder}/pagefind-entry.json"
    entry = json.loads(files[entry_path])
    for lang, info in entry["languages"].items():
        meta = _unpack(out.pop(f"{folder}/pagefind.{info['hash']}.pf_meta"))
        filters: list[list[Any]] = []
        taken: set[str] = set()
        for name, old in sorted(meta[3], key=lambda f: _order(f[0])):
            filter_name, values = _unpack(out.pop(f"{folder}/filter/{old}.pf_filter"))
            data = _cbor([filter_name, sorted(values, key=lambda v: _order(v[0]))])
            short = _short_name(lang, data, taken)
            out[f"{folder}/filter/{short}.pf_filter"] = _pack(data)
            filters.append([name, short])
        meta[3] = filters
        meta[4] = sorted(meta[4], key=lambda s: _order(s[0]))
        data = _cbor(meta)
        info["hash"] = f"{lang}_{_hex(data)[:len(lang) + 8]}"
        out[f"{folder}/pagefind.{info['hash']}.pf_meta"] = _pack(data)
    entry["languages"] = dict(sorted(entry["languages"].items()))
    out[entry_path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode()
    return dict(sorted(out.items()))


def _order(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("a name that is not text")
    return value.encode("utf-8")


def _hex(data: bytes) -> str:
    """Pagefind's hash text: SHA-1, each byte in hex without its leading zero."""
    return "".join(f"{b:x}" for b in hashlib.sha1(data).digest())


def _short_name(lang: str, data: bytes, taken: set[str]) -> str:
    full = f"{lang}_{_hex(data)}"
    size = len(lang) + 8
    while full[:size] in taken and size < len(full):
        size += 1
    taken.add(full[:size])
    return full[:size]


def _unpack(packed: bytes) -> Any:
    """A file's CBOR value; a value that would not be written back the same is refused."""
    raw = gzip.decompress(packed) if packed[:2] == b"\x1f\x8b" else packed
    if not raw.startswith(_SIGNATURE):
        raise ValueError("not a Pagefind index file")
    body = raw[len(_SIGNATURE):]
    try:
        value = cbor2.loads(body)
    except cbor2.CBORDecodeError as exc:
        raise ValueError(str(exc)) from None
    if _cbor(value) != body:
        raise ValueError("an encoding this module does not write back the same")
    return value


def _pack(body: bytes) -> bytes:
    return gzip.compress(_SIGNATURE + body, compresslevel=9, mtime=0)


def _cbor(value: Any) -> bytes:
    """CBOR as Pagefind's minicbor writes it: definite lengths, the shortest heads."""
    return bytes(cbor2.dumps(value))


def is_search_file(path: str) -> bool:
    """Whether an output path is the search stage's (the index and Pagefind's scripts)."""
    return path.startswith(SEARCH_DIR + "/")


def search_files(paths: Iterable[str]) -> set[str]:
    return {p for p in paths if is_search_file(p)}
