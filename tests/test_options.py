"""The option table (khabar/options.py): the README's reference tables are made from it, its
examples use every option, and the readers accept exactly what it lists."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, Run, write
from PIL import Image

from khabar import options

README = ROOT / "README.md"


def _block(readme: str, after: str, lang: str) -> str:
    """The first fenced block of `lang` after the line `after`."""
    start = readme.index(after)
    m = re.compile(rf"```{lang}\n(.*?)```", re.S).search(readme, start)
    assert m is not None, f"no ```{lang} block after {after!r}"
    return m.group(1)


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every dotted key path of a YAML value."""
    if isinstance(value, dict):
        for key, sub in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from _paths(sub, path)


def _pattern(key: str) -> str:
    return ".".join("*" if part.isupper() else part for part in key.split("."))


def test_readme_reference_tables_are_made_from_the_table(request: pytest.FixtureRequest
                                                          ) -> None:
    text = README.read_text(encoding="utf-8")
    current = options.update_readme(text)
    if request.config.getoption("--update-golden"):
        README.write_text(current, encoding="utf-8")
        return
    assert text == current, "README's option tables are stale: run pytest --update-golden"
    for o in (*options.SITE, *options.FRONT_MATTER):
        assert f"| `{o.key}` |" in text


def test_the_site_yaml_example_sets_every_option_and_builds(
        tmp_path: Path, cli: Callable[..., Run]) -> None:
    readme = README.read_text(encoding="utf-8")
    site_yaml = _block(readme, "An example with every key:", "yaml")
    article = _block(readme, "## Articles", "markdown")
    given = set(_paths(yaml.safe_load(site_yaml)))
    for o in options.SITE:
        assert any(fnmatchcase(p, _pattern(o.key)) for p in given), \
            f"the README's site.yaml example does not set {o.key}"
    written = set(_paths(yaml.safe_load(article.split("---")[1])))
    for o in options.FRONT_MATTER:
        if not o.key.startswith("translation"):
            assert any(fnmatchcase(p, _pattern(o.key)) for p in written) or \
                (o.key == "KEY" and "countries" in written), \
                f"the README's article example does not show {o.key}"
    site = tmp_path / "site"
    write(site / "site.yaml", site_yaml)
    write(site / "content" / "haftar-turkey.fa.md", article.replace("...", "متن"))
    (site / "images").mkdir()  # the pictures the examples name
    shutil.copy(ROOT / "images" / "logo.svg", site / "images" / "logo.svg")
    Image.new("RGB", (900, 600), (30, 90, 160)).save(site / "images" / "benghazi.jpg")
    run = cli("check", "--site", site)
    assert run.code == 0, run.err


def test_the_translation_example_shows_every_translation_field() -> None:
    block = yaml.safe_load(_block(README.read_text(encoding="utf-8"), "### Translations",
                                  "yaml"))
    given = set(_paths(block))
    for o in options.FRONT_MATTER:
        if o.key.startswith("translation.") and o.key not in (
                "translation.output_sha256", "translation.chain"):  # written by translate
            assert o.key in given, o.key


def test_a_key_the_table_lacks_is_refused_with_the_tables_keys(
        tmp_path: Path, cli: Callable[..., Run]) -> None:
    site = tmp_path / "site"
    write(site / "site.yaml", """
        title: T
        base_url: https://example.org/
        languages: {en: {name: English, dirr: ltr}}
        feeds: {item: 5, terms: everything}
        """)
    run = cli("check", "--site", site)
    assert run.code == 1
    assert "languages.en: unknown key 'dirr'" in run.err and "did you mean 'dir'?" in run.err
    assert "feeds: unknown key 'item'" in run.err and "did you mean 'items'?" in run.err
    assert "feeds.terms: 'everything' is neither 'full' nor 'summary'" in run.err


def test_keys_under_gives_children_with_placeholders() -> None:
    assert options.keys_under(options.SITE, "feeds") == {"items", "content", "terms"}
    assert options.keys_under(options.SITE, "languages") == {"CODE"}
    assert options.keys_under(options.SITE, "taxonomies.KEY.terms.SLUG") == \
        {"iso", "CODE", "aliases"}
    assert "translation" in options.keys_under(options.FRONT_MATTER, "")
    assert options.default(options.SITE, "per_page") == 20
    with pytest.raises(StopIteration):
        options.option(options.SITE, "no.such.key")


def test_markdown_extensions_are_checked_on_their_lines(
        tmp_path: Path, cli: Callable[..., Run]) -> None:
    site = tmp_path / "site"
    write(site / "site.yaml", """
        title: T
        base_url: https://example.org/
        languages: {fa: {name: فارسی, dir: rtl}}
        markdown:
          extensions:
            - abbr
            - no_such_extension
            - pymdownx.tilde
          extension_configs:
            pymdownx.tilde: {no_such_option: true}
            def_list: {}
        """)
    run = cli("check", "--site", site)
    assert run.code == 1
    errors = run.error_lines
    assert any(":7: error: markdown.extensions: no_such_extension: is not installed" in e
               for e in errors), errors
    assert any(":8: error: markdown.extensions: pymdownx.tilde:" in e for e in errors), errors
    assert any(":11: error: markdown.extension_configs: 'def_list' is not in "
               "markdown.extensions" in e for e in errors), errors
    assert not any("abbr" in e for e in errors)


def test_a_configured_extension_changes_the_pages(tmp_path: Path,
                                                  cli: Callable[..., Run]) -> None:
    site = tmp_path / "site"
    write(site / "site.yaml", """
        title: T
        base_url: https://example.org/
        languages: {en: {name: English, dir: ltr}}
        """)
    write(site / "content" / "a.en.md", """
        ---
        title: A
        date: 2024-11-23
        ---
        The ~~old~~ figure, said the *[UN]: United Nations

        The UN said so.

        *[UN]: United Nations
        """)
    assert cli("build", "--site", site, "--out", tmp_path / "one").code == 0
    page = (tmp_path / "one" / "en" / "articles" / "a" / "index.html").read_text("utf-8")
    assert "<del>" not in page and "<abbr" not in page
    with (site / "site.yaml").open("a", encoding="utf-8") as fh:
        fh.write("markdown: {extensions: [abbr, pymdownx.tilde]}\n")
    assert cli("build", "--site", site, "--out", tmp_path / "one").code == 0  # a rebuild
    page = (tmp_path / "one" / "en" / "articles" / "a" / "index.html").read_text("utf-8")
    assert "<del>old</del>" in page and '<abbr title="United Nations">UN</abbr>' in page
