"""Hostile or damaged content files: YAML alias bombs, control characters, symbolic links,
misleading direction, and errors that must say how to fix them (issue 8)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write

from khabar import config as config_stage
from khabar import content, yamlsrc
from khabar.build import build
from khabar.errors import Diagnostic, KhabarError
from khabar.markup import MarkdownRenderer
from khabar.sources import site_files


def load(site: Path) -> tuple[content.Article, ...]:
    return content.load(config_stage.load(site))


def load_errors(site: Path) -> list[Diagnostic]:
    with pytest.raises(KhabarError) as caught:
        load(site)
    return list(caught.value.diagnostics)


def formatted(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(d.format() for d in diagnostics)


@pytest.fixture
def site_here(mini_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The mini site as the working folder, so messages show `content/...` paths."""
    monkeypatch.chdir(mini_site)
    return mini_site


# -- YAML alias bombs ------------------------------------------------------------------

def _bomb(indent: str) -> str:
    """A "billion laughs" as the items of a YAML block list: 9^9 strings when expanded."""
    levels = [f"{indent}- &l0 [{', '.join(['lol'] * 9)}]"]
    levels += [f"{indent}- &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    levels.append(f"{indent}- [{', '.join(['*l8'] * 9)}]")
    return "\n".join(levels)


BOMBS = {
    "countries": f"---\ntitle: بمب\ndate: 2024-11-20\ncountries:\n{_bomb('  ')}\n---\nمتن.\n",
    "source.url": f"---\ntitle: بمب\ndate: 2024-11-20\nsource:\n  name: x\n  url:\n"
                  f"{_bomb('    ')}\n---\nمتن.\n",
    "translation.from": "---\ntitle: Bomb\ndate: 2024-11-20\ntranslation:\n  from:\n"
                        f"{_bomb('    ')}\n  status: machine\n---\nText.\n",
}

# Runs in a child process with its memory capped, so that a regression fails this test
# instead of taking the machine's memory: loads each site, reports time and diagnostics.
_CHILD = """
import json, sys, time
from pathlib import Path
from khabar import config, content
from khabar.errors import KhabarError
results = []
for site in sys.argv[1:]:
    start = time.perf_counter()
    try:
        content.load(config.load(Path(site)))
        lines = []
    except KhabarError as exc:
        lines = [d.format() for d in exc.diagnostics]
    results.append({"seconds": time.perf_counter() - start, "errors": lines})
print(json.dumps(results))
"""


def _cap_memory() -> None:
    limit = 2 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.fixture(scope="module")
def bomb_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    import shutil

    from conftest import SITES
    sites: dict[str, Path] = {}
    for case, text in BOMBS.items():
        site = tmp_path_factory.mktemp("bomb") / "site"
        shutil.copytree(SITES / "mini", site)
        name = "bomb.en.md" if case == "translation.from" else "bomb.fa.md"
        write(site / "content" / name, text)
        sites[case] = site
    site = tmp_path_factory.mktemp("bomb") / "site"
    shutil.copytree(SITES / "mini", site)
    yaml_text = (site / "site.yaml").read_text(encoding="utf-8")
    (site / "site.yaml").write_text(yaml_text + "extra:\n" + _bomb("  ") + "\n",
                                    encoding="utf-8")
    sites["site.yaml"] = site
    cases = list(sites)
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, *(str(sites[c]) for c in cases)],
                              capture_output=True, text=True, timeout=60,
                              preexec_fn=_cap_memory, cwd=tmp_path_factory.getbasetemp())
    except subprocess.TimeoutExpired:
        pytest.fail("loading alias bombs did not end within 60 s")
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(zip(cases, json.loads(done.stdout), strict=True))


@pytest.mark.parametrize("case", [*BOMBS, "site.yaml"])
def test_alias_bomb_is_refused_at_once(case: str,
                                       bomb_results: dict[str, dict[str, object]]) -> None:
    result = bomb_results[case]
    assert isinstance(result["seconds"], float) and result["seconds"] < 2, result
    errors = result["errors"]
    assert isinstance(errors, list) and errors, result
    joined = "\n".join(errors)
    assert "more than 10,000 values through YAML aliases" in joined, joined
    if case != "site.yaml":
        # PATH:LINE: error: front matter expands ... (hint: ...)
        line = next(e for e in errors if "YAML aliases" in e)
        assert ":" in line.split(": error: ")[0] and ".md:" in line, line
        assert "front matter expands to more than 10,000 values" in line, line
        assert "(hint: write the values out; anchors and aliases are for small repeats)" in line


def test_alias_check_is_linear_and_keeps_small_repeats() -> None:
    start = time.perf_counter()
    with pytest.raises(yamlsrc.YamlTooLarge) as caught:
        yamlsrc.load("a:\n" + _bomb("  "))
    assert time.perf_counter() - start < 1
    assert caught.value.line is not None and caught.value.hint
    with pytest.raises(yamlsrc.YamlTooLarge, match="contains itself"):
        yamlsrc.load("a: &x [1, *x]\n")
    data = yamlsrc.load("base: &b {name: x, url: 'https://e.org/'}\none: *b\n"
                        "two: {<<: *b, name: y}\n")
    assert data["one"] == {"name": "x", "url": "https://e.org/"}
    assert data["two"]["name"] == "y" and data["two"].line == 3
    # a large document without aliases is no bomb, however many values it holds
    many = "\n".join(f"k{i}: [{i}, {i}]" for i in range(6000))
    assert len(yamlsrc.load(many)) == 6000


# -- control characters ----------------------------------------------------------------

def test_control_characters_are_removed_with_a_warning(site_here: Path, tmp_path: Path) -> None:
    mini_site = site_here
    target = mini_site / "content/news/pasted.fa.md"
    target.write_text('---\ntitle: "خبر\x01 تازه\x08"\ndate: 2024-11-20\n'
                      'summary: خلاصه\x7f و \x85 تمام\ncountries: [libya]\n---\nمتن.\n',
                      encoding="utf-8")
    articles = load(mini_site)
    article = next(a for a in articles if a.slug == "pasted")
    assert article.title == "خبر تازه"
    assert article.summary == "خلاصه و تمام"
    lines = [w.format() for w in article.warnings]
    assert len(lines) == 2, lines
    assert lines[0].startswith("content/news/pasted.fa.md:2: warning: removed 2 control "
                               "characters (U+0001, U+0008) from the front matter (hint: ")
    assert lines[1].startswith("content/news/pasted.fa.md:4: warning: removed 2 control "
                               "characters (U+007F, U+0085)")
    out = tmp_path / "out"
    build(mini_site, out)
    page = (out / "fa/articles/pasted/index.html").read_text(encoding="utf-8")
    assert "خبر تازه" in page and "\x01" not in page and "\x08" not in page


def test_form_feed_does_not_shift_lines(mini_site: Path) -> None:
    """Lines end at LF, as editors count them: a form feed is no line break."""
    (mini_site / "content/news/ff.fa.md").write_text(
        "---\ntitle: خبر\x0c\ndate: 2024-11-20\ncountries: [lybia]\n---\nمتن.\n",
        encoding="utf-8")
    errors = load_errors(mini_site)
    assert [d.line for d in errors if "lybia" in d.message] == [4]


# -- direction -------------------------------------------------------------------------

def test_quoted_english_inside_persian_keeps_the_page_direction() -> None:
    # 9 Persian letters, 8 Latin ones: Persian (the escaped HTML has 16 Latin: &quot;)
    body = 'او گفت: "peace now" و رفت.\n\n"This whole paragraph is English."\n'
    html = MarkdownRenderer().render(body, "rtl").html
    persian, english = html.split("</p>")[:2]
    assert '"peace now"' in persian and "dir=" not in persian, persian
    assert 'dir="ltr"' in english, english


# -- errors that must name the file, count every file, and say how to fix -------------

def test_an_article_with_errors_still_counts_as_existing(mini_site: Path) -> None:
    write(mini_site / "content/news/x.fa.md", """
        ---
        title: خبر
        date: 2024-11-20
        countries: [atlantis]
        ---
        متن.
        """)
    write(mini_site / "content/news/x.en.md", """
        ---
        title: News
        date: 2024-11-20
        translation: {from: fa, source_sha256: '', engine: human, model: none, status: reviewed}
        ---
        Text.
        """)
    errors = load_errors(mini_site)
    assert [d.message for d in errors] == ["unknown term 'atlantis' in 'countries'"], \
        formatted(errors)


BROKEN = {
    "kind.fa.md": "---\ntitle: x\ndate: 2024-11-20\nkind: story\n---\nx\n",
    "digest.en.md": "---\ntitle: x\ndate: 2024-11-20\ntranslation: {from: fa, "
                    "source_sha256: abc, status: machine}\n---\nx\n",
    "list.fa.md": "---\n- a\n- b\n---\nx\n",
    "empty.fa.md": "---\ntitle: ' '\ndate: 2024-11-20\n---\nx\n",
    "draft.fa.md": "---\ntitle: x\ndate: 2024-11-20\ndraft: maybe\n---\nx\n",
    "source.fa.md": "---\ntitle: x\ndate: 2024-11-20\nsource: [a, b]\n---\nx\n",
    "sname.fa.md": "---\ntitle: x\ndate: 2024-11-20\nsource: {name: [a], url: "
                   "'https://e.org/'}\n---\nx\n",
    "nodate.fa.md": "---\ntitle: x\n---\nx\n",
    "Bad_Name.fa.md": "---\ntitle: x\ndate: 2024-11-20\n---\nx\n",
    "dup.fa.md": "---\ntitle: x\ntitle: y\ndate: 2024-11-20\n---\nx\n",
    "tr.en.md": "---\ntitle: x\ndate: 2024-11-20\ntranslation: 3\n---\nx\n",
    "yaml.fa.md": "---\ntitle: [x\n---\nx\n",
}


def test_every_content_error_names_its_file_and_has_a_hint(site_here: Path) -> None:
    mini_site = site_here
    for name, text in BROKEN.items():
        (mini_site / "content" / name).write_text(text, encoding="utf-8")
    errors = load_errors(mini_site)
    assert {Path(d.path).name for d in errors} >= set(BROKEN), formatted(errors)
    for d in errors:
        assert d.path.startswith("content/"), d.format()
        assert d.hint, f"no hint: {d.format()}"
    by_message = {d.message: d for d in errors}
    kind = by_message["kind 'story' is not one of article, brief"]
    assert kind.line == 4 and "kind: brief" in (kind.hint or "")
    digest = by_message["translation.source_sha256 is not a SHA-256 hex digest"]
    assert digest.hint is not None and "SHA-256 of the original file" in digest.hint
    assert "LF line endings" in digest.hint and "sha256sum" in digest.hint
    bad_name = next(d for d in errors if d.path.endswith("Bad_Name.fa.md"))
    assert bad_name.line is None and bad_name.path == "content/Bad_Name.fa.md"


# -- symbolic links --------------------------------------------------------------------

def test_article_linked_from_outside_is_refused(site_here: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "private/secret.fa.md", """
        ---
        title: یادداشت خصوصی
        date: 2024-11-20
        ---
        متن خصوصی.
        """)
    (site_here / "content/secret.fa.md").symlink_to(outside)
    (site_here / "content/private").symlink_to(outside.parent, target_is_directory=True)
    errors = load_errors(site_here)
    lines = formatted(errors).splitlines()
    real = os.path.realpath(outside)
    assert f"content/secret.fa.md: error: links to {real}, outside the site folder (hint: " \
        "copy the file into the site; links that leave the site are not followed)" in lines
    assert any(line.startswith(f"content/private: error: links to {os.path.dirname(real)}, "
                               "outside the site folder") for line in lines), lines
    assert len(errors) == 2, lines


def test_links_inside_the_site_are_followed(site_here: Path) -> None:
    write(site_here / "shared/story.fa.md", """
        ---
        title: خبر مشترک
        date: 2024-11-20
        ---
        متن.
        """)
    write(site_here / "shared/more/other.fa.md", """
        ---
        title: خبر دیگر
        date: 2024-11-21
        ---
        متن.
        """)
    (site_here / "content/linked.fa.md").symlink_to(site_here / "shared/story.fa.md")
    (site_here / "content/more").symlink_to("../shared/more", target_is_directory=True)
    slugs = {a.slug for a in load(site_here)}
    assert {"linked", "other"} <= slugs


def test_site_reached_through_a_link_is_still_inside(mini_site: Path, tmp_path: Path) -> None:
    via = tmp_path / "via"
    via.symlink_to(mini_site, target_is_directory=True)
    (mini_site / "content/again.fa.md").symlink_to(
        mini_site / "content/news/oslo-talks.fa.md")
    files, problems = site_files(via / "content", via)
    assert problems == []
    assert str(via / "content/again.fa.md") in files


@pytest.mark.parametrize("make, message", [
    (lambda c: (c / "gone.fa.md").symlink_to(c / "missing.fa.md"),
     f"content/gone.fa.md: error: links to {{c}}{os.sep}missing.fa.md, which does not exist"),
    (lambda c: (c / "loop.fa.md").symlink_to("loop.fa.md"),
     "content/loop.fa.md: error: is a symbolic link loop"),
    (lambda c: (c / "news/up").symlink_to("..", target_is_directory=True),
     "content/news/up: error: links to {c}, a folder it is inside: following it would "
     "never end"),
], ids=["dangling", "loop", "folder-loop"])
def test_broken_links_are_errors_not_tracebacks(site_here: Path,
                                                make: Callable[[Path], None],
                                                message: str) -> None:
    content_dir = site_here / "content"
    make(content_dir)
    errors = load_errors(site_here)
    lines = formatted(errors).splitlines()
    expected = message.format(c=os.path.realpath(content_dir)
                              if "{c}" in message and "missing" not in message
                              else content_dir)
    assert len(lines) == 1 and lines[0].startswith(expected), (lines, expected)
    assert "(hint: " in lines[0]


def test_cli_check_reports_a_link_and_exits_1(site_here: Path, cli: Callable[..., Run]) -> None:
    (site_here / "content/passwd.fa.md").symlink_to("/etc/passwd")
    run = cli("check", "--site", site_here)
    assert run.code == 1
    assert any(line.startswith("content/passwd.fa.md: error: links to /etc/passwd, outside "
                               "the site folder") for line in run.error_lines), run.err
    assert "Traceback" not in run.err


def test_site_files_for_static_folders(tmp_path: Path) -> None:
    """What a static/ folder walk gets: every file, hidden ones when asked, links checked
    whatever their names."""
    site = tmp_path / "site"
    write(site / "static/css/a.css", "a")
    write(site / "static/.well-known/security.txt", "s")
    (site / "static/passwd.txt").symlink_to("/etc/passwd")
    (site / "static/logo.css").symlink_to(site / "static/css/a.css")
    (site / "static/fifo").parent.mkdir(exist_ok=True)
    os.mkfifo(site / "static/fifo")
    files, problems = site_files(site / "static", site, hidden=True)
    rel = [os.path.relpath(f, site / "static") for f in files]
    assert rel == [".well-known/security.txt", "css/a.css", "logo.css"]
    assert [(p.message, p.line) for p in problems] == [
        ("links to /etc/passwd, outside the site folder", None)]
    files, _ = site_files(site / "static", site)
    assert not any(".well-known" in f for f in files)
    assert site_files(site / "nothing", site) == ([], [])


def test_discovery_stays_cheap(mini_site: Path) -> None:
    """Only links are resolved: ordinary files cost no stat or resolve while walking."""
    for i in range(300):
        (mini_site / f"content/s{i}.fa.md").write_text("x", encoding="utf-8")
    calls: list[str] = []
    real = os.path.realpath

    def counting(path: str | os.PathLike[str], *a: object, **kw: object) -> str:
        calls.append(str(path))
        return real(path)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os.path, "realpath", counting)
        files, problems = site_files(mini_site / "content", mini_site,
                                     want=lambda n: n.endswith(".md"))
    assert len(files) >= 300 and problems == []
    assert len(calls) <= 2, calls  # the site folder and content/ itself

