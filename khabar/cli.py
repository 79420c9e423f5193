"""The command line: `khabar COMMAND` or `python build.py COMMAND` (see CONTRACT.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import KhabarError

COMMANDS = ("build", "translate", "check", "serve", "models")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="khabar", description="Static bilingual news briefings.")
    p.add_argument("--version", action="version", version=f"khabar {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text, description=help_text)
        sp.add_argument("--site", type=Path, default=Path("."),
                        help="the site folder (default: the current folder)")
        return sp

    b = command("build", "build the site")
    b.add_argument("--out", type=Path, help="output folder (default: SITE/_site)")
    b.add_argument("--base-url", help="override site.yaml's base_url")
    b.add_argument("--drafts", action="store_true", help="include drafts")
    b.add_argument("--clean", action="store_true",
                   help="ignore the build cache and build everything from nothing")

    t = command("translate", "machine-translate missing or stale articles")
    t.add_argument("--to", dest="to_lang", help="only this target language")
    t.add_argument("--dry-run", action="store_true", help="say what would be done")
    t.add_argument("--force", action="store_true",
                   help="retranslate machine translations even when current")
    t.add_argument("--export-tmx", type=Path, metavar="FILE",
                   help="write the translation memory as TMX 1.4 for human translators, "
                   "and do nothing else")

    command("check", "validate everything, write nothing")

    s = command("serve", "build, serve on 127.0.0.1 and rebuild on change")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--drafts", action="store_true", help="include drafts")

    m = command("models", "list or install offline translation models")
    msub = m.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    for action in (msub.add_parser("list", help="show installed models"),
                   inst := msub.add_parser("install", help="install a .argosmodel file")):
        action.add_argument("--site", type=Path, default=argparse.SUPPRESS,
                            help="accepted like every command's; models are not per site")
    inst.add_argument("file", help="path to FILE.argosmodel (or: FROM TO to download)")
    inst.add_argument("to_code", nargs="?", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not any(a in COMMANDS for a in args_list) and not {"-h", "--help", "--version"} & set(
            args_list):
        args_list.insert(0, "build")
    args = parser().parse_args(args_list)
    try:
        return _run(args)
    except KhabarError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        n = len(exc.diagnostics)
        print(f"khabar: {n} error{'s' if n != 1 else ''}; nothing was written", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("khabar: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    site: Path = args.site
    if args.command == "build":
        from .build import build
        result = build(site, args.out, base_url=args.base_url, drafts=args.drafts,
                       clean=args.clean)
        if result.skipped:
            print(f"no changes since the last build: {result.out} is up to date")
        else:
            stories = f"{result.stories} {'story' if result.stories == 1 else 'stories'}"
            print(f"built {result.pages} pages, {result.files} files from {stories} into "
                  f"{result.out} ({result.rendered} rendered, {result.written} written)")
        return 0
    if args.command == "check":
        from .build import check
        result = check(site)
        print(f"ok: {result.stories} stories, {result.pages} pages")
        return 0
    if args.command == "translate":
        from .translate.command import export_tmx, translate_site
        if args.export_tmx is not None:
            return export_tmx(site, args.export_tmx)
        return translate_site(site, to_lang=args.to_lang, dry_run=args.dry_run,
                              force=args.force)
    if args.command == "models":
        from .translate.command import models_command
        return models_command(args.models_command, getattr(args, "file", None),
                              getattr(args, "to_code", None))
    if args.command == "serve":
        from .serve import serve
        return serve(site, port=args.port, drafts=args.drafts)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
