"""Loading: site.yaml and every article, read, validated and their Markdown rendered (in
forked workers when there are many), into the site model the plan is made from; what an
earlier build read is reused where its files have not changed (see rebuild.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from markdown import __version__ as markdown_version

from . import brand, cache, content, fingerprint, images
from . import config as config_stage
from . import parallel as parallel_work
from .config import SiteConfig
from .errors import Diagnostic, KhabarError, display_path
from .markup import MarkdownRenderer, Rendered
from .render import SiteView, derive
from .stories import Bodies, assemble
from .urls import Urls

PARSE_PARALLEL_MIN = 200  # below this many articles to parse, one process is faster


@dataclass(frozen=True)
class Loaded:
    site: SiteView
    config_digest: str
    markdown_key: str  # what bodies were rendered with (see _markdown_key)
    known: content.Known
    bodies: Bodies
    warnings: tuple[Diagnostic, ...]  # what was repaired while reading the articles
    pictures: images.Known  # the pictures inspected, by stamp: the next build's to trust


def load(site_dir: Path, *, base_url: str | None = None, drafts: bool = False) -> SiteView:
    """Read and validate site.yaml and every article: the whole site, before any output."""
    return load_with_cache(site_dir, base_url=base_url, drafts=drafts, state=None).site


def load_with_cache(site_dir: Path, *, base_url: str | None, drafts: bool,
          state: cache.State | None, parallel: bool = False) -> Loaded:
    """Read and validate site.yaml and every article: the whole site, before any output."""
    config = config_stage.load(site_dir)
    if base_url is not None:
        problem = config_stage.url_problem(base_url)  # the CLI checks it too, for exit 2
        if problem:
            raise KhabarError([Diagnostic("--base-url", None, problem,
                                          config_stage.BASE_URL_HINT)])
        config = replace(config, base_url=base_url.rstrip("/") + "/")
    # the working folder too: cached articles carry paths as messages show them
    config_digest = hashlib.sha256((site_dir / config_stage.SITE_FILE).read_bytes()
                                   + f"\0{base_url}\0{Path.cwd()}".encode()).hexdigest()
    markdown_key = _markdown_key(config)
    rendered: dict[tuple[str, str], Rendered] = {}
    if state is not None and state.markdown_key == markdown_key:
        rendered = state.markdown  # rendered with the same extensions and options
    known: content.Known = {}
    if state is not None and state.config_digest == config_digest:
        known = state.articles  # an article whose HTML is not kept: Bodies reads its body
    fresh: dict[tuple[str, str], Rendered] = {}  # Markdown rendered while parsing
    articles, known, texts = content.read_all(
        config, include_drafts=drafts, known=known, parser=_Parser(parallel, fresh),
        trusted_before=state.written_ns - cache.RACY_NS if state else 0)
    bodies = Bodies(MarkdownRenderer(config.markdown), {**rendered, **fresh}, texts)
    named: list[tuple[str, str, int | None]] = [
        (a.image.src, a.path, a.image.line) for a in articles
        if a.image is not None and not a.image.remote]
    if config.logo:
        named.append((config.logo, display_path(site_dir / config_stage.SITE_FILE), None))
    trusted = state.written_ns - cache.RACY_NS if state else 0
    pictures, pictures_known = images.inspect_all(config.root, named,
                                                  state.pictures if state else None, trusted)
    stories = assemble(config, articles, bodies, pictures)
    urls = Urls(config.base_url)
    site_brand, brand_warnings = brand.make(config, pictures, urls, cache.media_dir(site_dir))
    warnings = tuple(sorted([*(w for a in articles for w in a.warnings), *brand_warnings]))
    return Loaded(derive(config, stories, urls, pictures, site_brand), config_digest,
                  markdown_key, known, bodies, warnings, pictures_known)


def _markdown_key(config: SiteConfig) -> str:
    """What a body's HTML depends on besides its text and direction: the extensions a
    site enables, their options, and the Python-Markdown that runs them (Khabar's own code
    is in every cache key already)."""
    settings = config.markdown
    return fingerprint.digest((markdown_version, settings.extensions, [
        (name, dict(options)) for name, options in sorted(settings.extension_configs.items())
    ])).hex()


class _Parser:
    """Parses articles in forked workers when there are many, rendering each one's
    Markdown there too (into `rendered`): on a clean build, most of loading."""

    def __init__(self, parallel: bool, rendered: dict[tuple[str, str], Rendered]) -> None:
        self.parallel, self.rendered = parallel, rendered

    def __call__(self, config: SiteConfig, files: Sequence[content.Unparsed]
                 ) -> list[content.Parsed]:
        pool = parallel_work.fork_pool(self.parallel, len(files), PARSE_PARALLEL_MIN,
                                       (config, files))
        if pool is None:
            return content.parse_all(config, files)
        size = max(25, len(files) // (parallel_work.workers() * 4))
        chunks = [(i, min(i + size, len(files))) for i in range(0, len(files), size)]
        with pool:
            parts = pool.map(_parse_chunk, chunks)
        out: list[content.Parsed] = []
        for part in parts:
            for article, problems, rendered in part:
                out.append((article, problems, None))  # its HTML is kept, not its body
                if article is not None and rendered is not None:
                    self.rendered[(article.body_sha, config.language(article.lang).dir)] = \
                        rendered
        return out


def _parse_chunk(bounds: tuple[int, int]
                 ) -> list[tuple[content.Article | None, list[Diagnostic], Rendered | None]]:
    config, files = parallel_work.inherited()
    renderer = MarkdownRenderer(config.markdown)  # one a worker, reused for every body
    out: list[tuple[content.Article | None, list[Diagnostic], Rendered | None]] = []
    for article, problems, body in content.parse_all(config, files[bounds[0]:bounds[1]]):
        rendered = None
        if article is not None and body is not None:
            rendered = renderer.render(body, config.language(article.lang).dir)
        out.append((article, problems, rendered))  # its HTML goes back, not its body
    return out
