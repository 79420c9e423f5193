"""The command line as the README promises it: usage errors exit 2 with a message that says
how to fix them, errors exit 1 in one line each, optional parts that are missing are named
with their pip command, the network is asked once, and never a traceback (issue 8)."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import URLError

import pytest
from argos_fixture import build_argos_package
from conftest import ROOT, Run, snapshot

from khabar import build as build_stage
from khabar.cli import COMMANDS, main, parser
from khabar.errors import Diagnostic, MissingExtra
from khabar.translate import command

BAD_URLS = [
    'https://example.org/"><script>alert(1)</script>',
    "https://example.org/<x>",
    "https://example.org/a b",
    "https://example.org/\nDisallow: /",
    "https://example.org/'",
    "javascript:alert(1)",
    "example.org",
    "//example.org/",
    "ftp://example.org/",
    "https://",
    "https://user:secret@example.org/",
    "https://example.org/?q=1",
    "https://example.org/%zz",
    "https://exa_mple.org/",
]


def usage_error(cli: Callable[..., Run], capsys: pytest.CaptureFixture[str],
                *args: str | Path) -> str:
    """What a usage error prints; it must exit 2, after argparse's usage line."""
    with pytest.raises(SystemExit) as info:
        cli(*args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: khabar") and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("url", BAD_URLS)
def test_base_url_must_be_an_absolute_http_url(url: str, mini_site: Path, tmp_path: Path,
                                               cli: Callable[..., Run],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(cli, capsys, "build", "--site", mini_site, "--out", tmp_path / "out",
                      "--base-url", url)
    assert "argument --base-url:" in err and "(hint: write it like https://" in err, err
    assert not (tmp_path / "out").exists()


def test_a_good_base_url_reaches_robots_txt(mini_site: Path, tmp_path: Path,
                                            cli: Callable[..., Run]) -> None:
    run = cli("build", "--site", mini_site, "--out", tmp_path / "out", "--base-url",
              "http://127.0.0.1:8080/preview/")
    assert run.code == 0, run.err
    robots = (tmp_path / "out/robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: http://127.0.0.1:8080/preview/sitemap.xml" in robots


def test_site_yaml_base_url_is_held_to_the_same_rule(mini_site: Path, tmp_path: Path,
                                                     cli: Callable[..., Run]) -> None:
    config = mini_site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "https://news.example.net/briefing/", "'https://news.example.net/\"><b>x</b>'"),
        encoding="utf-8")
    run = cli("build", "--site", mini_site, "--out", tmp_path / "out")
    assert run.code == 1
    assert run.error_lines == [line for line in run.error_lines if "(hint: " in line]
    assert any(":2: error: base_url: " in line and "may not hold unescaped" in line
               for line in run.error_lines), run.err


def test_out_that_is_a_file_is_a_usage_error(mini_site: Path, tmp_path: Path,
                                             cli: Callable[..., Run],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep", encoding="utf-8")
    err = usage_error(cli, capsys, "build", "--site", mini_site, "--out", a_file)
    assert f"argument --out: {a_file} exists and is not a folder (hint: " in err, err
    err = usage_error(cli, capsys, "build", "--site", mini_site, "--out", a_file / "out")
    assert f"argument --out: {a_file / 'out'} cannot be made: {a_file} is a file" in err, err
    assert a_file.read_text(encoding="utf-8") == "keep"


def test_site_that_is_not_a_site_folder_is_a_usage_error(
        tmp_path: Path, cli: Callable[..., Run], capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "site.yaml"
    a_file.write_text("title: x\n", encoding="utf-8")
    for args, expected in [
            (("build", "--site", a_file), f"argument --site: {a_file} is not a folder"),
            (("check", "--site", tmp_path / "nowhere"), "no such folder"),
            (("translate", "--site", tmp_path.parent), f"no site.yaml in {tmp_path.parent}"),
            (("serve", "--site", tmp_path.parent), f"no site.yaml in {tmp_path.parent}")]:
        err = usage_error(cli, capsys, *args)
        assert expected in err and "(hint: " in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site.yaml"]


def test_unknown_command_lists_the_commands(mini_site: Path, cli: Callable[..., Run],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(cli, capsys, "biuld", "--site", mini_site)
    assert "'biuld' is not a command; did you mean 'build'?" in err
    for name in COMMANDS:
        assert f"\n  {name} " in err, err
    err = usage_error(cli, capsys, "--site", mini_site, "publish")
    assert "'publish' is not a command" in err
    assert not (mini_site / "_site").exists()


def test_no_command_builds_and_options_may_come_first(mini_site: Path, tmp_path: Path,
                                                      cli: Callable[..., Run]) -> None:
    run = cli("--out", tmp_path / "a", "--site", mini_site)  # `python build.py --out X`
    assert run.code == 0 and "built " in run.out, run.err
    run = cli("--site", mini_site, "check")  # the command after an option with a value
    assert run.code == 0 and run.out.startswith("ok: "), run.err


def test_bare_build_py_builds_the_current_folder(mini_site: Path) -> None:
    """`python build.py` with no arguments, in a site folder, builds it into _site."""
    run = subprocess.run([sys.executable, str(ROOT / "build.py")], cwd=mini_site,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (mini_site / "_site/fa/index.html").is_file()


def test_serve_port_has_help_and_its_default(cli: Callable[..., Run],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli("serve", "--help")
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--port N the port to listen on" in out and "(default: 8000)" in out, out
    err = usage_error(cli, capsys, "serve", "--port", "http")
    assert "argument --port: 'http' is not a port number (hint: " in err


def test_summary_counts_stories_not_language_versions(mini_site: Path, tmp_path: Path,
                                                      cli: Callable[..., Run]) -> None:
    """The mini site has three published stories (two of them in both languages)."""
    run = cli("build", "--site", mini_site, "--out", tmp_path / "out")
    assert run.code == 0, run.err
    assert " from 3 stories into " in run.out, run.out
    run = cli("check", "--site", mini_site)
    assert run.out.startswith("ok: 4 stories, "), run.out  # check counts drafts too


def test_warnings_are_printed_before_the_summary(
        mini_site: Path, tmp_path: Path, cli: Callable[..., Run],
        monkeypatch: pytest.MonkeyPatch) -> None:
    warning = Diagnostic("content/news/x.en.md", 3, "date differs from the original's",
                         "remove it: it comes from the original", "warning")
    real_build, real_check = build_stage.build, build_stage.check

    def with_warning(result: build_stage.BuildResult) -> build_stage.BuildResult:
        return build_stage.BuildResult(**{**result.__dict__, "warnings": (warning,)})

    monkeypatch.setattr(build_stage, "build",
                        lambda *a, **k: with_warning(real_build(*a, **k)))
    monkeypatch.setattr(build_stage, "check",
                        lambda *a, **k: with_warning(real_check(*a, **k)))
    expected = ("content/news/x.en.md:3: warning: date differs from the original's "
                "(hint: remove it: it comes from the original)")
    run = cli("build", "--site", mini_site, "--out", tmp_path / "out")
    assert run.code == 0 and run.err.splitlines() == [expected], run.err
    run = cli("check", "--site", mini_site)
    assert run.code == 0 and run.err.splitlines() == [expected], run.err
    assert run.out.rstrip().endswith(", 1 warning"), run.out


# -- optional parts that are not installed ---------------------------------------------------

TRANSLATE_MODULES = ("argostranslate", "argostranslate.package", "argostranslate.settings",
                     "ctranslate2", "sentencepiece")


@pytest.fixture
def no_translate_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if `pip install khabar` had been run without [translate]: importing fails."""
    for name in TRANSLATE_MODULES:
        monkeypatch.setitem(sys.modules, name, None)


def one_line(run: Run, *expected: str) -> None:
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert run.code == 1 and len(lines) == 1, run.err
    assert lines[0].startswith("khabar: error: "), lines[0]
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.usefixtures("no_translate_extra")
def test_models_without_the_translate_extra(tmp_path: Path, cli: Callable[..., Run]) -> None:
    pip = "(hint: pip install 'khabar[translate]')"
    one_line(cli("models", "list"), "`khabar models list` needs the translate extra", pip)
    package = tmp_path / "translate-fa_en-1_9.argosmodel"
    package.write_bytes(b"PK")
    one_line(cli("models", "install", package), "`khabar models install`", pip)
    one_line(cli("models", "install", "fa", "en"), "`khabar models install`", pip)


@pytest.mark.usefixtures("no_translate_extra")
def test_translate_without_the_translate_extra(mini_site: Path, cli: Callable[..., Run]
                                               ) -> None:
    before = snapshot(mini_site)
    one_line(cli("translate", "--site", mini_site),  # oslo-talks.en.md is stale: work to do
             "`khabar translate` needs the translate extra",
             "(hint: pip install 'khabar[translate]')")
    assert snapshot(mini_site) == before
    dry = cli("translate", "--site", mini_site, "--dry-run")  # needs no model
    assert dry.code == 0 and "would translate" in dry.out, dry.err


def test_serve_refuses_to_start_without_watchfiles(mini_site: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Started anyway, it would serve but never rebuild (a traceback in the watcher
    thread). Here `stop` is set before it starts: it would return 0 at once."""
    import threading

    from khabar.serve import serve
    monkeypatch.setitem(sys.modules, "watchfiles", None)
    stop = threading.Event()
    stop.set()
    with pytest.raises(MissingExtra) as info:
        serve(mini_site, port=0, stop=stop)
    assert info.value.hint == "pip install 'khabar[serve]'"
    assert not (mini_site / ".khabar-cache" / "serve").exists()


def test_serve_without_watchfiles_is_one_line_from_the_command(mini_site: Path) -> None:
    code = ("import sys; sys.modules['watchfiles'] = None; from khabar.cli import main; "
            f"sys.exit(main(['serve', '--site', {str(mini_site)!r}, '--port', '0']))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stderr.splitlines() == [
        "khabar: error: `khabar serve` needs watchfiles to rebuild on change, and it is not "
        "installed (hint: pip install 'khabar[serve]')"], run.stderr


# -- `models install FROM TO`: the one command that uses the network -------------------------

def test_models_download_offline_is_one_attempt_and_one_line(
        isolated_packages: Path, cli: Callable[..., Run], no_network: list[Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With every connection refused (no_network), the real download code asks once."""
    from argostranslate import settings
    monkeypatch.setattr(settings, "remote_package_index", "https://index.example/index.json")
    run = cli("models", "install", "fa", "en")
    one_line(run, "could not download the Argos package index from "
             "https://index.example/index.json: network access attempted during an offline",
               "(hint: check the network connection, or download the .argosmodel file")
    assert len(no_network) == 1, no_network


def test_models_download_times_out_once(isolated_packages: Path, cli: Callable[..., Run],
                                        monkeypatch: pytest.MonkeyPatch,
                                        no_network: list[Any]) -> None:
    asked: list[tuple[str, float]] = []

    def fetch(url: str, timeout: float = command.DOWNLOAD_TIMEOUT_S) -> bytes:
        asked.append((url, timeout))
        if url.endswith("index.json"):
            return json.dumps([{"from_code": "fa", "to_code": "en", "package_version": "1.9",
                                "type": "translate", "code": "translate-fa_en",
                                "links": ["https://models.example/fa_en.argosmodel"]}]
                              ).encode()
        raise URLError(TimeoutError("timed out"))

    monkeypatch.setattr(command, "fetch", fetch)
    run = cli("models", "install", "fa", "en")
    one_line(run, "could not download translate-fa_en-1.9.argosmodel from "
             "https://models.example/fa_en.argosmodel: no answer in 30 s")
    assert [url for url, _ in asked] == [asked[0][0], "https://models.example/fa_en.argosmodel"]
    assert all(0 < timeout <= 60 for _, timeout in asked)
    assert no_network == []


def test_models_download_installs_what_it_fetched(isolated_packages: Path, tmp_path: Path,
                                                  cli: Callable[..., Run],
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  no_network: list[Any]) -> None:
    package = build_argos_package(tmp_path / "pkg", seed=5, package_version="1.7",
                                  with_spacy=False).read_bytes()
    index = [{"from_code": "fa", "to_code": "en", "package_version": version,
              "type": "translate", "links": [f"https://models.example/{version}.argosmodel"]}
             for version in ("1.2", "1.7")]
    index.append({"from_code": "en", "to_code": "fa", "package_version": "9.9",
                  "links": ["https://models.example/other"]})
    bodies = {"https://models.example/1.7.argosmodel": package}
    monkeypatch.setattr(command, "fetch", lambda url, timeout=30.0: bodies.get(
        url, json.dumps(index).encode()))
    run = cli("models", "install", "fa", "en")
    assert run.code == 0, run.err
    assert "installed translate-fa_en 1.7 (fa→en)" in run.out
    assert "translate-fa_en 1.7 (fa→en)" in cli("models", "list").out
    missing = cli("models", "install", "fa", "xx")
    one_line(missing, "the Argos package index has no package from fa to xx")


# -- every error says how to fix it ----------------------------------------------------------

def _calls_without_hint(path: Path) -> list[str]:
    """Calls that make an error without a hint, by line: Diagnostic(path, line, message)
    and Collector.error(path, line, message) with no fourth argument, argparse's
    ArgumentTypeError and parser.error with no hint in their text. (Reader.error,
    CommandError and MissingExtra cannot be called without one: mypy checks those.)"""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else \
            func.id if isinstance(func, ast.Name) else ""
        given = len(node.args) + len(node.keywords)
        owner = func.value if isinstance(func, ast.Attribute) else None
        collector = (isinstance(owner, ast.Name) and owner.id == "errors") or (
            isinstance(owner, ast.Attribute) and owner.attr == "errors")
        structured = name == "Diagnostic" or (name == "error" and collector)
        argparse_error = name == "ArgumentTypeError" or (
            name == "error" and isinstance(owner, ast.Name) and owner.id == "p")
        if (structured and given < 4) or (argparse_error and "hint" not in ast.unparse(node)):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:60]}")
    return found


@pytest.mark.parametrize("module", ["config.py", "cli.py", "translate/command.py", "serve.py",
                                    "content.py", "frontmatter.py", "sources.py", "i18n.py",
                                    "reader.py", "terms.py", "inherit.py", "load.py"])
def test_every_error_has_a_hint(module: str) -> None:
    assert _calls_without_hint(ROOT / "khabar" / module) == []


BAD_SITE_YAML = [
    "title: {fa: x}\n",
    "title: x\nbase_url: 5\nlanguages: {fa: {name: f, dir: rtl}}\n",
    "title: x\nbase_url: https://e.org/\nlanguages: [fa]\n",
    "title: x\nbase_url: https://e.org/\nlanguages: {}\n",
    "title: [x]\nbase_url: https://e.org/\nlanguages: {fa: {dir: up, translate_from: fa}}\n",
    "title: x\nbase_url: https://e.org/\nlanguages: {fa: {}}\nper_page: 0\n"
    "feeds: {content: all, items: -1}\ntimezone: Mars/Base\n",
    "title: x\nbase_url: https://e.org/\nlanguages: {fa: {}}\ntaxonomies: {tags: 3, "
    "articles: {}, people: {title: x, terms: {a: {aliases: {fa: 3}}, B: {}}}}\n",
    "- a list\n",
    "title: x\n  bad: [indent\n",
]


@pytest.mark.parametrize("text", BAD_SITE_YAML)
def test_every_site_yaml_error_line_has_a_hint(text: str, tmp_path: Path,
                                               cli: Callable[..., Run]) -> None:
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    run = cli("check", "--site", tmp_path)
    assert run.code == 1 and run.error_lines, run.err
    assert [line for line in run.error_lines if "(hint: " not in line] == []


def test_readme_and_help_agree_on_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in commands.splitlines() if line.startswith("|"))
    for name in COMMANDS:
        assert f"| `{name}" in table, name
    assert "`models install FILE.argosmodel`" in table and "`models install FROM TO`" in table
    help_text = " ".join(parser().format_help().split())
    for name in COMMANDS:
        assert f" {name} " in help_text
    with pytest.raises(SystemExit):
        main(["models", "install", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "FILE|FROM [TO]" in out and "khabar models install FILE.argosmodel" in out
    assert "khabar models install fa en" in out and "network" in out


def test_main_prints_no_traceback_on_a_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "argostranslate", None)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["models", "list"]) == 1
    assert "Traceback" not in err.getvalue() and err.getvalue().count("\n") == 1


def test_export_tmx_into_a_missing_folder_is_one_error_line(mini_site: Path, tmp_path: Path,
                                                            cli: Callable[..., Run]) -> None:
    from khabar.translate.memory import TranslationMemory
    with TranslationMemory.open(mini_site / command.MEMORY_FILE) as memory:
        memory.store_many("m", [("سلام", "Hello")])
    dest = tmp_path / "no-such-folder" / "memory.tmx"
    run = cli("translate", "--site", mini_site, "--export-tmx", dest)
    assert run.code == 1 and "Traceback" not in run.err
    assert run.err.splitlines() == [
        f"{dest}: error: No such file or directory (hint: check that the disk has room and "
        "that the folder exists and can be written)"], run.err
    run = cli("translate", "--site", mini_site, "--export-tmx", tmp_path / "memory.tmx")
    assert run.code == 0 and "wrote 1 translation units" in run.out, run.err
