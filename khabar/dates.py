"""Dates: parsing ISO and Solar Hijri front matter, and showing them per language.

Everything is explicit about locale and timezone; nothing reads the process-wide locale.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import format_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import jdatetime
from babel import Locale
from babel.dates import DateTimeFormat

from . import locales
from .options import SITE, choices
from .text import ascii_digits

JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                 "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")

_DATE = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?$"
)
JALALI_YEAR_LIMIT = 1700


class DateError(ValueError):
    """A front-matter date that cannot be read; the message says which form is expected."""


def parse(value: object, tz: ZoneInfo) -> datetime:
    """An aware datetime from `2024-11-23`, `2024-11-23T14:30+03:30` or Hijri `1403-09-03`.

    Dates without an offset are in the site's timezone; years below 1700 are Solar Hijri.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(), tz)
    raw = ascii_digits(str(value).strip()).replace("/", "-")
    m = _DATE.match(raw)
    if not m:
        raise DateError(f"'{value}' is not a date")
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    hh, mm, ss = int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0)
    try:
        jalali = y < JALALI_YEAR_LIMIT
        day = jdatetime.date(y, mo, d).togregorian() if jalali else date(y, mo, d)
        clock = time(hh, mm, ss)
    except ValueError as exc:
        raise DateError(f"'{value}' is not a valid date: {exc}") from None
    zone: tzinfo = _offset(m["tz"]) if m["tz"] else tz
    return datetime.combine(day, clock, zone)


def _offset(spec: str) -> tzinfo:
    if spec == "Z":
        return UTC
    sign = -1 if spec[0] == "-" else 1
    digits = spec[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def day_of(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day a moment falls on in the site's timezone: the briefing it belongs to."""
    return moment.astimezone(tz).date()


CALENDARS = choices(SITE, "languages.CODE.calendar")

# Month names of the Solar Hijri (Persian) calendar, which CLDR has but Babel does not
# ship: Iran's, Afghanistan's (Dari; Pashto keeps the same zodiac names in its own
# spelling, not given here), and the usual Latin transliteration.
PERSIAN_MONTHS: dict[str, tuple[str, ...]] = {
    "fa": JALALI_MONTHS,
    "fa_AF": ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی",
              "دلو", "حوت"),
    "latin": tuple(jdatetime.date.j_months_en),
}


def default_calendar(lang: str) -> str:
    """Persian for Persian (fa, fa-AF, prs), Gregorian for every other language."""
    try:
        return "persian" if locales.locale(lang).language == "fa" else "gregorian"
    except ValueError:
        return "gregorian"


def persian_months(locale: Locale) -> tuple[str, ...]:
    """The Solar Hijri month names for a locale: Afghanistan's for fa-AF (and prs), Iran's
    for fa and for the other right-to-left languages (written in Arabic script), the Latin
    transliteration (Farvardin, Ordibehesht...) for the rest."""
    if locale.language == "fa" and locale.territory == "AF":
        return PERSIAN_MONTHS["fa_AF"]
    if locale.language == "fa" or locale.character_order == "right-to-left":
        return PERSIAN_MONTHS["fa"]
    return PERSIAN_MONTHS["latin"]


class _SolarHijri(DateTimeFormat):
    """Babel's date fields with day, month and year taken from the Solar Hijri calendar:
    the locale's own pattern and weekday names, with Persian-calendar numbers and months."""

    def __init__(self, day: date, locale: Locale) -> None:
        super().__init__(day, locale)
        self.solar = jdatetime.date.fromgregorian(date=day)
        self.months = persian_months(locale)

    def __getitem__(self, name: str) -> str:
        if name[0] == "d":
            return self.format(self.solar.day, len(name))
        return super().__getitem__(name)

    def format_year(self, char: str, num: int) -> str:
        year = self.format(self.solar.year, num)
        return year[-2:] if num == 2 else year

    def format_month(self, char: str, num: int) -> str:
        if num <= 2:
            return self.format(self.solar.month, num)
        return self.months[int(self.solar.month) - 1]


@lru_cache(maxsize=4096)  # a pure function asked the same few days thousands of times
def format_day(day: date, lang: str, weekday: bool = False, calendar: str | None = None,
               digits: str = "native") -> str:
    """A day as a reader of `lang` writes it, in CLDR's long form (`full` with the weekday:
    `السبت، ٢٣ نوفمبر ٢٠٢٤`), in the language's calendar (Persian for fa unless told) and
    digits. An unknown language code is written as in English, never in the process
    locale."""
    calendar = calendar or default_calendar(lang)
    try:
        locale = locales.locale(lang)
    except ValueError:
        locale, lang = locales.locale("en"), "en"
    pattern = locale.date_formats["full" if weekday else "long"]
    if calendar == "persian":
        text = pattern.format % _SolarHijri(day, locale)
    else:
        text = pattern.apply(day, locale)
    return locales.with_digits(text, lang, digits)


@lru_cache(maxsize=1024)
def format_month(day: date, lang: str, calendar: str | None = None,
                 digits: str = "native") -> str:
    """The month `day` falls in, with its year, as a heading of an archive: `آذر ۱۴۰۳`,
    `November 2024` (CLDR's `yMMMM`, in the language's calendar and digits)."""
    calendar = calendar or default_calendar(lang)
    try:
        locale = locales.locale(lang)
    except ValueError:
        locale, lang = locales.locale("en"), "en"
    pattern = locale.datetime_skeletons["yMMMM"]
    if calendar == "persian":
        text = pattern.format % _SolarHijri(day, locale)
    else:
        text = pattern.apply(day, locale)
    return locales.with_digits(text, lang, digits)


def month_of(day: date, calendar: str) -> tuple[int, int]:
    """(year, month) of `day` in `calendar`: the Persian archive groups by Solar Hijri
    month, which begins in the middle of a Gregorian one."""
    if calendar == "persian":
        solar = jdatetime.date.fromgregorian(date=day)
        return solar.year, solar.month
    return day.year, day.month


def has_time(moment: datetime, tz: tzinfo) -> bool:
    """Whether a story's date gives a time of day: a date written without one is midnight
    in the site's timezone, and so is shown as a day only."""
    local = moment.astimezone(tz)
    return (local.hour, local.minute, local.second) != (0, 0, 0)


@lru_cache(maxsize=4096)
def format_time(moment: datetime, lang: str, tz: tzinfo, digits: str = "native") -> str:
    """The time of day of `moment` in the site's timezone, as readers of `lang` write it
    (CLDR's short form: `۱۴:۰۰`, `2:00 PM`)."""
    try:
        locale = locales.locale(lang)
    except ValueError:
        locale, lang = locales.locale("en"), "en"
    text = locale.time_formats["short"].apply(moment.astimezone(tz).time(), locale)
    return locales.with_digits(text, lang, digits)


def join_day_time(day_text: str, time_text: str, lang: str) -> str:
    """A day and a time of day as one phrase, by CLDR's long date-time pattern
    (`۳۰ آبان ۱۴۰۳، ساعت ۱۴:۰۰`, `November 20, 2024, 2:00 PM`)."""
    if not time_text:
        return day_text
    try:
        pattern = locales.locale(lang).datetime_formats["long"]
    except ValueError:
        pattern = "{1}, {0}"
    return str(pattern).replace("'", "").replace("{1}", day_text).replace("{0}", time_text)


def iso(moment: datetime) -> str:
    """RFC 3339 with offset, for <time datetime> and Atom/JSON feeds."""
    return moment.isoformat()


def rfc822(moment: datetime) -> str:
    """RFC 822 date for RSS."""
    return format_datetime(moment)
