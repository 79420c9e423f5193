"""One test per kind of bad input: exit status 1, a PATH:LINE: error: line, and the
previous output left exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, snapshot, write

GOOD = """
---
title: خبر تازه
date: 2024-11-20
countries: [libya]
---
متن خبر.
"""


@pytest.fixture
def built(mini_site: Path, tmp_path: Path,
          cli: Callable[..., Run]) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "out"
    run = cli("build", "--site", mini_site, "--out", out)
    assert run.code == 0, run.err
    return out, snapshot(out)


def rebuild_fails(site: Path, built: tuple[Path, dict[str, bytes]],
                  cli: Callable[..., Run]) -> list[str]:
    out, before = built
    run = cli("build", "--site", site, "--out", out)
    assert run.code == 1, run.out + run.err
    assert snapshot(out) == before, "a failed build changed the previous output"
    assert run.error_lines, run.err
    return run.error_lines


CASES: list[tuple[str, str, str, str]] = [
    # (file name, text, expected "PATH:LINE: error:" prefix, expected message fragment)
    ("content/a.fa.md", "---\ndate: 2024-11-20\n---\nx\n", "content/a.fa.md:2: error:",
     "missing required field 'title'"),
    ("content/a.fa.md", "---\ntitle: x\ndate: 2024-13-45\n---\nx\n",
     "content/a.fa.md:3: error:", "is not a valid date"),
    ("content/a.fa.md", "---\ntitle: x\ndate: 2024-11-20\nkind: essay\n---\nx\n",
     "content/a.fa.md:4: error:", "kind 'essay'"),
    ("content/a.fa.md", "---\ntitle: x\ndate: 2024-11-20\nsource: {name: y, url: "
     "'javascript:alert(1)'}\n---\nx\n", "content/a.fa.md:4: error:", "not an http(s) URL"),
    ("content/a.fa.md", "---\ntitle: x\ndate: 2024-11-20\ncountries:\n  - libya\n  - lybia\n"
     "---\nx\n", "content/a.fa.md:6: error:", "unknown term 'lybia' in 'countries' "
     "(hint: did you mean 'libya'?)"),
    ("content/a.fa.md", "---\ntitle: x\ndate: 2024-11-20\ncountires: [libya]\n---\nx\n",
     "content/a.fa.md:4: error:", "unknown field 'countires' (hint: did you mean 'countries'?)"),
    ("content/a.fa.md", "---\ntitle: [unclosed\ndate: 2024-11-20\n---\nx\n",
     "content/a.fa.md:", "invalid YAML"),
    ("content/a.fa.md", "no front matter here\n", "content/a.fa.md:1: error:",
     "no front matter"),
    ("content/Bad_Name.fa.md", GOOD, "content/Bad_Name.fa.md: error:",
     "file name must be <slug>.<lang>.md"),
    ("content/a.de.md", GOOD, "content/a.de.md: error:", "file name must be"),
    ("content/a.fa.md", "---\ntitle: x\ndate: 2024-11-20\nkind: brief\n---\n"
     "one paragraph.\n\nanother paragraph.\n", "content/a.fa.md:6: error:",
     "a brief has at most one short paragraph"),
    ("content/a.en.md", "---\ntitle: x\ndate: 2024-11-20\ntranslation: {from: fa, "
     "status: approved}\n---\nx\n", "content/a.en.md:4: error:",
     "translation.status 'approved'"),
    ("content/a.en.md", "---\ntitle: x\ndate: 2024-11-20\ntranslation: {from: fa}\n---\nx\n",
     "content/a.en.md:1: error:", "no a.fa.md exists"),
    ("content/a.fa.md", "---\ntitle: x\ndate: 2024-11-20\ndraft: maybe\n---\nx\n",
     "content/a.fa.md:4: error:", "must be true or false"),
    ("site.yaml", "title: x\nbase_url: https://e.org/\nlanguages: {fa: {dir: rtl}}\n"
     "taxonomies: {countries: {title: x, terms: {norway: {iso: NO}}}}\nfooter: y\n",
     "site.yaml:5: error:", "unknown key 'footer'"),
]


@pytest.mark.parametrize("name, text, where, message", CASES,
                         ids=[f"{c[0]}:{c[3][:30]}" for c in CASES])
def test_bad_input(mini_site: Path, built: tuple[Path, dict[str, bytes]],
                   cli: Callable[..., Run], name: str, text: str, where: str,
                   message: str) -> None:
    write(mini_site / name, text)
    lines = rebuild_fails(mini_site, built, cli)
    hits = [line for line in lines if where in line and message in line]
    assert hits, lines
    assert hits[0].startswith(str(mini_site / name)), "the path must open from here"


def test_duplicate_slug_names_both_files(mini_site: Path, built: tuple[Path, dict[str, bytes]],
                                         cli: Callable[..., Run]) -> None:
    write(mini_site / "content/other/oslo-talks.fa.md", GOOD)
    lines = rebuild_fails(mini_site, built, cli)
    other, news = (str(mini_site / f"content/{d}/oslo-talks.fa.md") for d in ("other", "news"))
    assert any(line.startswith(f"{other}:1: error:") and news in line for line in lines), lines
    assert any(line.startswith(f"{news}:1: error:") and other in line for line in lines), lines


def test_every_error_of_a_run_is_reported(mini_site: Path, built: tuple[Path, dict[str, bytes]],
                                          cli: Callable[..., Run]) -> None:
    write(mini_site / "content/a.fa.md", "---\ntitle: x\ndate: nope\ncountries: [mars]\n---\n")
    write(mini_site / "content/b.fa.md", "---\ndate: 2024-11-20\nkind: essay\n---\n")
    lines = rebuild_fails(mini_site, built, cli)
    assert len(lines) == 4, lines
    assert [line.split(": error:")[0] for line in lines] == [
        f"{mini_site}/content/a.fa.md:3", f"{mini_site}/content/a.fa.md:4",
        f"{mini_site}/content/b.fa.md:2", f"{mini_site}/content/b.fa.md:3"]


def test_template_error_keeps_output(mini_site: Path, built: tuple[Path, dict[str, bytes]],
                                     cli: Callable[..., Run]) -> None:
    write(mini_site / "templates/article.html", "{% extends 'base.html' %}{% block main %}"
          "{{ story.no_such_field }}{% endblock %}")
    lines = rebuild_fails(mini_site, built, cli)
    assert any("article.html" in line and "no_such_field" in line for line in lines), lines


def test_template_syntax_error_names_line(mini_site: Path,
                                          built: tuple[Path, dict[str, bytes]],
                                          cli: Callable[..., Run]) -> None:
    write(mini_site / "templates/home.html", "line one\n{% if %}\n")
    lines = rebuild_fails(mini_site, built, cli)
    assert any("home.html:2: error: template syntax" in line for line in lines), lines


def test_static_file_colliding_with_a_page(mini_site: Path,
                                           built: tuple[Path, dict[str, bytes]],
                                           cli: Callable[..., Run]) -> None:
    write(mini_site / "static/fa/index.html", "<p>mine</p>")
    lines = rebuild_fails(mini_site, built, cli)
    assert "static/fa/index.html: error: would be published as 'fa/index.html', which is the " \
        "page /fa/ made from the theme's home.html (hint: rename or move this file: static/ " \
        "is copied as it is, over nothing Khabar makes)" in lines, lines
    write(mini_site / "static/fa/index.html", "<p>mine</p>").unlink()
    write(mini_site / "static/fa/articles/oslo-talks/index.html", "<p>mine</p>")
    lines = rebuild_fails(mini_site, built, cli)
    assert any(line.startswith("static/fa/articles/oslo-talks/index.html: error: ") and
               "mini/content/news/oslo-talks.fa.md (hint: rename" in line for line in lines), lines


def test_output_that_contains_the_site_is_refused(mini_site: Path,
                                                  cli: Callable[..., Run]) -> None:
    before = snapshot(mini_site)
    run = cli("build", "--site", mini_site, "--out", mini_site.parent)
    assert run.code == 1
    assert "contains the site folder" in run.err
    run = cli("build", "--site", mini_site, "--out", mini_site / "content" / "out")
    assert run.code == 1
    assert "inside the site's content/" in run.err
    assert snapshot(mini_site) == before


def test_foreign_nonempty_output_is_not_replaced(mini_site: Path, tmp_path: Path,
                                                 cli: Callable[..., Run]) -> None:
    out = tmp_path / "theirs"
    write(out / "keep.txt", "precious")
    run = cli("build", "--site", mini_site, "--out", out)
    assert run.code == 1 and "not written by Khabar" in run.err
    assert (out / "keep.txt").read_text() == "precious"


def test_usage_error_exits_2(cli: Callable[..., Run]) -> None:
    with pytest.raises(SystemExit) as info:
        cli("build", "--no-such-option")
    assert info.value.code == 2


def test_static_links_that_leave_the_site_are_refused(mini_site: Path,
                                                      built: tuple[Path, dict[str, bytes]],
                                                      cli: Callable[..., Run]) -> None:
    (mini_site / "static/passwd.txt").symlink_to("/etc/passwd")
    (mini_site / "static/gone.css").symlink_to(mini_site / "static/nothing.css")
    (mini_site / "static/loop.css").symlink_to(mini_site / "static/loop.css")
    (mini_site / "static/inside.txt").symlink_to(mini_site / "static/humans.txt")
    lines = rebuild_fails(mini_site, built, cli)
    assert [line.split(": error: ")[0].rsplit("/", 2)[-2:] for line in lines] == [
        ["static", "gone.css"], ["static", "loop.css"], ["static", "passwd.txt"]], lines
    assert "links to /etc/passwd, outside the site folder" in lines[2]
    assert not any("Traceback" in line for line in lines)
    for name in ("passwd.txt", "gone.css", "loop.css"):
        (mini_site / "static" / name).unlink()
    out, _before = built
    assert cli("build", "--site", mini_site, "--out", out).code == 0
    # a link inside the site is published as the file it points to
    assert (out / "inside.txt").read_bytes() == (mini_site / "static/humans.txt").read_bytes()
