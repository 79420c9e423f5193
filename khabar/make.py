"""Making the site: load it, plan every output, render what changed (in forked workers
when there are many), stage the new tree and publish it; build.py runs this once its
quick check has found something to do.
"""


from __future__ import annotations

import gc
import hashlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import jinja2

from . import __version__, cache, publish, rebuild, search, sitemap, tags
from . import load as load_stage
from . import parallel as parallel_work
from . import plan as plan_stage
from .build import BuildResult, Clock
from .plan import Plan, Task
from .render import SiteView, environment, theme_dir
from .write import (
    Output,
    Staging,
)

PARALLEL_MIN = 400  # below this many files to render, one process is faster


def _render_one(plan: Plan, task: Task, staging: Staging | _Discard | None) -> bytes | None:
    data: bytes = plan_stage.template_errors(lambda: plan.render(task))  # in a worker too: the
    if staging is None:                                        # error names the template
        return data
    staging.write(task.path, data)  # by the worker that made it: no bytes cross processes
    return None


def _render_to(plan: Plan, tasks: Sequence[Task], staging: Staging | _Discard | None,
               parallel: bool) -> list[bytes | None]:
    """Render tasks, in forked worker processes when there are enough (they inherit the
    plan: only results are pickled); with `staging`, each file is written there and None
    returned."""
    plan_stage.compile_templates(plan.env)
    pool = parallel_work.fork_pool(parallel, len(tasks), PARALLEL_MIN, (plan, tasks, staging))
    if pool is None:
        return [_render_one(plan, task, staging) for task in tasks]
    size = max(16, len(tasks) // (parallel_work.workers() * 8))
    chunks = [(i, min(i + size, len(tasks))) for i in range(0, len(tasks), size)]
    out: list[bytes | None] = []
    with pool:
        for part in pool.imap(_render_chunk, chunks):
            out.extend(part)
    return out


def _render_chunk(bounds: tuple[int, int]) -> list[bytes | None]:
    plan, tasks, staging = parallel_work.inherited()
    return [_render_one(plan, tasks[i], staging) for i in range(*bounds)]


class Made(NamedTuple):
    """One output as a build made it (sent back from workers: a tuple pickles fast)."""

    path: str
    fingerprint: bytes
    uses: tuple[str, ...]  # the slugs of the stories it shows
    redone: bool  # rendered and staged in this build


@dataclass(frozen=True)
class _Job:
    """What a build makes its outputs with: forked workers inherit it and take a share."""

    site: SiteView
    env: jinja2.Environment
    salt: str
    previous: Mapping[str, bytes]  # the last build's fingerprints
    out: Path
    staging: Staging

    def make(self, only: set[str] | None) -> tuple[list[Made], int]:
        """Fingerprint the outputs (all, or `only` these), render and stage those whose
        fingerprint changed; also returns how many pages the site has."""
        plan: Plan = plan_stage.template_errors(lambda: Plan(self.site, self.env, self.salt, only))
        made: list[Made] = []
        for task in plan.tasks:
            fp, used = plan.fingerprint(task)
            redo = self.previous.get(task.path) != fp or not (self.out / task.path).is_file()
            if redo:
                _render_one(plan, task, self.staging)
            else:
                plan.forget(task)
            made.append(Made(task.path, fp, tuple(sys.intern(s) for s in used), redo))
        return made, len(plan.specs)


def _make_all(job: _Job, parallel: bool, clock: Clock, meanwhile: Callable[[], bytes]
              ) -> tuple[list[Made], Output, int, bytes]:
    """Every output: in forked workers, each planning, fingerprinting and rendering its
    share (every other path, so each gets a mix of pages and feeds), while this process
    makes the small fixed files and runs `meanwhile` (packing the cache); in this process
    alone for small sites."""
    skeleton = Plan(job.site, job.env, job.salt, only=set())  # paths only: cheap
    clock.lap("plan")
    paths = [t.path for t in skeleton.all_tasks]
    plan_stage.compile_templates(job.env)
    workers = parallel_work.workers()
    shares = [set(paths[k::workers]) for k in range(workers)]
    pool = parallel_work.fork_pool(parallel, len(paths), PARALLEL_MIN, (job, shares))
    if pool is None:
        made = job.make(None)[0]
        return made, skeleton.fixed_files(), len(skeleton.specs), meanwhile()
    with pool:
        pending = pool.map_async(_make_share, range(workers), chunksize=1)
        fixed = skeleton.fixed_files()
        bulk = meanwhile()
        parts = pending.get()
    made = [m._replace(uses=tuple(sys.intern(s) for s in m.uses))
            for part in parts for m in part]
    clock.lap("plan, fingerprint and render in workers")
    return made, fixed, len(skeleton.specs), bulk


def _make_share(k: int) -> list[Made]:
    job: _Job = parallel_work.inherited()[0]
    shares: list[set[str]] = parallel_work.inherited()[1]
    return job.make(shares[k])[0]


def _theme_digest(root: Path) -> str:
    """Every template, message catalogue and the stylesheet, the site's own and the default
    theme's."""
    h = hashlib.sha256()
    for folder in (root / "templates", root / "i18n", theme_dir()):
        h.update(f"[{folder}]\n".encode())
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    h.update(f"{path.relative_to(folder)}\0".encode() + path.read_bytes())
    return h.hexdigest()


def generate(site: SiteView, *, parallel: bool = True) -> Output:
    """Every output file of the site, in memory (no cache): for check and tests."""
    env = environment(site.config.root)
    plan: Plan = plan_stage.template_errors(lambda: Plan(site, env, ""))
    output = Output()
    for path, data in plan.fixed_files().items():
        output.add(path, data, "")
    rendered = plan_stage.template_errors(lambda: _render_to(plan, plan.tasks, None, parallel))
    for task, data in zip(plan.tasks, rendered, strict=True):
        assert data is not None
        output.add(task.path, data, task.origin)
    output.check()
    return output


def run(site_dir: Path, out: Path, work: Path, quick: cache.Stamps, options: str, *,
        base_url: str | None, drafts: bool, clean: bool, parallel: bool,
        swap_guard: AbstractContextManager[object] | None, clock: Clock) -> BuildResult:
    """A build past the quick check: load, plan, render what changed, publish."""
    state = None if clean else rebuild.trusted_state(site_dir, out)
    clock.lap("cache")
    loaded = load_stage.load_with_cache(site_dir, base_url=base_url, drafts=drafts, state=state,
                   parallel=parallel)
    # the site model and the cache live until the build ends: the collector need not walk
    # them again at every collection (nor workers copy their pages to count references)
    gc.freeze()
    clock.lap("load")
    salt = f"{__version__}\0{cache.code_digest()}\0{_theme_digest(site_dir)}\0" \
        f"{loaded.config_digest}\0{options}"
    salt_key = hashlib.sha256(salt.encode()).hexdigest()
    static = cache.stamps([site_dir / "static", site_dir / "images"]).digest
    sources = rebuild.sources(loaded.known)
    partial = rebuild.changed_only(state, out, salt_key, static, sources, loaded.site)
    if partial is not None and state is not None and state.expires and \
            cache.now() >= state.expires:
        partial = None  # the news sitemaps, which only a full build makes, are out of date
    build_id = hashlib.sha256(f"{salt}{quick.digest}".encode() + os.urandom(8)).hexdigest()[:16]
    previous = state.outputs if state is not None and out.is_dir() else {}
    spare = (state.spare_id, state.spare_diff) if previous and state and state.spare_id \
        else None
    staging = Staging(out, build_id, work, spare=spare)
    compiled = None if clean else _compiled_templates()  # --clean: nothing kept is used
    job = _Job(loaded.site, environment(site_dir, compiled), salt, previous, out, staging)
    articles = loaded.known  # parsed articles, without bodies: the cache keeps HTML
    try:
        made = _make(job, partial, state, parallel, clock,
                     lambda: cache.pack(articles, loaded.bodies.used))
        if loaded.site.config.search:
            # a partial build: only the changed stories' search documents can differ
            changed = {slug for _lang, slug in partial[1]} if partial is not None else None
            made = _with_search(made, loaded.site, work, out, previous, changed)
        clock.lap("search index")
        differ = staging.complete(made.written, made.fixed, made.expected, set(previous))
        clock.lap("stage")
        # after the swap the output's tree becomes the spare, worth keeping when the next
        # build can start from it: few files differ
        live = publish.marked(out)
        keep_spare = live is not None and len(differ) <= len(made.outputs) // 2
        new_state = cache.State(code=cache.code_digest(), config_digest=loaded.config_digest,
                                markdown_key=loaded.markdown_key,
                                outputs=made.outputs, out=str(out), salt=salt_key,
                                static=static, sources=sources, shapes=made.shapes,
                                uses=made.uses,
                                spare_id=live if live and keep_spare else "",
                                spare_diff=frozenset(differ) if keep_spare else frozenset(),
                                expires=_expires(loaded.site, state, partial is not None),
                                pictures=loaded.pictures)
        new_state.articles, new_state.markdown = articles, loaded.bodies.used
        # the cache is written before the output is replaced (a full disk fails here, with
        # the old output in place), and put in place after
        pending = cache.prepare(site_dir, new_state, quick.digest, build_id, bulk=made.bulk,
                                previous=state)
        clock.lap("cache ready")
        try:
            with swap_guard or nullcontext():
                staging.publish(keep_spare)
        except BaseException:
            pending.discard()
            raise
    except BaseException:
        staging.abort()
        raise
    pending.commit()
    cache.prune(site_dir)  # the caches of output folders that are gone
    clock.lap("publish")
    return BuildResult(out=out, pages=made.pages, files=len(made.outputs),
                       stories=_story_count(loaded.site), rendered=len(made.written),
                       written=len(differ), partial=partial is not None,
                       warnings=loaded.warnings)


@dataclass(frozen=True)
class _Made:
    """What a build made: the files rendered and those to keep, and the cache's record."""

    written: list[str]  # rendered and staged in this build
    fixed: Output  # the small files made whole every time (empty in a partial build)
    expected: set[str]  # every page and feed of the new site
    outputs: dict[str, bytes]  # every output file: its fingerprint
    uses: dict[str, tuple[str, ...]]  # every page and feed: the stories it shows
    shapes: dict[tuple[str, str], bytes]
    pages: int
    bulk: bytes | None  # the cache's bulk, packed while workers rendered


def _make(job: _Job, partial: tuple[set[str], dict[tuple[str, str], bytes]] | None,
          state: cache.State | None, parallel: bool, clock: Clock,
          pack: Callable[[], bytes]) -> _Made:
    """Render and stage what changed: only the outputs `partial` names, or all of them."""
    if partial is not None:
        assert state is not None
        made, pages = job.make(partial[0])
        clock.lap(f"plan and render ({len(made)} outputs)")
        return _Made(written=[m.path for m in made if m.redone], fixed=Output(),
                     expected=set(job.previous),
                     outputs={**state.outputs, **{m.path: m.fingerprint for m in made}},
                     uses={**state.uses, **{m.path: m.uses for m in made}},
                     shapes={**state.shapes, **partial[1]}, pages=pages, bulk=None)
    made, fixed, pages, bulk = plan_stage.template_errors(
        lambda: _make_all(job, parallel, clock, pack))
    outputs = {m.path: m.fingerprint for m in made}
    expected = set(outputs)
    outputs.update((p, hashlib.sha256(d).digest()) for p, d in fixed.items())
    return _Made(written=[m.path for m in made if m.redone], fixed=fixed,
                 expected=expected, outputs=outputs, uses={m.path: m.uses for m in made},
                 shapes=rebuild.shapes(job.site), pages=pages, bulk=bulk)


def _with_search(made: _Made, site: SiteView, scratch: Path, out: Path,
                 previous: Mapping[str, bytes], changed: set[str] | None) -> _Made:
    """The search index (search.py) made whole from the site, or the output's kept when no
    story changed, in place of the last build's: staged like the fixed files (unchanged
    ones linked from the output), before the publish, so a failed index leaves the old
    site."""
    files = search.index(site, scratch, out=out, last=previous, changed=changed)
    fixed = made.fixed
    for path, data in files.items():
        fixed.add(path, data, "the search index")
    fixed.check()  # a static/pagefind/ file: an error naming it
    last = search.search_files(made.outputs)
    outputs = {p: fp for p, fp in made.outputs.items() if p not in last}
    outputs.update((p, hashlib.sha256(d).digest()) for p, d in files.items())
    return replace(made, fixed=fixed, expected=made.expected - last, outputs=outputs)


def _expires(site: SiteView, state: cache.State | None, partial: bool) -> float:
    """When the output goes stale with time: a full build's news sitemaps, until the first
    story they list leaves their two days; a partial build keeps the last full one's."""
    if partial and state is not None:
        return state.expires
    until = sitemap.news_expiry(site, sitemap.build_time())
    return until.timestamp() if until is not None else 0.0


def _compiled_templates() -> Path | None:
    """Where Jinja keeps compiled templates: the user's cache directory, never the site
    folder (compiled templates are code, and a site folder may come from anyone)."""
    folder = cache.user_dir() / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _story_count(site: SiteView) -> int:
    """Stories, not their versions: one in Persian and English is one story."""
    return len({s.slug for stories in site.stories.values() for s in stories})


class _Discard:
    """A staging area that keeps nothing: `check` renders every file to find template
    errors, without holding the whole site in memory."""

    def write(self, rel: str, data: bytes) -> None:
        pass


def check(site_dir: Path, *, drafts: bool = True, parallel: bool = True) -> BuildResult:
    """Everything build does but writing."""
    loaded = load_stage.load_with_cache(site_dir, base_url=None, drafts=drafts, state=None)
    site = loaded.site
    plan: Plan = plan_stage.template_errors(lambda: Plan(site, environment(site_dir), ""))
    fixed = plan.fixed_files()
    plan_stage.template_errors(lambda: _render_to(plan, plan.tasks, _Discard(), parallel))
    count = _story_count(site)
    # and what only check says: mentions the front matter does not tag, terms no one uses
    articles = [article for _stamp, _sha, article in loaded.known.values()]
    notes = tags.notes(site.config, articles)
    return BuildResult(out=None, pages=len(plan.specs), files=len(plan.tasks) + len(fixed),
                       stories=count, warnings=(*loaded.warnings, *notes))

