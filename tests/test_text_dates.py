from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from khabar import dates, text

TEHRAN = ZoneInfo("Asia/Tehran")


def test_clean_drops_controls_and_persian_folds_arabic_letters() -> None:
    raw = "علي\u202e كتاب\u0001\u2066x\u2069"
    assert text.clean(raw) == "علي كتابx"  # an Arabic title keeps its Arabic letters
    assert text.in_script_of(text.clean(raw), "fa") == "علی کتابx"
    assert text.in_script_of(text.clean(raw), "ar") == "علي كتابx"


def test_clean_keeps_zwnj() -> None:
    assert text.clean("می\u200cشود") == "می\u200cشود"


def test_match_key_unifies_spellings() -> None:
    assert text.match_key("ترکيه") == text.match_key("ترکیه")
    assert text.match_key("می\u200cشود") == text.match_key("می شود")
    assert text.match_key("Turkey") == text.match_key("turkey")


def test_persian_digits_roundtrip() -> None:
    assert text.persian_digits("1403") == "۱۴۰۳"
    assert text.ascii_digits("۱۴۰۳-۰۹-۰۵") == "1403-09-05"


def test_slugify_keeps_persian_letters() -> None:
    assert text.slugify("همکاری نظامی") == "همکاری-نظامی"
    assert text.slugify("!!!") == "section"


def test_dominant_direction() -> None:
    assert text.dominant_direction("Reuters گزارش داد که مذاکرات ادامه دارد") == "rtl"
    assert text.dominant_direction("An English quote with نام") == "ltr"
    assert text.dominant_direction("123 ...") is None


@pytest.mark.parametrize("raw, expected", [
    ("2024-11-23", datetime(2024, 11, 23, tzinfo=TEHRAN)),
    ("1403-09-03", datetime(2024, 11, 23, tzinfo=TEHRAN)),
    ("۱۴۰۳-۰۹-۰۳", datetime(2024, 11, 23, tzinfo=TEHRAN)),
    ("2024-11-23T14:30", datetime(2024, 11, 23, 14, 30, tzinfo=TEHRAN)),
    ("1403-02-31", datetime(2024, 5, 20, tzinfo=TEHRAN)),
])
def test_parse_dates(raw: str, expected: datetime) -> None:
    assert dates.parse(raw, TEHRAN) == expected


def test_parse_offset_is_kept() -> None:
    moment = dates.parse("2024-11-23T23:30:00+00:00", TEHRAN)
    assert moment.utcoffset() == timedelta(0)
    # 23:30 UTC is already the next day in Tehran: the briefing day follows the site zone
    assert dates.day_of(moment, TEHRAN) == date(2024, 11, 24)


@pytest.mark.parametrize("raw", ["2024-13-01", "yesterday", "1403-12-31x", "2024-02-30"])
def test_parse_rejects(raw: str) -> None:
    with pytest.raises(dates.DateError):
        dates.parse(raw, TEHRAN)


def test_format_persian_solar_hijri() -> None:
    assert dates.format_day(date(2024, 11, 25), "fa") == "۵ آذر ۱۴۰۳"
    assert dates.format_day(date(2024, 11, 25), "fa", weekday=True) == "دوشنبه ۵ آذر ۱۴۰۳"


def test_format_english_gregorian_independent_of_process_locale() -> None:
    assert dates.format_day(date(2024, 11, 25), "en") == "November 25, 2024"
    assert dates.format_day(date(2024, 11, 25), "en", weekday=True) == \
        "Monday, November 25, 2024"  # CLDR's full pattern, as the long one: month first


def test_rfc822_and_iso_have_offsets() -> None:
    moment = datetime(2024, 11, 23, 14, 30, tzinfo=TEHRAN)
    assert dates.iso(moment) == "2024-11-23T14:30:00+03:30"
    assert dates.rfc822(moment) == "Sat, 23 Nov 2024 14:30:00 +0330"
