"""Front matter: splitting it from the body, cleaning what YAML would refuse, and reading
each field as its type, every problem an error on its line with a hint.

content.py reads whole articles with it; `translate` reads front matter with it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import dates, text, yamlsrc
from .config import SiteConfig
from .errors import Collector
from .options import FRONT_MATTER, choices, default, keys_under
from .sources import local_image_problem

STATUSES = choices(FRONT_MATTER, "translation.status")
TRANSLATION_KEYS = keys_under(FRONT_MATTER, "translation")
_SOURCE_KEYS = keys_under(FRONT_MATTER, "source")
_IMAGE_KEYS = keys_under(FRONT_MATTER, "image")
IMAGE_HINT = ("write e.g. image: {src: images/benghazi.jpg, alt: what the picture shows}, "
              "with the file in the site's images/ folder, or an https:// address")
# C0 controls but tab, LF and CR; DEL; C1 controls (NEL too, which YAML takes for a line
# break): YAML refuses a file holding any of them, and nobody means one in a title.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SHA256_HINT = ("64 hex digits: the SHA-256 of the original file as UTF-8 text with LF line "
               "endings and no byte-order mark (`sha256sum FILE` for such a file); "
               "`khabar translate` writes it")


@dataclass(frozen=True)
class Source:
    name: str
    url: str | None


@dataclass(frozen=True)
class ImageRef:
    """A picture as an article names it; the file is inspected later (see images.py)."""

    src: str  # "images/…" (under the site folder) or an http(s) URL
    alt: str
    caption: str
    credit: str
    line: int  # of the `image` field, for problems found once the file is read

    @property
    def remote(self) -> bool:
        return self.src.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Translation:
    """Where a translated file came from; `status: reviewed` files are never overwritten."""

    from_lang: str
    source_sha256: str
    engine: str
    model: str
    status: str  # "machine" | "reviewed"
    output_sha256: str | None = None
    # what `khabar translate` listed as the model's least sure sentences: (where, words)
    low_confidence: tuple[tuple[str, str], ...] = ()

    @property
    def software(self) -> tuple[str, str]:
        """(engine, model) as pages and feeds name them: a person's translation
        (`engine: human`) names neither, a model of "none" is not named."""
        if self.engine in ("", "human"):
            return "", ""
        return self.engine, "" if self.model in ("", "none") else self.model


def split_front_matter(raw: str) -> tuple[str, str, int] | None:
    """(front matter, body, body's first line) or None when the file has no front matter.

    Lines end at LF only (a CR before it stays in the text), as editors count them: not
    str.splitlines, which also breaks at form feeds, NEL and U+2028 and would misnumber
    every line after one."""
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    if "\r" in raw and "\n" not in raw:
        raw = raw.replace("\r", "\n")  # classic Mac line endings, which YAML reads too
    lines = raw.split("\n")
    if lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            front = "".join(line + "\n" for line in lines[1:i])
            return front, "\n".join(lines[i + 1:]), i + 2
    return None


def remove_controls(front: str) -> tuple[str, dict[int, str]]:
    """The front matter without control characters YAML refuses (C0 but tab, LF and CR;
    DEL; C1), and the ones removed per 1-based line of it. Pasted from other programs into
    a title, they would make the whole file unreadable; they are never meant."""
    if not _CONTROLS.search(front):
        return front, {}
    removed: dict[int, str] = {}
    lines = front.split("\n")
    for i, line in enumerate(lines):
        found = _CONTROLS.findall(line)
        if found:
            removed[i + 1] = "".join(found)
            lines[i] = _CONTROLS.sub("", line)
    return "\n".join(lines), removed


class Fields:
    """Typed front-matter access; lines are file lines (front matter starts on line 2)."""

    def __init__(self, fm: yamlsrc.LineDict, shown: str, errors: Collector) -> None:
        self.fm, self.shown, self.errors = fm, shown, errors
        self.failed = False

    def line(self, key: str) -> int:
        return self.fm.line_of(key) + 1

    def err(self, key: str, message: str, hint: str, line: int | None = None) -> None:
        """An error on `key`'s line (or `line` of the front matter); every one says how
        to fix it."""
        self.failed = True
        self.errors.error(self.shown, line + 1 if line else self.line(key), message, hint)

    def string(self, key: str, required: bool = False) -> str:
        if key not in self.fm or self.fm[key] is None:
            if required:
                self.failed = True
                self.errors.error(self.shown, 2, f"missing required field '{key}'",
                                  f"add a line '{key}: ...' to the front matter")
            return ""
        value = self.fm[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.err(key, f"field '{key}' must be text", "quote it if it looks like a list "
                     "or a mapping")
            return ""
        cleaned = text.clean_line(value)
        if required and not cleaned:
            self.err(key, f"field '{key}' is empty", f"write the {key} after '{key}:'")
        return cleaned

    def boolean(self, key: str) -> bool:
        value = self.fm.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.err(key, f"field '{key}' must be true or false",
                     f"write '{key}: true' or '{key}: false'")
            return False
        return value

    def date(self, key: str, tz: Any, required: bool = False) -> datetime | None:
        if key not in self.fm or self.fm[key] is None:
            if required:
                self.failed = True
                self.errors.error(self.shown, 2, f"missing required field '{key}'",
                                  "add e.g. 'date: 2024-11-23' (or Solar Hijri 1403-09-03)")
            return None
        try:
            return dates.parse(self.fm[key], tz)
        except dates.DateError as exc:
            self.err(key, f"field '{key}': {exc}", "write YYYY-MM-DD, YYYY-MM-DDTHH:MM[+HH:MM], "
                     "or a Solar Hijri date such as 1403-09-03")
            return None

    def source(self) -> Source | None:
        if "source" not in self.fm or self.fm["source"] is None:
            return None
        value = self.fm["source"]
        if isinstance(value, str):
            value = {"url": value} if re.match(r"^\w+:", value) else {"name": value}
        if not isinstance(value, dict):
            self.err("source", "field 'source' must be {name: ..., url: ...}",
                     "e.g. source: {name: Negah-e No, url: https://example.org/a}")
            return None
        unknown = set(value) - _SOURCE_KEYS
        if unknown:
            self.err("source", f"source: unknown key(s) {', '.join(sorted(unknown))}",
                     "a source has only name and url")
        url = value.get("url")
        name = value.get("name")
        if url is not None:
            url = str(url).strip()
            if not re.match(r"^https?://[^\s/]+[^\s]*$", url, re.IGNORECASE):
                self.err("source", f"source.url '{url}' is not an http(s) URL",
                         "only http:// and https:// links are allowed")
                url = None
            else:  # what a URL may not hold as it is (", <, >, Persian letters): %-escaped
                url = quote(url, safe="%/:=&?~#+!$,;'@()*[]")
        if name is not None and not isinstance(name, str):
            self.err("source", "source.name must be text",
                     "quote it if it looks like a number, a list or a mapping")
            name = None
        if not name and not url:
            return None
        return Source(name=text.clean_line(name or "") or _host(url or ""), url=url)

    def image(self, root: Path) -> ImageRef | None:
        """`image: {src, alt, caption, credit}`: a file under images/ or an http(s) URL,
        and words for readers who cannot see it (alt is required)."""
        if "image" not in self.fm or self.fm["image"] is None:
            return None
        value = self.fm["image"]
        if not isinstance(value, yamlsrc.LineDict):
            self.err("image", "field 'image' must be {src: ..., alt: ...}", IMAGE_HINT)
            return None
        line = self.fm.line_of("image")

        def at(key: str) -> int:
            return value.line_of(key) if key in value else line

        ok = True
        unknown = set(value) - _IMAGE_KEYS
        if unknown:
            self.err("image", f"image: unknown key(s) {', '.join(sorted(map(str, unknown)))}",
                     "an image has src, alt, caption and credit", line=line)
            ok = False
        texts: dict[str, str] = {}
        for key in ("src", "alt", "caption", "credit"):
            raw = value.get(key)
            if raw is not None and not isinstance(raw, (str, int, float)):
                self.err("image", f"image.{key} must be text", "quote it", line=at(key))
                ok = False
                raw = None
            texts[key] = text.clean_line(str(raw)) if raw is not None else ""
        src = texts["src"]
        if not src:
            self.err("image", "image.src is missing", IMAGE_HINT, line=at("src"))
            ok = False
        elif re.match(r"^\w+:", src):
            if not re.match(r"^https?://[^\s/]+[^\s]*$", src, re.IGNORECASE):
                self.err("image", f"image.src '{src}' is not an http(s) URL",
                         "only http:// and https:// addresses, or a file under images/",
                         line=at("src"))
                ok = False
            src = quote(src, safe="%/:=&?~#+!$,;'@()*[]")
        else:
            problem = local_image_problem(src, root)
            if problem:
                self.err("image", f"image.src: {problem}", IMAGE_HINT, line=at("src"))
                ok = False
        if not texts["alt"]:
            self.err("image", "image.alt is missing: say what the picture shows",
                     "write e.g. alt: Map of Libya with Benghazi marked (readers who cannot "
                     "see the picture, and search engines, get this text)", line=at("alt"))
            ok = False
        if not ok:
            return None
        return ImageRef(src=src, alt=texts["alt"], caption=texts["caption"],
                        credit=texts["credit"], line=line + 1)

    def terms(self, key: str, config: SiteConfig) -> tuple[str, ...]:
        if key not in self.fm or self.fm[key] is None:
            return ()
        value = self.fm[key]
        if isinstance(value, str):
            value = yamlsrc.LineList([value])
            value.line, value.item_lines = self.fm.line_of(key), [self.fm.line_of(key)]
        if not isinstance(value, list):
            self.err(key, f"field '{key}' must be a list of term slugs", f"e.g. {key}: [a, b]")
            return ()
        taxonomy = config.taxonomy(key)
        out: list[str] = []
        for i, ref in enumerate(value):
            line = value.line_of(i) + 1 if isinstance(value, yamlsrc.LineList) else self.line(key)
            term = taxonomy.resolve(str(ref)) if isinstance(ref, (str, int)) else None
            if term is None:
                near = taxonomy.nearest(str(ref))
                hint = (f"did you mean {', '.join(repr(n) for n in near)}?" if near else
                        f"declare it under taxonomies.{key}.terms in site.yaml")
                self.failed = True
                self.errors.error(self.shown, line, f"unknown term '{ref}' in '{key}'", hint)
            elif term.slug not in out:
                out.append(term.slug)
        return tuple(out)

    def translation(self, config: SiteConfig, lang: str) -> Translation | None:
        value = self.fm.get("translation")
        if value is None:
            return None
        if not isinstance(value, yamlsrc.LineDict):
            self.err("translation", "field 'translation' must be a mapping",
                     "with from, source_sha256, engine, model and status")
            return None
        for key in value:
            if key not in TRANSLATION_KEYS:
                self.err("translation", f"translation: unknown key '{key}'",
                         f"allowed: {', '.join(sorted(TRANSLATION_KEYS))}",
                         line=value.line_of(key))
        origin = str(value.get("from", ""))
        if origin not in config.codes or origin == lang:
            self.err("translation", f"translation.from '{origin}' is not another language "
                     "of the site", f"one of {', '.join(c for c in config.codes if c != lang)}",
                     line=value.line_of("from"))
        status = str(value.get("status", default(FRONT_MATTER, "translation.status")))
        if status not in STATUSES:
            self.err("translation", f"translation.status '{status}' is not machine or reviewed",
                     "write status: reviewed once a person has checked it",
                     line=value.line_of("status"))
        digest = str(value.get("source_sha256", "") or "")
        if digest and not re.match(r"^[0-9a-f]{64}$", digest):
            self.err("translation", "translation.source_sha256 is not a SHA-256 hex digest",
                     SHA256_HINT, line=value.line_of("source_sha256"))
        out_digest = value.get("output_sha256")
        listed = value.get("low_confidence") or []
        low = tuple((str(e.get("where", "body")), text.clean_line(str(e.get("text", ""))))
                    for e in listed if isinstance(e, dict)) if isinstance(listed, list) else ()
        return Translation(from_lang=origin, source_sha256=digest,
                           engine=text.clean_line(str(value.get("engine", "") or "")),
                           model=text.clean_line(str(value.get("model", "") or "")),
                           status=status, output_sha256=str(out_digest) if out_digest else None,
                           low_confidence=low)


def _host(url: str) -> str:
    m = re.match(r"^https?://([^/:]+)", url)
    return str(m.group(1)) if m else url
