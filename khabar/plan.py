"""The plan: every output of the site (pages and feeds) as a task with a fingerprint of
what it is made from, the small files made whole each time, and rendering any task on
demand. The build decides which tasks to render (rebuild.py) and where (parallel.py).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import jinja2

from . import cache, feeds, i18n, sitemap, structured
from . import config as config_stage
from .errors import Diagnostic, KhabarError
from .render import (
    Contexts,
    Link,
    PageKind,
    SiteView,
    StoryView,
    Wanted,
    everything,
    pages,
    render_page,
)
from .stories import Story
from .theme import theme_dir
from .urls import output_path
from .write import Output, add_tree

STYLESHEET = "style.css"


def compile_templates(env: jinja2.Environment) -> None:
    """Every template compiled (or loaded from the cache) here, before forking, not again
    in each worker."""
    for name in env.list_templates(extensions=("html", "xml", "opml")):
        env.get_template(name)


@dataclass(frozen=True)
class Task:
    """One output file: where it goes, what it is made from, and how to make it."""

    path: str
    origin: str
    kind: Literal["page", "feed"]
    index: int  # into the plan's specs or feeds
    feed_format: str = ""  # a feed's: one of feeds.KINDS


class Plan:
    """Every output of the site with its fingerprint; renders any of them on demand.

    With `only` (output paths), a partial plan: every page and feed is known by its path,
    but only those are made ready to fingerprint and render (a build's worker processes
    each take a share; a rebuild after a body edit takes the few the edit can change)."""

    def __init__(self, site: SiteView, env: jinja2.Environment, salt: str,
                 only: set[str] | None = None) -> None:
        self.site, self.env = site, env
        self.css = stylesheet(site.config.root)
        css_href = site.urls.href(site.urls.asset(STYLESHEET)) + "?v=" + \
            hashlib.sha256(self.css).hexdigest()[:10]
        want: Wanted = everything if only is None else lambda r: output_path(r) in only
        self.specs = pages(site, want)
        self.contexts = Contexts(site, css_href, feeds.links(site), structured.heads(site),
                                 env)
        self.feeds = feeds.catalogue(site, want)
        self.fragments: feeds.Fragments = {}
        self._prints = cache.Fingerprints(f"{salt}\0{css_href}",
                                          (StoryView, Story, feeds.Entry), (Link,))
        self._versions: dict[str, list[Story]] = {}
        for language_stories in site.stories.values():
            for story in language_stories:
                self._versions.setdefault(story.slug, []).append(story)
        self.all_tasks: list[Task] = [
            Task(output_path(spec.route), f"page {spec.route}", "page", i)
            for i, spec in enumerate(self.specs)]
        for i, feed in enumerate(self.feeds):
            for kind in feeds.KINDS:
                route = feeds.route(feed, kind)
                self.all_tasks.append(Task(output_path(route), f"feed {route}", "feed", i,
                                           kind))
        self.tasks = self.all_tasks if only is None else \
            [t for t in self.all_tasks if t.path in only]
        self.fingerprints: list[bytes] = []  # by task, once `fingerprint_all` has run
        self.uses: list[tuple[str, ...]] = []  # by task: the slugs of the stories it shows

    def fixed_files(self) -> Output:
        """The small files made whole every time: stylesheet, feed list, sitemaps, static
        files; a static file on the path of a page or feed is an error."""
        site, root = self.site, self.site.config.root
        fixed = Output()
        fixed.add(site.urls.asset(STYLESHEET), self.css, "the theme's " + STYLESHEET)
        fixed.add(output_path(site.urls.opml()), feeds.opml(site, self.feeds, self.env),
                  "the feed list")
        own_robots = (root / "static" / "robots.txt").is_file()
        for route, data in sitemap.files(site, self.specs, with_robots=not own_robots):
            fixed.add(output_path(route), data, f"sitemap {route}")
        add_tree(fixed, root / "static", root)
        for task in self.all_tasks:
            if task.path in fixed:
                fixed.conflicts.append(Diagnostic(
                    fixed.origin(task.path), None,
                    f"would be published as '{task.path}', which is the {task.origin} "
                    f"made from {self.source_of(task)}",
                    "rename or move this file: static/ is copied as it is, over nothing "
                    "Khabar makes"))
        fixed.check()
        return fixed

    def source_of(self, task: Task) -> str:
        """The file a page or feed is made from, as errors name it."""
        if task.kind == "page":
            spec = self.specs[task.index]
            if spec.kind is PageKind.ARTICLE:
                story = next((s for s in self._versions.get(spec.key[1], [])
                              if s.lang == spec.lang), None)
                if story is not None:
                    return story.path
            if spec.kind in (PageKind.TERM, PageKind.TAXONOMY):
                return f"{config_stage.SITE_FILE} (taxonomies.{spec.key[1]})"
            return f"the theme's {spec.template}"
        return f"{config_stage.SITE_FILE} and content/ (every story of the feed)"

    def fingerprint(self, task: Task) -> bytes:
        """A digest of everything the task's file is made from, without rendering it."""
        if task.kind == "feed":
            feed = self.feeds[task.index]
            return self._prints.of(replace(feed, entries=()), feed.entries, task.feed_format)
        spec = self.specs[task.index]
        # What Contexts.of adds to spec.context comes from the site's settings and theme
        # (in the salt), the spec's own fields, and for an article page its story in every
        # language (structured data, the language switch): so this is all a page's
        # fingerprint needs, without building its context.
        extra = self._versions.get(spec.key[1], []) if spec.kind is PageKind.ARTICLE else ()
        return self._prints.of(spec.template, spec.route, spec.title, spec.description,
                               spec.indexable, sorted(spec.alternates.items()), spec.context,
                               extra)

    def fingerprint_all(self) -> None:
        """Every task's fingerprint, and the stories each depends on."""
        self.fingerprints, self.uses = [], []
        for task in self.tasks:
            self.fingerprints.append(self.fingerprint(task))
            self.uses.append(tuple(sorted(sys.intern(s) for s in self._prints.touched)))

    def render(self, task: Task) -> bytes:
        if task.kind == "page":
            spec = self.specs[task.index]
            return render_page(self.env, spec.template, self.contexts.of(spec))
        feed = self.feeds[task.index]
        return feeds.render_feed(feed, task.feed_format, self.env,
                                 self.site.words[feed.lang].plain, self.fragments)


def template_errors(fn: Callable[[], Any]) -> Any:
    """Run `fn`; a template's error becomes one line naming the template and its line."""
    try:
        return fn()
    except jinja2.TemplateSyntaxError as exc:
        raise KhabarError([Diagnostic(exc.filename or exc.name or "template", exc.lineno,
                                      f"template syntax: {exc.message}")]) from None
    except jinja2.TemplateError as exc:
        origin, line = template_origin(exc)
        raise KhabarError([Diagnostic(origin, getattr(exc, "lineno", None) or line,
                                      f"template: {exc}", _template_hint(exc))]) from None


def _template_hint(exc: jinja2.TemplateError) -> str:
    """For a word a site's own template still asks for by an old name, the new one."""
    missing = re.search(r"has no attribute '(\w+)'", str(exc))
    if missing and missing.group(1) in i18n.RENAMED:
        old, new = missing.group(1), i18n.RENAMED[missing.group(1)]
        return (f"the interface word '{old}' is now {new} (see the README's 'Languages and "
                "interface words')")
    return "check the variable names the template uses"


def template_origin(exc: BaseException) -> tuple[str, int | None]:
    """The innermost template in the traceback, and the line in it."""
    tb = exc.__traceback__
    origin, line = "template", None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".opml")):
            origin, line = name, tb.tb_lineno
        tb = tb.tb_next
    return origin, line


def stylesheet(root: Path) -> bytes:
    own = root / "templates" / STYLESHEET
    return (own if own.is_file() else theme_dir() / STYLESHEET).read_bytes()
