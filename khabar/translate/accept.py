"""`khabar translate --accept PATH...`: a person checked a translation against the current
original; record it.

In each file it sets `translation.source_sha256` to the hash of the original as it is now
and `translation.status` to `reviewed`, and changes nothing else: every other byte of the
file (comments, quoting, key order, line endings, a byte-order mark) stays as it was; a key
that is missing is added on a line of its own (or, in a `{...}` block, at its end). Every
file is checked first: with a problem in any of them, none is written. Each is written
atomically.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import yaml

from .. import config as config_stage
from .. import yamlsrc
from ..config import SiteConfig
from ..content import canonical_text, discover, text_sha256
from ..errors import Diagnostic, KhabarError, display_path
from . import workspace

_FILENAME = re.compile(r"^(?P<slug>.+)\.(?P<lang>[^.]+)\.md$")
NOT_A_TRANSLATION_HINT = ("--accept marks a translation (a file with a `translation:` block) "
                          "as checked against its original; a file a person wrote needs no "
                          "mark: translate never overwrites it")


@dataclass(frozen=True)
class _Edit:
    path: Path
    shown: str
    data: bytes | None  # None: already current and reviewed
    digest: str


def accept(site: Path, paths: Sequence[Path], out: TextIO, *, dry_run: bool = False) -> int:
    """Mark each translation in `paths` current and reviewed; KhabarError (nothing
    written) when any of them is not a translation of this site or has no original. A dry
    run says what it would do."""
    from .command import _write_atomic

    config = config_stage.load(site)
    originals: dict[str, list[str]] = {}
    for name in discover(config)[0]:
        originals.setdefault(os.path.basename(name), []).append(name)
    problems: list[Diagnostic] = []
    edits: list[_Edit] = []
    for path in paths:
        edit = _plan(path, config, originals, problems)
        if edit is not None:
            edits.append(edit)
    if problems:
        raise KhabarError(problems)
    if dry_run:
        for edit in edits:
            print(f"{edit.shown}: " + ("already current and reviewed" if edit.data is None
                                       else "would be marked reviewed, translating the "
                                       f"original as it is now (source_sha256 "
                                       f"{edit.digest[:12]}…)"), file=out)
        return 0
    with workspace.lock(config.content_dir):
        for edit in edits:
            if edit.data is None:
                print(f"{edit.shown}: already current and reviewed", file=out)
                continue
            _write_atomic(edit.path, edit.data)
            print(f"{edit.shown}: reviewed, translates the original as it is now "
                  f"(source_sha256 {edit.digest[:12]}…)", file=out)
    return 0


def _plan(path: Path, config: SiteConfig, originals: dict[str, list[str]],
          problems: list[Diagnostic]) -> _Edit | None:
    shown = display_path(path)

    def problem(line: int | None, message: str, hint: str) -> None:
        problems.append(Diagnostic(shown, line, message, hint))

    m = _FILENAME.match(path.name)
    if not path.is_file():
        problem(None, "no such file", "give the path of a translation, e.g. "
                "content/2024/11/haftar-turkey.en.md")
        return None
    content_dir = config.content_dir.resolve()
    if not path.resolve().is_relative_to(content_dir):
        problem(None, f"not in the site's content folder ({display_path(content_dir)})",
                "give a translation of this site, or pass --site for the site it belongs to")
        return None
    if not m or m["lang"] not in config.codes:
        problem(None, "not a translation: the file name is not <slug>.<lang>.md with a "
                "language of the site", NOT_A_TRANSLATION_HINT)
        return None
    raw_bytes = path.read_bytes()
    try:
        raw = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem(raw_bytes[: exc.start].count(b"\n") + 1, "not valid UTF-8",
                "save the file as UTF-8")
        return None
    span = _front_span(raw)
    if span is None:
        problem(1, "not a translation: no front matter", NOT_A_TRANSLATION_HINT)
        return None
    start, end = span
    front = raw[start:end]
    try:
        root = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem(mark.line + 2 if mark is not None else 1,
                f"front matter: {str(exc).splitlines()[0]}",
                "fix the front matter first; `khabar check` shows every problem")
        return None
    block = _value(root, "translation")
    if block is None:
        problem(1, "not a translation: no `translation:` block", NOT_A_TRANSLATION_HINT)
        return None
    if not isinstance(block, yaml.MappingNode):
        problem(block.start_mark.line + 2, "`translation` is not a mapping",
                "write from, source_sha256, engine, model and status under it")
        return None
    origin_node = _value(block, "from")
    origin = str(origin_node.value) if isinstance(origin_node, yaml.ScalarNode) else ""
    line = (origin_node or block).start_mark.line + 2
    if origin not in config.codes or origin == m["lang"]:
        problem(line, f"translation.from '{origin}' is not another language of the site",
                f"one of {', '.join(c for c in config.codes if c != m['lang'])}")
        return None
    wanted = f"{m['slug']}.{origin}.md"
    found = originals.get(wanted)
    if not found:
        problem(line, f"its original {wanted} is missing, so there is nothing to check it "
                "against", f"add the original under {display_path(config.content_dir)}, or "
                "correct `from:`")
        return None
    try:
        digest = text_sha256(Path(found[0]).read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        problem(line, f"its original {display_path(Path(found[0]))} is not valid UTF-8",
                "save the original as UTF-8")
        return None
    new = _edited(front, block, {"source_sha256": digest, "status": "reviewed"})
    if new == front:
        return _Edit(path, shown, None, digest)
    if not _says(front, new, digest):  # a guard: never expected
        problem(line, "could not set source_sha256 and status without changing other "
                "lines", "set them by hand: source_sha256 " + digest + ", status: reviewed")
        return None
    return _Edit(path, shown, (raw[:start] + new + raw[end:]).encode("utf-8"), digest)


def _front_span(raw: str) -> tuple[int, int] | None:
    """Where the front matter's text lies in the file: after the first `---` line, up to
    the closing one (the lines `split_front_matter` reads, byte for byte)."""
    offset = 1 if raw.startswith("\ufeff") else 0
    first = raw.find("\n", offset)
    if first < 0 or raw[offset:first].rstrip() != "---":
        return None
    pos = first + 1
    while pos <= len(raw):
        nl = raw.find("\n", pos)
        line = raw[pos:] if nl < 0 else raw[pos:nl]
        if line.rstrip() in ("---", "..."):
            return first + 1, pos
        if nl < 0:
            return None
        pos = nl + 1
    return None


def _value(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _edited(front: str, block: yaml.MappingNode, values: dict[str, str]) -> str:
    """`front` with each key of the translation block set to its value: the value's own
    characters replaced, or the key added after the block's last one."""
    edits: list[tuple[int, int, str]] = []
    missing: list[str] = []
    for key, value in values.items():
        node = _value(block, key)
        if node is None:
            missing.append(key)
            continue
        if isinstance(node, yaml.ScalarNode) and node.value == value:
            continue
        a, b = node.start_mark.index, node.end_mark.index
        lead = " " if a == b and front[a - 1 : a] == ":" else ""
        edits.append((a, b, lead + value))
    if missing:
        newline = "\r\n" if "\r\n" in front else "\n"
        if block.flow_style:
            close = block.end_mark.index - 1  # the `}`
            sep = ", " if block.value else ""
            edits.append((close, close, sep + ", ".join(f"{k}: {values[k]}" for k in missing)))
        else:
            indent = " " * block.value[0][0].start_mark.column
            last = block.value[-1][1].end_mark.index  # the end of the last value
            if last and front[last - 1] == "\n":  # a block scalar takes its line end
                at = last
            else:
                eol = front.find("\n", last)
                at = len(front) if eol < 0 else eol + 1
            lines = "".join(f"{indent}{k}: {values[k]}{newline}" for k in missing)
            if at == len(front) and not front.endswith("\n"):
                lines = newline + lines
            edits.append((at, at, lines))
    for a, b, value in sorted(edits, reverse=True):
        front = front[:a] + value + front[b:]
    return front


def _says(before: str, after: str, digest: str) -> bool:
    """Whether the edited front matter says what it should, and all else as before."""
    try:
        old = yamlsrc.plain(yamlsrc.load(canonical_text(before)))
        new = yamlsrc.plain(yamlsrc.load(canonical_text(after)))
    except yamlsrc.YamlSyntaxError:
        return False
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    block = new.get("translation")
    if not isinstance(block, dict) or block.get("source_sha256") != digest \
            or block.get("status") != "reviewed":
        return False
    for data in (old, new):
        tr = data.get("translation")
        data["translation"] = {k: v for k, v in (tr or {}).items()
                               if k not in ("source_sha256", "status")}
    return bool(old == new)
