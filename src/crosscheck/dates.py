"""Dates: one reading of "a date or none", and the date a statement refers to ("on Tuesday") against publication.

Every module that reads a stored or supplied date goes through `as_date` (None, NaN, NaT and text
that is not an ISO date all mean "no date"), `to_days` (a numpy day array with NaT for no date)
and `shift` (date arithmetic that never leaves the calendar). Publication dates outside
`EARLIEST`–`LATEST` are placeholders of broken metadata (year 1, 9999), not dates: ingest stores
such a document undated and says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

import numpy as np
import pandas as pd

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)

MONTHS = {name.casefold(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.casefold(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.casefold(): i for i, name in enumerate(calendar.day_name)}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")),
    ("day_month", re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + _YEAR + r"\b", re.I)),
    ("month_day", re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b" + _YEAR, re.I)),
    ("relative_day", re.compile(r"\b(?P<word>yesterday|today|tonight|this morning|this afternoon|this evening|"
                                r"the day before yesterday|last night)\b", re.I)),
    ("weekday", re.compile(r"\b(?:(?P<last>last|past|this)\s+)?" + _WEEKDAY + r"(?:'s|’s)?\b", re.I)),
    ("relative_span", re.compile(r"\b(?P<word>last|past|previous)\s+(?P<unit>week|month|year)\b", re.I)),
    ("part_month", re.compile(r"\b(?:in\s+)?(?:(?P<part>early|mid|late|the end of|the beginning of|the start of)[\s-]+)?"
                              + _MONTH + r"(?:\s+(?P<year>(?:19|20)\d\d))?\b", re.I)),
]
# Words that make a capitalised month name something else ("May" the verb, "March" the verb).
_AMBIGUOUS_MONTHS = {"may", "march", "jan", "mar", "dec", "sun", "wed", "sat"}
_PART_DAY = {"early": 5, "the beginning of": 3, "the start of": 3, "mid": 15, "mid-": 15, "late": 25, "the end of": 28}


def as_date(value: object) -> dt.date | None:
    """A calendar date from a date, datetime, pandas Timestamp, numpy datetime64 or ISO text; None for no date.

    None, NaN, NaT, empty text and text that does not start with a valid YYYY-MM-DD are "no date".
    """
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        days = int(value.astype("datetime64[D]").astype(np.int64))
        ordinal = days + dt.date(1970, 1, 1).toordinal()
        return dt.date.fromordinal(ordinal) if 1 <= ordinal <= dt.date.max.toordinal() else None
    if value is pd.NaT:  # NaT is an instance of datetime, so this test comes first
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else dt.date(value.year, value.month, value.day)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
        except ValueError:
            return None
    return None


def is_plausible(value: dt.date | None) -> bool:
    """True for a date inside EARLIEST–LATEST (a real publication date, not a placeholder)."""
    return value is not None and EARLIEST <= value <= LATEST


def shift(value: dt.date, days: int) -> dt.date:
    """value + days, held inside the calendar (date.min–date.max) instead of overflowing."""
    ordinal = min(max(value.toordinal() + int(days), 1), dt.date.max.toordinal())
    return dt.date.fromordinal(ordinal)


def to_days(values) -> np.ndarray:
    """A datetime64[D] array of the values, NaT where there is no date."""
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]")
    out = [as_date(v) for v in (values.tolist() if hasattr(values, "tolist") else list(values))]
    return np.array([np.datetime64(d, "D") if d is not None else np.datetime64("NaT", "D") for d in out], dtype="datetime64[D]")


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, published_on: dt.date) -> dt.date | None:
    """The month/day closest to publication (news mostly looks back, so ties go to the past)."""
    best = None
    for year in (published_on.year - 1, published_on.year, published_on.year + 1):
        d = _safe_date(year, month, day)
        if d and (best is None or abs((d - published_on).days) < abs((best - published_on).days)):
            best = d
    return best


def _month_part(month: int, part: str | None, year: int | None, published_on: dt.date | None) -> dt.date | None:
    day = _PART_DAY.get((part or "").casefold().strip(), 15) if part else 1
    if year:
        return _safe_date(year, month, day)
    if published_on is None:
        return None
    # A month named without a year is the latest such month not after publication.
    year = published_on.year if month <= published_on.month else published_on.year - 1
    d = _safe_date(year, month, day)
    if d and d > published_on:
        d = published_on
    return d


def resolve_date(text: str, published_on: dt.date | None) -> dt.date | None:
    """The date the first date expression in text refers to, or None when there is none."""
    if not text:
        return None
    found: list[tuple[int, dt.date]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            try:
                d = _resolve_match(kind, m, published_on)
            except OverflowError:  # "yesterday" of 1 January of year 1
                d = None
            if d is not None:
                found.append((m.start(), d))
                break
    if not found:
        return None
    return min(found, key=lambda x: x[0])[1]


def _resolve_match(kind: str, m: re.Match, published_on: dt.date | None) -> dt.date | None:
    g = m.groupdict()
    if kind == "iso":
        return _safe_date(int(g["year"]), int(g["m"]), int(g["d"]))
    if kind in ("day_month", "month_day"):
        month = MONTHS[g["month"].casefold()]
        day = int(g["day"])
        if g.get("year"):
            return _safe_date(int(g["year"]), month, day)
        return _nearest_year(month, day, published_on) if published_on else None
    if published_on is None:
        return None
    if kind == "relative_day":
        word = g["word"].casefold()
        if word == "yesterday" or word == "last night":
            return published_on - dt.timedelta(days=1)
        if word == "the day before yesterday":
            return published_on - dt.timedelta(days=2)
        return published_on
    if kind == "weekday":
        target = WEEKDAYS[g["weekday"].casefold()]
        back = (published_on.weekday() - target) % 7
        if g.get("last") and g["last"].casefold() in ("last", "past") and back == 0:
            back = 7
        return published_on - dt.timedelta(days=back)
    if kind == "relative_span":
        unit = g["unit"].casefold()
        days = {"week": 7, "month": 30, "year": 365}[unit]
        return published_on - dt.timedelta(days=days)
    if kind == "part_month":
        word = g["month"]
        if word.casefold() in _AMBIGUOUS_MONTHS and not g.get("part") and not g.get("year"):
            # "May" or "March" alone is too often a verb; require "in May" with a capital.
            if not (m.group(0).casefold().startswith("in ") and word[0].isupper()):
                return None
        if not word[0].isupper():
            return None
        return _month_part(MONTHS[word.casefold()], g.get("part"), int(g["year"]) if g.get("year") else None, published_on)
    return None
