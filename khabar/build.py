"""build() and check(): load everything, then decide what changed, render it, write it.

The order is Zola's: every input is read and validated before anything is rendered, and
everything is rendered before anything is written, so a failed build never touches the
previous output. The stages (make.py): load (config, content, stories, render.derive),
plan (plan.py: every output and its fingerprint), render what changed, stage the new tree
and publish it whole (write.py, publish.py). Around them, and not inside: what a rebuild
may skip (rebuild.py, over the cache in cache.py) and the forked workers (parallel.py).

This module imports none of the stages: a build with nothing to do stops after the quick
check (cache.up_to_date) without paying for importing the pipeline, half of its time.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache, publish
from .errors import Diagnostic, KhabarError
from .theme import theme_dir
from .write import MARKER, check_destination, os_problem

if TYPE_CHECKING:
    from .render import SiteView
    from .write import Output


@dataclass(frozen=True)
class BuildResult:
    out: Path | None
    pages: int
    files: int
    stories: int
    rendered: int = 0  # files rendered in this run (the rest came from the cache)
    written: int = 0  # files written or deleted in the output folder
    skipped: bool = False  # nothing changed: not even loaded
    partial: bool = False  # only the outputs of stories whose bodies changed were planned
    warnings: tuple[Diagnostic, ...] = ()  # problems repaired on the way (the CLI prints them)


def load(site_dir: Path, *, base_url: str | None = None, drafts: bool = False) -> SiteView:
    """Read and validate site.yaml and every article: the whole site, before any output."""
    from . import load as load_stage
    return load_stage.load(site_dir, base_url=base_url, drafts=drafts)


def generate(site: SiteView, *, parallel: bool = True) -> Output:
    """Every output file of the site, in memory (no cache): for check and tests."""
    from . import make
    return make.generate(site, parallel=parallel)


def check(site_dir: Path, *, drafts: bool = True, parallel: bool = True) -> BuildResult:
    """Everything build does but writing."""
    from . import make
    return make.check(site_dir, drafts=drafts, parallel=parallel)


def build(site_dir: Path, out: Path | None = None, *, base_url: str | None = None,
          drafts: bool = False, clean: bool = False, parallel: bool = True,
          swap_guard: AbstractContextManager[object] | None = None,
          waiting: Callable[[str], None] | None = None) -> BuildResult:
    """Build the site into `out`, redoing only what changed since the last build.

    On any error the previous output stays exactly as it was; a successful build replaces
    it whole, in one rename. Builds of one output folder take turns: a second one waits
    for the first (calling `waiting` with the first one's pid). `swap_guard` is held while
    the new tree replaces the old: `serve` uses it so no page is read half-way through.
    """
    out = (out or site_dir / "_site").resolve()
    check_destination(out, site_dir)
    try:
        where = cache.make_folder(site_dir, out)
        with publish.exclusive(where / "lock", waiting or _say_waiting(out)):
            return _build(site_dir, out, where, base_url=base_url, drafts=drafts,
                          clean=clean, parallel=parallel, swap_guard=swap_guard)
    except OSError as exc:
        raise KhabarError([os_problem(exc, out)]) from None


def _say_waiting(out: Path) -> Callable[[str], None]:
    def say(holder: str) -> None:
        print(f"khabar: waiting for another build into {out} (pid {holder}) to finish",
              file=sys.stderr, flush=True)
    return say


def _build(site_dir: Path, out: Path, where: Path, *, base_url: str | None, drafts: bool,
           clean: bool, parallel: bool, swap_guard: AbstractContextManager[object] | None
           ) -> BuildResult:
    clock = Clock(bool(os.environ.get("KHABAR_TIMINGS")))
    work = publish.work_dir(where, out)
    publish.recover(work, out)  # what a killed build left
    options = f"{out}\0{base_url}\0{drafts}"
    quick = cache.quick_digest(site_dir, theme_dir(), options)
    if not clean and cache.up_to_date(site_dir, out, quick):
        return BuildResult(out=out, pages=0, files=0, stories=0, skipped=True)
    from . import make  # here: a build with nothing to do never imports the pipeline
    return make.run(site_dir, out, work, quick, options, base_url=base_url, drafts=drafts,
                    clean=clean, parallel=parallel, swap_guard=swap_guard, clock=clock)


class Clock:
    """Phase timings on stderr when KHABAR_TIMINGS is set: for profiling builds."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        if self.on:
            now = time.perf_counter()
            print(f"khabar: {name}: {now - self.last:.3f} s", file=sys.stderr)
            self.last = now


__all__ = ["MARKER", "BuildResult", "build", "check", "generate", "load"]
