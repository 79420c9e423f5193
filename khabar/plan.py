"""The plan: every output of the site (pages and feeds) as a task with a fingerprint of
what it is made from, the small files made whole each time, and rendering any task on
demand. The build decides which tasks to render (rebuild.py) and where (parallel.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2

from . import brand, cache, feeds, i18n, sitemap, structured
from . import config as config_stage
from .context import Contexts
from .errors import Diagnostic, KhabarError
from .fingerprint import Fingerprinter, Print
from .i18n import Words
from .render import (
    PageKind,
    SiteView,
    StoryRef,
    StoryView,
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
    but only those are fingerprinted and rendered (a build's worker processes each take a
    share; a rebuild after a body edit takes the few the edit can change). A page's
    context and a feed's entries are made when first asked for."""

    def __init__(self, site: SiteView, env: jinja2.Environment, salt: str,
                 only: set[str] | None = None) -> None:
        self.site, self.env = site, env
        self.css = stylesheet(site.config.root)
        css_href = site.urls.href(site.urls.asset(STYLESHEET)) + "?v=" + \
            hashlib.sha256(self.css).hexdigest()[:10]
        self.specs = pages(site)
        self.contexts = Contexts(site, css_href, feeds.links(site), structured.heads(site),
                                 env)
        self.feeds = feeds.catalogue(site)
        self.fragments: feeds.Fragments = {}
        stories = (StoryView, StoryRef, Story, feeds.Entry)
        self._prints = Fingerprinter(f"{salt}\0{css_href}", (*stories, Words), stories)
        self._contexts: dict[int, dict[str, Any]] = {}  # by spec: fingerprinted, then rendered
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

    def fixed_files(self) -> Output:
        """The small files made whole every time: stylesheet, feed list, sitemaps, static
        files; a static file on the path of a page or feed is an error."""
        site, root = self.site, self.site.config.root
        fixed = Output()
        fixed.add(site.urls.asset(STYLESHEET), self.css, "the theme's " + STYLESHEET)
        for name, path in theme_assets(root).items():  # fonts and their licences
            fixed.add(output_path(site.urls.asset(name)), path.read_bytes(),
                      f"the theme's assets/{name}")
        for route, data, origin in brand.media_files(site.pictures, root,
                                                     cache.media_dir(root), site.brand):
            if output_path(route) not in fixed:  # two names for one picture: one file
                fixed.add(output_path(route), data, origin)
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

    def context(self, index: int) -> dict[str, Any]:
        """The template context of page `index`: made once, fingerprinted, then rendered."""
        hit = self._contexts.get(index)
        if hit is None:
            hit = self._contexts[index] = self.contexts.of(self.specs[index])
        return hit

    def forget(self, task: Task) -> None:
        """Let go of a page's context: its file is not made again."""
        if task.kind == "page":
            self._contexts.pop(task.index, None)

    def fingerprint(self, task: Task) -> Print:
        """A digest of everything the task's template is given, and the stories in it."""
        if task.kind == "feed":
            feed = self.feeds[task.index]
            return self._prints.of(feed, feed.entries, task.feed_format,
                                   self.site.words[feed.lang])
        return self._prints.of(self.specs[task.index].template, self.context(task.index))

    def render(self, task: Task) -> bytes:
        """The task's file; a page's context is let go once rendered (there are
        thousands), a feed's entries are kept (each is in several feeds)."""
        if task.kind == "page":
            spec = self.specs[task.index]
            data = render_page(self.env, spec.template, self.context(task.index))
            self._contexts.pop(task.index, None)
            return data
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


def theme_assets(root: Path) -> dict[str, Path]:
    """The theme's files under assets/ (its fonts and their licences) by name, a site's
    own templates/assets/ file taking the place of the theme's of the same name."""
    found: dict[str, Path] = {}
    for base in (theme_dir() / "assets", root / "templates" / "assets"):
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    found[path.relative_to(base).as_posix()] = path
    return found


def stylesheet(root: Path) -> bytes:
    own = root / "templates" / STYLESHEET
    return (own if own.is_file() else theme_dir() / STYLESHEET).read_bytes()
