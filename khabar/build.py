"""build() and check(): load everything, then render, then write (Zola's order)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2

from . import config as config_stage
from . import content, feeds, sitemap, structured
from .errors import Diagnostic, KhabarError
from .markup import MarkdownRenderer
from .render import SiteView, derive, environment, pages, render_pages, theme_dir
from .stories import assemble
from .urls import Urls, output_path
from .write import Output, add_tree, check_destination, publish

STYLESHEET = "style.css"


@dataclass(frozen=True)
class BuildResult:
    out: Path | None
    pages: int
    files: int
    stories: int


def load(site_dir: Path, *, base_url: str | None = None, drafts: bool = False) -> SiteView:
    """Read and validate site.yaml and every article: the whole site, before any output."""
    config = config_stage.load(site_dir)
    if base_url is not None:
        if not re.match(r"^https?://[^/\s]+", base_url):
            raise KhabarError([Diagnostic("--base-url", None, f"'{base_url}' is not an "
                                          "absolute http(s) URL", "e.g. https://example.org/")])
        config = replace(config, base_url=base_url.rstrip("/") + "/")
    articles = content.load(config, include_drafts=drafts)
    stories = assemble(config, articles, MarkdownRenderer())
    return derive(config, stories, Urls(config.base_url))


def generate(site: SiteView) -> Output:
    """Every output file of the site, in memory."""
    root = site.config.root
    env = environment(root)
    output = Output()
    css = _stylesheet(root)
    css_href = site.urls.href(site.urls.asset(STYLESHEET)) + "?v=" + \
        hashlib.sha256(css).hexdigest()[:10]
    output.add(site.urls.asset(STYLESHEET), css, "the theme's " + STYLESHEET)
    specs = pages(site)
    try:
        html = render_pages(site, specs, env, css_href, feeds.links(site),
                            structured.heads(site))
    except jinja2.TemplateSyntaxError as exc:
        raise KhabarError([Diagnostic(exc.filename or exc.name or "template", exc.lineno,
                                      f"template syntax: {exc.message}")]) from None
    except jinja2.TemplateError as exc:
        raise KhabarError([Diagnostic(_template_origin(exc), None, f"template: {exc}",
                                      "check the variable names the template uses")]) from None
    for spec in specs:
        output.add(output_path(spec.route), html[spec.route], f"page {spec.route}")
    try:
        for route, data in feeds.files(site, env):
            output.add(output_path(route), data, f"feed {route}")
    except jinja2.TemplateError as exc:
        raise KhabarError([Diagnostic(_template_origin(exc), getattr(exc, "lineno", None),
                                      f"feed template: {exc}")]) from None
    own_robots = (root / "static" / "robots.txt").is_file()
    for route, data in sitemap.files(site, specs, with_robots=not own_robots):
        output.add(output_path(route), data, f"sitemap {route}")
    add_tree(output, root / "static", root)
    output.check()
    return output


def _template_origin(exc: BaseException) -> str:
    tb = exc.__traceback__
    origin = "template"
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".html") or name.endswith(".xml"):
            origin = name
        tb = tb.tb_next
    return origin


def _stylesheet(root: Path) -> bytes:
    own = root / "templates" / STYLESHEET
    return (own if own.is_file() else theme_dir() / STYLESHEET).read_bytes()


def build(site_dir: Path, out: Path | None = None, *, base_url: str | None = None,
          drafts: bool = False) -> BuildResult:
    """Build the site into `out`; on any error the previous output stays as it was."""
    out = out or site_dir / "_site"
    check_destination(out, site_dir)
    site = load(site_dir, base_url=base_url, drafts=drafts)
    output = generate(site)
    publish(output, out)
    return _result(site, output, out)


def check(site_dir: Path, *, drafts: bool = True) -> BuildResult:
    """Everything build does but writing."""
    site = load(site_dir, drafts=drafts)
    output = generate(site)
    return _result(site, output, None)


def _result(site: SiteView, output: Output, out: Path | None) -> BuildResult:
    html = sum(1 for path in output.files if path.endswith(".html"))
    count = sum(len(s) for s in site.stories.values())
    return BuildResult(out=out, pages=html, files=len(output), stories=count)
