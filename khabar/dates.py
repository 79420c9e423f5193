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
from babel.dates import format_date as babel_format_date

from .text import ascii_digits, persian_digits

JALALI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                 "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
PERSIAN_WEEKDAYS = ("دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه")

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


@lru_cache(maxsize=4096)  # a pure function asked the same few days thousands of times
def format_day(day: date, lang: str, weekday: bool = False) -> str:
    """A day as a reader of `lang` writes it: Solar Hijri with Persian digits for fa."""
    if lang == "fa":
        j = jdatetime.date.fromgregorian(date=day)
        text = f"{j.day} {JALALI_MONTHS[j.month - 1]} {j.year}"
        if weekday:
            text = f"{PERSIAN_WEEKDAYS[day.weekday()]} {text}"
        return persian_digits(text)
    pattern = "EEEE, d MMMM y" if weekday else "long"
    try:
        return babel_format_date(day, format=pattern, locale=lang.replace("-", "_"))
    except Exception:  # an unknown locale falls back to English, never to the process locale
        return babel_format_date(day, format=pattern, locale="en")


def iso(moment: datetime) -> str:
    """RFC 3339 with offset, for <time datetime> and Atom/JSON feeds."""
    return moment.isoformat()


def rfc822(moment: datetime) -> str:
    """RFC 822 date for RSS."""
    return format_datetime(moment)


def number(n: int, lang: str) -> str:
    """A count written with the digits of `lang`."""
    return persian_digits(str(n)) if lang == "fa" else str(n)
