"""Interface words: the theme's message catalogues and a site's own, one YAML file a language.

The theme's are in its `i18n/` folder (`templates/i18n/<lang>.yaml` in this repository);
a site overrides or adds words in `SITE/i18n/<lang>.yaml`, key by key. A language with a
region (`fa-AF`) takes its base language's words (`fa.yaml`) under its own. English is
the reference: its keys are the words the theme uses, and every language of a site must
have each one, or the build stops naming the language, the file to write and the words
missing, rather than show an English word on an Arabic page.

A word is a text, or for a count word (`stories`) a mapping of CLDR plural categories
(zero, one, two, few, many, other: as many as the language has) to texts with `{n}`
where the number goes. Texts may hold the placeholders the reference gives (`{page}`).
Catalogues are read once a build, into one `Words` a language, shared by every page.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.lists import format_list

from . import locales, yamlsrc
from .config import Language
from .errors import Collector, display_path

# Words the theme once had under another name or no longer has: a site's own template
# asking for one gets told what to write instead.
RENAMED = {
    "page": "'page_n' (\"Page {n}\")", "of": "part of 'page_of' (\"Page {page} of {pages}\")",
    "in_other_language": "'other_languages', a count word: plural('other_languages', n)",
    "read_more": "gone: write it in your site's i18n/<lang>.yaml",
    "published": "gone: write it in your site's i18n/<lang>.yaml",
    "previous_day": "gone: write it in your site's i18n/<lang>.yaml",
    "next_day": "gone: write it in your site's i18n/<lang>.yaml",
    "all_terms": "gone: write it in your site's i18n/<lang>.yaml",
    "choose_language": "gone: write it in your site's i18n/<lang>.yaml",
    "languages": "gone: write it in your site's i18n/<lang>.yaml",
}
CATALOGUES = "i18n"  # the folder, in the theme and in a site
REFERENCE = "en"  # the theme's catalogue whose keys are the words every language needs


@dataclass(frozen=True)
class Words:
    """One language's interface words, as templates use them: `t.home` for a word,
    `plural("stories", n)` for a count, numbers in the language's digits."""

    lang: str
    digits: str  # "native" or "latin": see locales.numbering_system
    plain: Mapping[str, str]
    counted: Mapping[str, Mapping[str, str]]  # key -> plural category -> text with {n}
    _done: dict[tuple[str, int], str] = field(default_factory=dict, compare=False,
                                              repr=False)

    def number(self, n: int) -> str:
        return locales.number(n, self.lang, self.digits)

    def join(self, items: Sequence[str]) -> str:
        """Items as the language lists them (CLDR: `لیبی، ترکیه و روسیه`, `Libya, Turkey,
        and Russia`)."""
        try:
            locale = locales.locale(self.lang)
        except ValueError:
            locale = locales.locale("en")
        return format_list(list(items), locale=locale) if items else ""

    def plural(self, key: str, n: int) -> str:
        """The count word `key` for `n` things, by CLDR's plural rules for the language:
        Arabic `خبر واحد`, `خبران`, `٣ أخبار`, `١١ خبرًا`, `١٠٠ خبر`."""
        done = self._done.get((key, n))
        if done is None:
            forms = self.counted[key]
            text = forms.get(locales.plural_category(n, self.lang)) or forms["other"]
            done = self._done[(key, n)] = text.format(n=self.number(n))
        return done

    def format(self, key: str, **values: object) -> str:
        """A word with its placeholders filled in: `format("page_of", page=..., pages=...)`."""
        return self.plain[key].format(**values)


@dataclass(frozen=True)
class _Kind:
    """What the reference says a word is: a count word or not, and its placeholders."""

    counted: bool
    fields: frozenset[str]


def load(site_root: Path, theme: Path, languages: Sequence[Language]) -> dict[str, Words]:
    """Every language's words, the site's over the theme's; raise KhabarError with every
    problem of every catalogue (unknown, misshapen and missing words) at once."""
    errors = Collector()
    reference_path = theme / CATALOGUES / f"{REFERENCE}.yaml"
    reference = _read(reference_path, errors)
    if reference is None:
        errors.error(display_path(reference_path), None, "the theme has no reference "
                     "catalogue", f"the theme's {CATALOGUES}/ folder needs {REFERENCE}.yaml")
        errors.raise_if_any()
    assert reference is not None
    kinds = {key: _kind(value) for key, value in reference.items()}
    codes = sorted({c for lang in languages for c in _codes(lang.code)})
    theme_files = {code: reference if code == REFERENCE else
                   _read(theme / CATALOGUES / f"{code}.yaml", errors) for code in codes}
    site_files = {code: _read(site_root / CATALOGUES / f"{code}.yaml", errors)
                  for code in codes}
    kinds.update(_own_words(site_files, languages, kinds, site_root, errors))
    out: dict[str, Words] = {}
    for lang in languages:
        locales.prepare(lang.code)
        layers = [(theme / CATALOGUES / f"{code}.yaml", theme_files[code], True)
                  for code in _codes(lang.code)]
        layers += [(site_root / CATALOGUES / f"{code}.yaml", site_files[code], False)
                   for code in _codes(lang.code)]
        merged: dict[str, str | dict[str, str]] = {}
        for path, data, of_theme in layers:
            if data is not None:
                merged.update(_entries(data, display_path(path), lang.code, kinds, errors,
                                       of_theme))
        missing = [key for key in kinds if key not in merged]
        if missing:
            target = site_root / CATALOGUES / f"{lang.code}.yaml"
            errors.error(display_path(target), None,
                         f"{_named(lang.code)} has no interface words for "
                         f"{', '.join(missing)}",
                         f"write them in {display_path(target)}, one `word: text` a line; "
                         f"{display_path(reference_path)} has them all in English")
            continue
        out[lang.code] = Words(
            lang=lang.code, digits=lang.digits,
            plain={k: v for k, v in merged.items() if isinstance(v, str)
                   and not kinds[k].counted},
            counted={k: {"other": v} if isinstance(v, str) else v
                     for k, v in merged.items() if kinds[k].counted})
    # a file shared by two languages (fa.yaml by fa and fa-AF) is checked for each
    errors.items = list(dict.fromkeys(errors.items))
    errors.raise_if_any()
    return out


def _codes(code: str) -> list[str]:
    """The catalogues a language takes words from, general first: fa-AF -> fa, fa-AF."""
    base = code.split("-", 1)[0]
    return [base, code] if base != code else [code]


def _named(code: str) -> str:
    """A language as messages name it: `ar (Arabic)`."""
    try:
        return f"{code} ({locales.locale(code).english_name})"
    except ValueError:
        return code


def _read(path: Path, errors: Collector) -> yamlsrc.LineDict | None:
    """A catalogue file as a mapping, or None when it is not there or cannot be read."""
    if not path.is_file():
        return None
    shown = display_path(path)
    try:
        data = yamlsrc.load(path.read_text(encoding="utf-8"))
    except yamlsrc.YamlSyntaxError as exc:
        errors.error(shown, exc.line, str(exc), exc.hint or "check the quotes and colons on "
                     "this line: a text with `: ` or ` #` in it needs quotes")
        return None
    except UnicodeDecodeError:
        errors.error(shown, None, "not valid UTF-8", "save the file as UTF-8")
        return None
    except OSError as exc:
        errors.error(shown, None, f"cannot be read: {exc.strerror}", "check its permissions")
        return None
    if data is None:
        return None
    if not isinstance(data, yamlsrc.LineDict):
        errors.error(shown, 1, "a catalogue must be a mapping of words",
                     "write one `word: text` a line, e.g. `home: Home`")
        return None
    for key, line in data.duplicates:
        errors.error(shown, line, f"word '{key}' is given twice", "keep one of them")
    return data


def _fields(text: str) -> frozenset[str] | None:
    """The placeholders of a text (`{n}`, `{page}`), or None when its braces are broken or
    a placeholder is more than a name (`{n:>5}`, `{n!r}`: words need neither)."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    if any(spec or conv for _lit, name, spec, conv in parsed if name is not None):
        return None
    return frozenset(name for _lit, name, _spec, _conv in parsed if name is not None)


def _kind(value: Any) -> _Kind:
    if isinstance(value, Mapping):
        found = [_fields(v) for v in value.values() if isinstance(v, str)]
        return _Kind(True, frozenset().union(*(f for f in found if f is not None)) | {"n"})
    return _Kind(False, (_fields(value) or frozenset()) if isinstance(value, str)
                 else frozenset())


def _own_words(site_files: Mapping[str, yamlsrc.LineDict | None],
               languages: Sequence[Language], kinds: Mapping[str, _Kind], site_root: Path,
               errors: Collector) -> dict[str, _Kind]:
    """Words the theme does not have that a site's own templates use: accepted when the
    site gives them in every one of its languages and they are not a misspelt theme word;
    anything else is an unknown word."""
    own: dict[str, _Kind] = {}
    where: dict[str, list[tuple[str, int, Any]]] = {}  # key -> (file, line, value)
    for code, data in site_files.items():
        for key, value in (data or {}).items():
            if key not in kinds and data is not None:
                shown = display_path(site_root / CATALOGUES / f"{code}.yaml")
                where.setdefault(key, []).append((shown, data.line_of(key), value))
    for key, places in where.items():
        lacking = [lang.code for lang in languages
                   if not any(key in (site_files[c] or ()) for c in _codes(lang.code))]
        near = difflib.get_close_matches(key, list(kinds), n=1, cutoff=0.75)
        if not lacking and not near:
            # a count word where any language gives it plural forms
            own[key] = _kind(next((v for *_, v in places if isinstance(v, Mapping)),
                                  places[0][2]))
            continue
        hint = f"did you mean '{near[0]}'?" if near else (
            "the theme has no such word; a word of the site's own templates needs a text "
            "in every language: add it to " + ", ".join(
                display_path(site_root / CATALOGUES / f"{c}.yaml") for c in lacking))
        for shown, line, _value in places:
            errors.error(shown, line, f"unknown word '{key}'", hint)
    return own


def _entries(data: yamlsrc.LineDict, shown: str, lang: str, kinds: Mapping[str, _Kind],
             errors: Collector, theme: bool) -> dict[str, str | dict[str, str]]:
    """A catalogue's well-formed words. A site's unknown words are `_own_words`' to report;
    a theme's are reported here."""
    out: dict[str, str | dict[str, str]] = {}
    for key, value in data.items():
        line = data.line_of(key)
        kind = kinds.get(key)
        if kind is None:
            if theme:
                near = difflib.get_close_matches(key, list(kinds), n=1, cutoff=0.75)
                errors.error(shown, line, f"unknown word '{key}'",
                             f"did you mean '{near[0]}'?" if near
                             else f"the reference {REFERENCE}.yaml has no such word")
            continue
        word = _word(value, kind, lang, key)
        if isinstance(word, _Problem):
            errors.error(shown, line, f"'{key}' {word.message}", word.hint)
        else:
            out[key] = word
    return out


@dataclass(frozen=True)
class _Problem:
    message: str
    hint: str


def _text(value: Any, allowed: frozenset[str], key: str) -> str | _Problem:
    if value is None:
        return _Problem("has no text", f"write `{key}: ...` with the word after the colon")
    if not isinstance(value, str):
        return _Problem("must be a text", f"put it in quotes: `{key}: \"...\"`")
    fields = _fields(value)
    if fields is None:
        return _Problem("has a { or } that is not a placeholder",
                        "a placeholder is a name in braces, like {n}; write {{ or }} for a "
                        "brace itself")
    unknown = sorted(fields - allowed)
    if unknown:
        return _Problem(f"has the placeholder {{{unknown[0]}}}, which this word does not "
                        "take", "it may hold " + (", ".join(f"{{{f}}}" for f in sorted(allowed))
                                                  if allowed else "no placeholder"))
    return value


def _word(value: Any, kind: _Kind, lang: str, key: str) -> str | dict[str, str] | _Problem:
    """A catalogue entry checked against what the reference says the word is."""
    if not kind.counted:
        if isinstance(value, Mapping):
            return _Problem("is not a count word, so it has one text, not plural forms",
                            f"write `{key}: ...` with a single text")
        return _text(value, kind.fields, key)
    if not isinstance(value, Mapping):
        return _text(value, kind.fields, key)  # one text for every count
    needed = locales.plural_categories(lang)
    name = _named(lang)
    forms: dict[str, str] = {}
    for category, text in value.items():
        if category not in needed:
            return _Problem(f"{name} has no '{category}' form by CLDR's plural rules",
                            f"give the forms {', '.join(needed)}")
        checked = _text(text, kind.fields, f"{category}")
        if isinstance(checked, _Problem):
            return checked
        forms[category] = checked
    lacking = [c for c in needed if c not in forms]
    if lacking:
        return _Problem(f"lacks the plural form{'s' if len(lacking) > 1 else ''} "
                        f"{', '.join(lacking)} that {name} uses",
                        f"give every one of {', '.join(needed)}, e.g. "
                        f"`{lacking[0]}: \"...{{n}}...\"`")
    return forms
