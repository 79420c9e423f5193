"""The command line: `khabar COMMAND` or `python build.py COMMAND`.

The README is the user's contract, and this module keeps its promises: the commands in its
Commands table, exit status 0 on success, 1 for errors in the content or site.yaml (each
printed as `PATH:LINE: error: MESSAGE (hint: ...)`, all of them in one run), 2 for wrong
usage (argparse's usage line and message), and never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import CommandError, KhabarError
from .sources import SITE_FILE
from .urls import BASE_URL_HINT, url_problem

# The commands, with the one-line help that `khabar --help` and an unknown command show.
COMMAND_HELP = {
    "build": "build the site",
    "translate": "machine-translate missing or stale articles",
    "check": "validate everything, write nothing",
    "serve": "build, serve on 127.0.0.1 and rebuild on change",
    "models": "list or install offline translation models",
    "tags": "suggest the countries and actors articles name but do not tag",
}
COMMANDS = tuple(COMMAND_HELP)
DEFAULT_PORT = 8000


def site_folder(value: str) -> Path:
    """--site: a folder holding site.yaml. Checked while parsing, so a wrong folder is a
    usage error (exit 2) before anything is read or written."""
    path = Path(value)
    shown = "the current folder" if value == "." else value
    if not path.exists():
        raise argparse.ArgumentTypeError(
            f"{value}: no such folder (hint: give the folder that holds {SITE_FILE})")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{value} is not a folder (hint: give the folder that holds {SITE_FILE}, "
            "not a file in it)")
    if not (path / SITE_FILE).is_file():
        raise argparse.ArgumentTypeError(
            f"no {SITE_FILE} in {shown} (hint: run khabar in a site folder, or pass "
            "--site DIR; the README's site.yaml section shows one)")
    return path


def out_folder(value: str) -> Path:
    """--out: a folder, or a path where one can be made. A file there, or a file where a
    parent folder should be, is a usage error, not a failure half-way through a build."""
    path = Path(value)
    hint = "(hint: choose another --out folder, e.g. SITE/_site)"
    if not value.strip():
        raise argparse.ArgumentTypeError(f"an empty path {hint}")
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} exists and is not a folder {hint}")
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(
                    f"{value} cannot be made: {parent} is a file {hint}")
            break
        if parent.is_symlink():  # a dangling link where a parent folder should be
            raise argparse.ArgumentTypeError(
                f"{value} cannot be made: {parent} is a broken symbolic link {hint}")
    return path


def base_url(value: str) -> str:
    """--base-url: an absolute http(s) URL with nothing in it that needs escaping; it ends
    up in every page, feed and robots.txt."""
    problem = url_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem} (hint: {BASE_URL_HINT})")
    return value


def port(value: str) -> int:
    """--port: 0 (any free port) to 65535."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a port number (hint: a whole number from 1 to 65535, or 0 for "
            "any free port)")
    return number


def threads(value: str) -> int:
    """--threads: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of threads (hint: a whole number of at least 1, e.g. "
            "--threads 4; leave it out to use every core)")
    return number


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="khabar", description="Static bilingual news briefings.", allow_abbrev=False,
        epilog="Without a command, khabar builds: `python build.py` is `python build.py "
        "build`.")
    p.add_argument("--version", action="version", version=f"khabar {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, *, site: bool = True) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=COMMAND_HELP[name], description=COMMAND_HELP[name],
                            allow_abbrev=False)
        if site:
            sp.add_argument("--site", type=site_folder, default=".",
                            help="the site folder, holding site.yaml (default: the current "
                            "folder)")
        return sp

    b = command("build")
    b.add_argument("--out", type=out_folder, metavar="DIR",
                   help="output folder (default: SITE/_site)")
    b.add_argument("--base-url", type=base_url, metavar="URL",
                   help="override site.yaml's base_url (an absolute http(s) URL)")
    b.add_argument("--drafts", action="store_true", help="include drafts")
    b.add_argument("--clean", action="store_true",
                   help="ignore the build cache and build everything from nothing")

    t = command("translate")
    t.add_argument("--to", dest="to_lang", metavar="LANG", help="only this target language")
    t.add_argument("--dry-run", action="store_true",
                   help="say what would be done, and how many sentences would reach the model")
    t.add_argument("--force", action="store_true",
                   help="retranslate machine translations even when current")
    t.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu",
                   help="where the models run: cpu (default), cuda (an NVIDIA GPU), or auto "
                   "(cuda when CTranslate2 finds a GPU, else cpu)")
    t.add_argument("--threads", type=threads, metavar="N",
                   help="CPU threads for the models (default: every core); with --ray, "
                   "the number of Ray workers (default: every CPU, or GPU, of the cluster)")
    t.add_argument("--ray", metavar="ADDRESS",
                   help="send the model's batches to Ray workers: `local` starts Ray on this "
                   "machine, an address (HOST:PORT) joins a running cluster; needs "
                   "pip install 'khabar[ray]'")
    t.add_argument("--report", type=Path, metavar="FILE",
                   help="write a tab-separated table of every sentence the run wrote with "
                   "the model's confidence (score, low, file, where, sentence, source), "
                   "the weakest first (a dry run writes none)")
    only = t.add_mutually_exclusive_group()
    only.add_argument("--export-tmx", type=Path, metavar="FILE",
                      help="write the translation memory as TMX 1.4 for human translators, "
                      "and do nothing else")
    only.add_argument("--accept", type=Path, nargs="+", metavar="PATH",
                      help="after checking these translations against their originals: "
                      "record each as translating the original as it is now "
                      "(source_sha256) and reviewed, and do nothing else (with --dry-run: "
                      "say so, write nothing)")
    only.add_argument("--export", nargs=2, metavar=("FORMAT", "DIR"),
                      help="`--export xliff DIR`: write each current machine translation as "
                      "XLIFF (DIR/<slug>.<lang>.xlf) for review in a translator's tool, "
                      "and do nothing else")
    t.add_argument("--xliff-version", choices=("2.0", "1.2"), default="2.0",
                   help="with --export xliff: XLIFF 2.0 (default) or 1.2, for tools that "
                   "read only 1.2 (--import reads either)")
    only.add_argument("--import", dest="import_dir", type=Path, metavar="DIR",
                      help="take the reviewed XLIFF files of DIR back: each story's "
                      "translation rebuilt from them, marked reviewed, its sentences into "
                      "the translation memory; and do nothing else")

    command("check")

    s = command("serve")
    s.add_argument("--port", type=port, default=DEFAULT_PORT, metavar="N",
                   help="the port to listen on, on 127.0.0.1 only; 0 picks a free one "
                   "(default: %(default)s)")
    s.add_argument("--drafts", action="store_true", help="include drafts")

    tg = command("tags")
    tsub = tg.add_subparsers(dest="tags_command", metavar="ACTION", required=True)
    sug = tsub.add_parser("suggest", allow_abbrev=False,
                          help="list the declared terms each article names but does not tag",
                          description="list, per original article, the countries and actors "
                          "its title, summary or body names (by a name or alias in its "
                          "language) that its front matter does not tag, with the line")
    sug.add_argument("paths", type=Path, nargs="*", metavar="PATH",
                     help="only these articles, or the articles under these folders")
    sug.add_argument("--apply", action="store_true",
                     help="add the suggested tags to each article's front matter (only "
                     "those lines change)")
    sug.add_argument("--site", type=site_folder, default=argparse.SUPPRESS,
                     help="the site folder, holding site.yaml (default: the current folder)")

    m = command("models", site=False)
    site_help = ("the site folder (default: the current folder): `models list` also shows "
                 "which model, or chain through a pivot, translates each of its languages")
    m.add_argument("--site", type=Path, default=argparse.SUPPRESS, help=site_help)
    msub = m.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    listing = msub.add_parser("list", help="show installed models", allow_abbrev=False,
                              description="show the installed translation models, the pairs "
                              "they translate through a pivot language, and which model or "
                              "chain translates each language of the site")
    inst = msub.add_parser(
        "install", allow_abbrev=False,
        help="install a .argosmodel file, or download one: install FROM TO",
        description="install a model: `khabar models install FILE.argosmodel` installs a "
        "file downloaded elsewhere (offline); `khabar models install fa en` downloads the "
        "package from the Argos index (the one command that uses the network)")
    for action in (listing, inst):
        action.add_argument("--site", type=Path, default=argparse.SUPPRESS, help=site_help)
    inst.add_argument("file", metavar="FILE|FROM",
                      help="a FILE.argosmodel to install, or the source language (e.g. fa) "
                      "of the package to download")
    inst.add_argument("to_code", metavar="TO", nargs="?",
                      help="with FROM: the target language (e.g. en); downloads the package")
    return p


def _value_options(p: argparse.ArgumentParser) -> set[str]:
    """Every option of every command that takes a value (`--out DIR`), so the word after
    it is not taken for a command."""
    found: set[str] = set()
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sp in action.choices.values():
                found |= _value_options(sp)
        elif action.option_strings and action.nargs != 0:
            found.update(action.option_strings)
    return found


def with_command(args: list[str], p: argparse.ArgumentParser) -> list[str]:
    """The arguments with the command first. No command means build (`python build.py`,
    `python build.py --out X`); a command after options moves to the front; a first word
    that is not a command is a usage error that lists the commands."""
    takes_value = _value_options(p)
    i = 0
    while i < len(args):
        word = args[i]
        if word == "--":
            break
        if word.startswith("-") and word != "-":
            i += 2 if word in takes_value else 1
            continue
        if word in COMMANDS:
            return [word, *args[:i], *args[i + 1:]]
        near = difflib.get_close_matches(word, COMMANDS, n=1)
        listing = "".join(f"\n  {name:<10} {text}" for name, text in COMMAND_HELP.items())
        p.error(f"'{word}' is not a command"
                + (f"; did you mean '{near[0]}'?" if near else ".")
                + f" The commands:{listing}\n(hint: `khabar COMMAND --help` shows a "
                "command's options; with no command, khabar builds)")
    if {"-h", "--help", "--version"} & set(args[:i]):
        return args
    return ["build", *args]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    p = parser()
    args = p.parse_args(with_command(args_list, p))
    try:
        return _run(args)
    except KhabarError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        n = len(exc.diagnostics)
        print(f"khabar: {n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
        return 1
    except CommandError as exc:
        print(f"khabar: error: {exc.message} (hint: {exc.hint})", file=sys.stderr)
        return 1
    except OSError as exc:  # the machine, not the content: a full disk, a folder not writable
        where = exc.filename if isinstance(exc.filename, str) else "khabar"
        print(f"{where}: error: {exc.strerror or exc} (hint: check that the disk has room and "
              "that the folder exists and can be written)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("khabar: interrupted", file=sys.stderr)
        return 130


def _tags(site: Path, paths: list[Path], apply: bool) -> int:
    from . import config as config_stage
    from . import content, tags
    cfg = config_stage.load(site)
    found = tags.suggest(cfg, content.load(cfg), paths or None)
    for s in found:
        m = s.mention
        print(f"{s.path}:{m.line}: {m.taxonomy}: {m.term} (\"{m.text}\")")
    if apply and found:
        changed = tags.apply(found)
        print(f"tagged {_count(len(found), 'term', 'terms')} in "
              f"{_count(len(changed), 'article', 'articles')}")
    elif not found:
        print("no untagged mentions")
    return 0


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _run(args: argparse.Namespace) -> int:
    site: Path = getattr(args, "site", Path("."))
    if args.command == "build":
        from .build import build
        result = build(site, args.out, base_url=args.base_url, drafts=args.drafts,
                       clean=args.clean)
        for warning in result.warnings:
            print(warning.format(), file=sys.stderr)
        if result.skipped:
            print(f"no changes since the last build: {result.out} is up to date")
        else:
            print(f"built {_count(result.pages, 'page', 'pages')}, "
                  f"{_count(result.files, 'file', 'files')} from "
                  f"{_count(result.stories, 'story', 'stories')} into {result.out} "
                  f"({result.rendered} rendered, {result.written} written)")
        return 0
    if args.command == "check":
        from .build import check
        result = check(site)
        for warning in result.warnings:
            print(warning.format(), file=sys.stderr)
        warned = f", {_count(len(result.warnings), 'warning', 'warnings')}" \
            if result.warnings else ""
        print(f"ok: {_count(result.stories, 'story', 'stories')}, "
              f"{_count(result.pages, 'page', 'pages')}{warned}")
        return 0
    if args.command == "translate":
        from .translate.command import export_tmx, translate_site
        if args.accept is not None:
            from .translate.accept import accept
            return accept(site, args.accept, sys.stdout, dry_run=args.dry_run)
        if args.export_tmx is not None:
            return export_tmx(site, args.export_tmx)
        if args.export is not None:
            from .translate.xliff import export_xliff
            if args.export[0] != "xliff":
                raise CommandError(f"--export {args.export[0]}: the one format is xliff",
                                   "khabar translate --export xliff DIR")
            return export_xliff(site, Path(args.export[1]), version=args.xliff_version)
        if args.import_dir is not None:
            from .translate.xliff import import_xliff
            return import_xliff(site, args.import_dir)
        if args.ray is None:
            return translate_site(site, to_lang=args.to_lang, dry_run=args.dry_run,
                                  force=args.force, device=args.device, threads=args.threads,
                                  report=args.report)
        from .translate import ray_run
        # the models run on the Ray workers (`--device` and `--threads` are theirs); the
        # driver plans, and writes the memory and the files
        with ray_run.session(args.ray, workers=args.threads, device=args.device):
            return translate_site(site, to_lang=args.to_lang, dry_run=args.dry_run,
                                  force=args.force, report=args.report)
    if args.command == "models":
        from .translate.command import models_command
        return models_command(args.models_command, getattr(args, "file", None),
                              getattr(args, "to_code", None), site=getattr(args, "site", None))
    if args.command == "tags":
        return _tags(site, args.paths, args.apply)
    if args.command == "serve":
        from .serve import serve
        return serve(site, port=args.port, drafts=args.drafts)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
