"""Finding a document's date: in its file name, near the top of its text, or in a metadata or column value."""

from __future__ import annotations

import datetime as dt
import re

from crosscheck.dates import EARLIEST, LATEST, as_date, is_plausible

_DATE_SEARCH_CHARS = 600

_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

_MONTHS = {
    name: i
    for i, full in enumerate(
        ("january", "february", "march", "april", "may", "june", "july",
         "august", "september", "october", "november", "december"), start=1)
    for name in (full, full[:3], full[:4])
}

_MONTH = r"(january|february|march|april|may|june|july|august|september|october|november|december" \
         r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"

_TEXT_DATES = (
    (re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b"), ("y", "m", "d")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+((?:19|20)\d\d)\b", re.I), ("d", "mon", "y")),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I), ("mon", "d", "y")),
)


def date_from_name(name: str) -> dt.date | None:
    """A YYYY-MM-DD date in a file name, if there is a valid one inside 1900–2100."""
    for m in _FILE_DATE.finditer(name):
        try:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            continue
        if is_plausible(d):
            return d
    return None


def implausible_note(value: dt.date) -> str:
    """Why a date outside EARLIEST–LATEST is not used, for the summary."""
    return f"date {value.isoformat()} is outside {EARLIEST.year}–{LATEST.year}"


def date_from_text(text: str) -> dt.date | None:
    """The first date written near the top of the text (2022-02-16, 16 February 2022, February 16, 2022)."""
    head = text[:_DATE_SEARCH_CHARS]
    found: list[tuple[int, dt.date]] = []
    for pattern, order in _TEXT_DATES:
        for m in pattern.finditer(head):
            if (d := date_from_parts(dict(zip(order, m.groups())))) is not None:
                found.append((m.start(), d))
                break
    return min(found)[1] if found else None


def parse_date(value: object) -> dt.date | None:
    """A date from a metadata or column value: date, datetime, ISO string or a written-out date."""
    if not isinstance(value, str):
        return as_date(value)  # dates, datetimes, Timestamps; None, NaN and NaT are no date
    if not value.strip():
        return None
    value = value.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}(?!\d)", value):  # ISO, perhaps with a time after it
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{4})[/.]?(\d{1,2})[/.]?(\d{1,2})", value) if len(value) <= 10 else None
    if m:
        return date_from_parts({"y": m[1], "m": m[2], "d": m[3]})
    return date_from_text(value)


def date_from_parts(parts: dict[str, str]) -> dt.date | None:
    month = _MONTHS.get(parts["mon"].lower().rstrip(".")) if "mon" in parts else int(parts["m"])
    try:
        return dt.date(int(parts["y"]), month or 0, int(parts["d"]))
    except ValueError:
        return None
