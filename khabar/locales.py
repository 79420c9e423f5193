"""Locales: a site's language codes as CLDR locales (through Babel), numbers and plurals.

Everything here is a pure function of its arguments, memoised: a page asks for the same
few numbers and forms thousands of times in a build. Nothing reads the process-wide locale.
"""

from __future__ import annotations

from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import format_decimal

from .options import SITE, choices

# The digit zero of each decimal numbering system CLDR names (the other nine follow it in
# Unicode). Babel formats numbers with Latin digits in every numbering system, giving only
# the separators: the digits are put in here.
_ZEROS = {
    "latn": "0", "arab": "\u0660", "arabext": "\u06f0", "deva": "\u0966", "beng": "\u09e6",
    "guru": "\u0a66", "gujr": "\u0ae6", "orya": "\u0b66", "tamldec": "\u0be6",
    "telu": "\u0c66", "knda": "\u0ce6", "mlym": "\u0d66", "thai": "\u0e50", "laoo": "\u0ed0",
    "tibt": "\u0f20", "mymr": "\u1040", "khmr": "\u17e0", "mong": "\u1810",
}
DIGITS = choices(SITE, "languages.CODE.digits")
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


@lru_cache(maxsize=64)
def locale(code: str) -> Locale:
    """The CLDR locale of a site's language code (`fa`, `en-GB`, `fa-AF`), or of its alias
    (`prs`, Dari, is CLDR's `fa_AF`). Raises ValueError for a code CLDR does not know."""
    try:
        return Locale.parse(code, sep="-")
    except (UnknownLocaleError, ValueError):
        pass
    language, _, rest = code.partition("-")
    alias = get_global("language_aliases").get(language)
    if isinstance(alias, str):
        try:
            found = Locale.parse(alias)
            if rest:
                return Locale.parse(f"{found.language}-{rest}", sep="-")
            return found
        except (UnknownLocaleError, ValueError):
            pass
    raise ValueError(f"CLDR has no locale '{code}'")


@lru_cache(maxsize=64)
def script(code: str) -> str:
    """The ISO 15924 script a language is written in (`Arab` for fa, prs and ar, `Latn`
    for en and fr), from CLDR's likely subtags: the theme picks its fonts by it."""
    try:
        found = locale(code)
    except ValueError:
        return "Latn"
    if found.script:
        return str(found.script)
    likely = get_global("likely_subtags")
    for key in (f"{found.language}_{found.territory}", found.language):
        full = likely.get(key)
        if isinstance(full, str) and full.count("_") >= 1:
            return full.split("_")[1]
    return "Latn"


def prepare(code: str) -> None:
    """Read the language's CLDR data now: Babel loads it on first use, and a build that
    forks its workers after loading the site would otherwise read it once in each."""
    _ = locale(code).plural_form


def known(code: str) -> bool:
    try:
        locale(code)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=64)
def numbering_system(code: str, digits: str = "native") -> str:
    """The CLDR numbering system a language's numbers are written in: its native one
    (`arabext`, Persian digits, for fa; `arab`, Arabic-Indic, for ar; `latn` for en and fr)
    unless `digits` is "latin". A native system without decimal digits is Latin."""
    if digits == "latin":
        return "latn"
    native = str(locale(code).other_numbering_systems.get("native", "latn"))
    return native if native in _ZEROS else "latn"


@lru_cache(maxsize=64)
def _digit_table(system: str) -> dict[int, int]:
    zero = ord(_ZEROS.get(system, "0"))
    return str.maketrans("0123456789", "".join(chr(zero + i) for i in range(10)))


def with_digits(text: str, code: str, digits: str = "native") -> str:
    """Latin digits in `text` written in the language's digits."""
    system = numbering_system(code, digits)
    return text if system == "latn" else text.translate(_digit_table(system))


@lru_cache(maxsize=8192)
def number(n: int, code: str, digits: str = "native") -> str:
    """A whole number as a reader of the language writes it: its digits and its grouping
    (`۱٬۲۳۴` in Persian, `1 234` in French)."""
    system = numbering_system(code, digits)
    text = format_decimal(n, locale=locale(code), numbering_system=system)
    return with_digits(text, code, digits)


@lru_cache(maxsize=8192)
def plural_category(n: int, code: str) -> str:
    """CLDR's plural category of `n` in the language: zero, one, two, few, many or other."""
    return str(locale(code).plural_form(n))


@lru_cache(maxsize=64)
def plural_categories(code: str) -> tuple[str, ...]:
    """The categories a count word needs in the language, in CLDR's order (`other` always):
    English one and other; Arabic all six."""
    tags = set(locale(code).plural_form.tags) | {"other"}
    return tuple(c for c in PLURAL_CATEGORIES if c in tags)
