"""`khabar tags suggest`: the countries and actors an article names but does not tag, and,
with `--apply`, the tags added to its front matter by an edit of those lines alone (its
other lines, comments and layout stay as they are), written atomically.

Only originals are looked at: a translation takes its tags from its original.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import yamlsrc
from .config import SiteConfig
from .content import Article
from .errors import Diagnostic, KhabarError, display_path
from .frontmatter import split_front_matter
from .mentions import Finder, Mention, in_article


@dataclass(frozen=True)
class Suggestion:
    path: str  # as messages show it
    file: Path
    mention: Mention


def suggest(config: SiteConfig, articles: Iterable[Article],
            only: Sequence[Path] | None = None) -> list[Suggestion]:
    """For each original article (or those under `only`), the first mention of each
    declared term its front matter does not tag."""
    finders: dict[str, Finder] = {}
    wanted = [p.resolve() for p in only] if only else None
    out: list[Suggestion] = []
    for a in sorted(articles, key=lambda a: a.path):
        if a.translation is not None:
            continue
        file = Path(a.filename)
        if wanted is not None and not any(file.resolve() == w or w in file.resolve().parents
                                          for w in wanted):
            continue
        finder = finders.get(a.lang)
        if finder is None:
            finder = finders[a.lang] = Finder(config, a.lang)
        seen: set[tuple[str, str]] = set()
        for m in in_article(finder, file.read_text(encoding="utf-8")):
            key = (m.taxonomy, m.term)
            if m.term in a.terms.get(m.taxonomy, ()) or key in seen:
                continue
            seen.add(key)
            out.append(Suggestion(a.path, file, m))
    return out


def notes(config: SiteConfig, articles: Sequence[Article]) -> list[Diagnostic]:
    """`check`'s warnings: each untagged mention (on its line), each declared term no
    article tags (in site.yaml)."""
    out = [Diagnostic(s.path, s.mention.line, f"names {s.mention.taxonomy}: {s.mention.term} "
                      f"(\"{s.mention.text}\") but does not tag it",
                      f"add {s.mention.term} to {s.mention.taxonomy}: in its front matter, or "
                      "run `khabar tags suggest --apply`", "warning")
           for s in suggest(config, articles)]
    shown = display_path(config.root / "site.yaml")
    out += [Diagnostic(shown, None, f"taxonomies.{tax}.terms.{slug}: no article tags it",
                       "tag an article with it, or remove it from site.yaml", "warning")
            for tax, slug in unused_terms(config, articles)]
    return out


def unused_terms(config: SiteConfig, articles: Iterable[Article]) -> list[tuple[str, str]]:
    """(taxonomy, term) declared in site.yaml that no article tags."""
    used = {(key, slug) for a in articles for key, slugs in a.terms.items() for slug in slugs}
    return [(tax.key, slug) for tax in config.taxonomies for slug in tax.terms
            if (tax.key, slug) not in used]


def apply(suggestions: Sequence[Suggestion]) -> list[Path]:
    """Add the suggested tags to their files' front matter; the files changed. Each file
    is checked after the edit (its tags must read back as before plus the new ones) and
    replaced in one rename, or left alone with an error naming it."""
    by_file: dict[Path, list[Suggestion]] = {}
    for s in suggestions:
        by_file.setdefault(s.file, []).append(s)
    changed: list[Path] = []
    problems: list[Diagnostic] = []
    for file, items in by_file.items():
        raw = file.read_text(encoding="utf-8")
        adding: dict[str, list[str]] = {}
        for s in items:
            adding.setdefault(s.mention.taxonomy, []).append(s.mention.term)
        try:
            new = add_tags(raw, adding)
        except ValueError as exc:
            problems.append(Diagnostic(display_path(file), None, str(exc),
                                       "add the tags by hand"))
            continue
        _write_atomic(file, new)
        changed.append(file)
    if problems:
        raise KhabarError(problems)
    return changed


def add_tags(raw: str, adding: dict[str, list[str]]) -> str:
    """`raw` with `adding` (taxonomy -> term slugs) appended to its front matter's lists:
    a flow list `[a, b]` gets `, c` before its `]`, a block list a `- c` line after its last
    item, a missing key a `key: [c]` line before the closing `---`. ValueError when the
    result would not read back as exactly the old tags plus the new ones."""
    parts = split_front_matter(raw)
    if parts is None:
        raise ValueError("no front matter")
    front = parts[0]
    before = yamlsrc.plain(yamlsrc.load(front)) or {}
    lines = raw.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    for key, slugs in adding.items():
        at = next((i for i in range(1, end) if re.match(rf"{re.escape(key)}\s*:", lines[i])),
                  None)
        if at is None:
            lines.insert(end, f"{key}: [{', '.join(slugs)}]")
            end += 1
            continue
        value = lines[at].split(":", 1)[1]
        flow = re.match(r"^(\s*\[.*?)(\s*)\](\s*(?:#.*)?)$", value)
        if flow:
            inner = flow.group(1)
            sep = "" if inner.strip() == "[" else ", "
            lines[at] = f"{lines[at].split(':', 1)[0]}:{inner}{sep}{', '.join(slugs)}" \
                        f"{flow.group(2)}]{flow.group(3)}"
            continue
        if value.split("#", 1)[0].strip():
            raise ValueError(f"'{key}:' is neither a [list] nor a block of '- ' items")
        last = at
        indent = "  "
        for i in range(at + 1, end):
            item = re.match(r"^(\s*)- ", lines[i])
            if item:
                last, indent = i, item.group(1)
            elif lines[i].strip() and not lines[i].lstrip().startswith("#"):
                break
        for offset, slug in enumerate(slugs, 1):
            lines.insert(last + offset, f"{indent}- {slug}")
        end += len(slugs)
    new = "\n".join(lines)
    parsed = split_front_matter(new)
    after = yamlsrc.plain(yamlsrc.load(parsed[0])) if parsed else None
    expected = dict(before)
    for key, slugs in adding.items():
        expected[key] = [*(before.get(key) or []), *slugs]
    if after != expected:
        raise ValueError("the front matter would not read back as expected after the edit")
    return new


def _write_atomic(path: Path, data: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tags", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
