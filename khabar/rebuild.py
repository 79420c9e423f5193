"""What a rebuild may skip: the decision, apart from the stages it skips.

A build keeps a cache (cache.py) of what it read and wrote. From it, this module decides,
in this order:

- **Nothing changed** (`cache.up_to_date`): the names and stamps (size, mtime, ctime,
  inode: what git's index keeps) of every input and of Khabar itself, and the build
  options, are those of the last build, whose output is still in place: the build stops
  before loading anything. Not when an input changed within `cache.RACY_NS` of the
  moment that build wrote its cache (git's racy-clean rule: a same-size edit in the same
  timestamp tick leaves the stamp as it was).
- **Which articles to read again** (`content.load`, given `trusted_before`): the same
  rule, file by file; a file whose bytes hash the same is not parsed again.
- **What the output holds** (`trusted_state`): the cache's record of the output's files
  is used only while the output folder is the tree the cache's build published (its mark
  says so): not after another checkout built into the same folder, or a build was killed
  between publishing and writing its cache.
- **Only stories' text changed** (`changed_only`): no story came or went and the changed
  ones keep their shape (title, date, kind, tags, pending state: `shapes`): only the
  outputs whose last fingerprint covered a changed story are planned again. (A
  fingerprint is taken of exactly what the output's template is given, and the stories
  it covers are those found in that: fingerprint.py.)
- **Anything else**: every output is planned and fingerprinted again; only those whose
  fingerprint changed are rendered (make._Job).

Either way the new tree equals a clean build's, byte for byte: tests/test_incremental.py
and tests/test_rebuild_random.py check it after scripted and random edits.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import cache, content, fingerprint, publish
from .render import SiteView
from .stories import PENDING


def trusted_state(site_dir: Path, out: Path) -> cache.State | None:
    """The last build's cache, with its record of the output's files only when the output
    is still the tree that build published (not when it is another folder's, or a build
    was killed after publishing, before its cache was in place)."""
    state = cache.load(site_dir, out)
    if state is not None and (state.out != str(out) or state.build_id != publish.marked(out)):
        state.outputs, state.uses = {}, {}
    return state


def sources(known: content.Known) -> dict[str, str]:
    """Each slug's files (by content hash): a story is made from its slug's files alone."""
    by_slug: dict[str, list[str]] = {}
    for path, (_stamp, sha, article) in known.items():
        by_slug.setdefault(article.slug, []).append(f"{path}\0{sha}")
    return {slug: hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()
            for slug, parts in by_slug.items()}


def shapes(site: SiteView, slugs: set[str] | None = None) -> dict[tuple[str, str], bytes]:
    """A digest of what of each story decides the site's shape: which pages exist, which
    stories each list and feed holds and in what order, and the small files made whole
    (sitemaps list titles and dates). The rest of a story (body, summary, translation
    state, source...) shows only on the pages and feeds that show the story."""
    return {(lang, s.slug): fingerprint.digest((
        s.date, s.updated, s.kind, sorted(s.terms.items()), s.title, s.state == PENDING,
        s.text_lang, s.original_lang, s.image and (s.image.ref.src, s.image.picture)))
        for lang, stories in site.stories.items() for s in stories
        if slugs is None or s.slug in slugs}


def changed_only(state: cache.State | None, out: Path, salt_key: str, static: str,
                 sources: dict[str, str], site: SiteView
                 ) -> tuple[set[str], dict[tuple[str, str], bytes]] | None:
    """The outputs to redo when stories changed but not the site's shape, with their new
    shapes; None when the whole site must be planned again.

    A story is made from its own slug's files alone (and the code, theme, site.yaml and
    options, all in `salt_key`). When no story came or went and the changed ones keep
    their shape (date, tags, title... see `shapes`), every page keeps its place and every
    list its members, and only the outputs whose last fingerprint covered a changed story
    can differ: the last build recorded those in `uses`."""
    if state is None or not state.uses or state.out != str(out) or state.salt != salt_key \
            or state.static != static or state.sources.keys() != sources.keys() \
            or not out.is_dir():
        return None
    changed = {slug for slug, digest in sources.items() if state.sources[slug] != digest}
    if not changed:
        return None  # inputs touched but equal, or outputs gone: the full check is cheap
    new_shapes = shapes(site, changed)
    if new_shapes != {k: v for k, v in state.shapes.items() if k[1] in changed}:
        return None
    if not cache.all_present(out, state.outputs):
        return None  # files deleted by hand: the full plan finds and remakes them
    return {path for path, slugs in state.uses.items() if not changed.isdisjoint(slugs)}, \
        new_shapes
